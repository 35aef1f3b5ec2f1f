import type { FieldMapping } from './schema.js'

/**
 * What an attribute gets when the mapping does not name it. Anything a stock Drupal 7 node has is
 * mapped from the node itself, so a mapping lists only what is site-specific.
 */
export const DEFAULT_FIELDS: Readonly<Record<string, FieldMapping>> = {
  title: { from: 'node.title', using: ['first'] },
  language: { from: 'node.language', using: ['first'] },
  slug: { from: 'alias.path', using: ['first'] },
  published: { from: 'node.status', using: ['first', 'boolean'] },
  workflowState: { from: 'workflow.sid', using: ['first', 'int'] },
  publishedAt: { from: 'node.created', using: ['first', 'timestamp'] },
  createdAt: { from: 'node.created', using: ['first', 'timestamp'] },
  updatedAt: { from: 'node.changed', using: ['first', 'timestamp'] },
  authors: { constant: [] },
  bylines: { constant: [] },
  publications: { constant: [] },
  sections: { constant: [] },
  subjects: { constant: [] },
  summary: { constant: null },
  social: { constant: null },
  image: { constant: null },
  pdf: { constant: null },
  body: { constant: null },
  tracking: { constant: false },
  headTags: { constant: null },
  bodyTags: { constant: null },
  links: { constant: [] },
}

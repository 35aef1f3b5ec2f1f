/**
 * Source paths name where a value lives in Drupal: `node.title`, `workflow.sid`, `alias.path`,
 * `publication_date.published_at`, `field_subject.tid` (one column of a field, every delta) or
 * `field_story_picture` (whole field items). They are identifiers only, so nothing from a mapping
 * can smuggle SQL: the extractor quotes them after checking them against the live schema.
 */
export type SourcePath =
  | { readonly kind: 'node'; readonly column: NodeColumn }
  | { readonly kind: 'workflow'; readonly column: 'sid' | 'stamp' }
  | { readonly kind: 'publication_date'; readonly column: 'published_at' }
  | { readonly kind: 'alias'; readonly column: 'path' | 'all' }
  | { readonly kind: 'field'; readonly field: string; readonly column: string | null }

export const NODE_COLUMNS = [
  'nid',
  'vid',
  'type',
  'language',
  'title',
  'uid',
  'status',
  'created',
  'changed',
  'promote',
  'sticky',
  'tnid',
] as const
export type NodeColumn = (typeof NODE_COLUMNS)[number]

/** The sources that are not fields; any other name before the dot is a field. */
export const NON_FIELD_SOURCES = ['node', 'workflow', 'publication_date', 'alias'] as const

const IDENT = /^[a-z_][a-z0-9_]{0,63}$/

/** Parse a source path, or return a message saying what is wrong with it. */
export function parseSourcePath(text: string): SourcePath | { readonly error: string } {
  const parts = text.split('.')
  if (parts.length > 2 || parts.some((p) => !IDENT.test(p))) {
    return {
      error: `"${text}" is not a source path: use table.column with lowercase letters, digits and _ (e.g. node.title, field_subject.tid)`,
    }
  }
  const [head, column] = parts as [string, string | undefined]
  switch (head) {
    case 'node':
      if (column && (NODE_COLUMNS as readonly string[]).includes(column)) {
        return { kind: 'node', column: column as NodeColumn }
      }
      return { error: `"${text}": node has ${NODE_COLUMNS.map((c) => `node.${c}`).join(', ')}` }
    case 'workflow':
      if (column === 'sid' || column === 'stamp') return { kind: 'workflow', column }
      return { error: `"${text}": use workflow.sid (the workflow state) or workflow.stamp` }
    case 'publication_date':
      if (column === 'published_at') return { kind: 'publication_date', column }
      return { error: `"${text}": use publication_date.published_at` }
    case 'alias':
      if (column === 'path' || column === 'all') return { kind: 'alias', column }
      return { error: `"${text}": use alias.path (newest alias) or alias.all (every alias, newest first)` }
    default:
      // Any other name is a field: whatever field_config names, `field_*` or not (sites upgraded
      // from Drupal 6 have taxonomy_vocabulary_1, upload, comment_body). dhm check and migrate then
      // look for its table in the source and suggest the nearest real field on a typo.
      return { kind: 'field', field: head, column: column ?? null }
  }
}

/** `field_publication_` + `tid` → `field_publication__tid`, Drupal 7's column naming. */
export function fieldColumnName(field: string, column: string): string {
  return `${field}_${column}`
}

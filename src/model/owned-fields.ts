/**
 * Fields owned by the new system (issue #22): after cut-over editors change these in the target, and
 * `dhm sync` must not overwrite them. A field counts as *edited in the target* when the column holds
 * something other than what dhm last wrote there, which is the same attribute in the article's
 * `document` (dhm writes both together; an editor changes the column only). No extra state: dhm
 * writes the source's new document next to the editor's column value, so the next sync sees the
 * difference again and keeps the column again.
 *
 * Only attributes stored in one column of `article` can be owned. (image, pdf and the term lists span
 * several columns or tables; not ownable yet. Nor is slug: the redirects dhm writes are the source's
 * aliases other than the source's slug, so an edited slug would leave the old URL without a redirect.)
 *
 * `written(document, column)`: SQL for what dhm last wrote to the column, read from the document.
 * The body value is in the document only when the mapping owned `body` when dhm wrote it (content
 * hash v3 documents leave it to the column, see content-hash.ts): a document without it records
 * nothing to compare with, so the column counts as not edited until dhm writes the article again.
 */
export const OWNABLE_FIELDS = {
  title: { column: 'title', written: (d: string, _c: string) => `${d}->>'title'` },
  summary: { column: 'summary', written: (d: string, _c: string) => `${d}->>'summary'` },
  social: { column: 'social', written: (d: string, _c: string) => `${d}->>'social'` },
  headTags: { column: 'head_tags', written: (d: string, _c: string) => `${d}->>'headTags'` },
  bodyTags: { column: 'body_tags', written: (d: string, _c: string) => `${d}->>'bodyTags'` },
  body: { column: 'body', written: (d: string, c: string) => `COALESCE(${d}#>>'{body,value}', ${c})` },
  authors: {
    column: 'authors',
    written: (d: string, _c: string) => `ARRAY(SELECT jsonb_array_elements_text(${d}->'authors'))`,
  },
  bylines: {
    column: 'bylines',
    written: (d: string, _c: string) => `ARRAY(SELECT jsonb_array_elements_text(${d}->'bylines'))`,
  },
} as const

export type OwnableField = keyof typeof OWNABLE_FIELDS
export const OWNABLE_FIELD_NAMES = Object.keys(OWNABLE_FIELDS) as [OwnableField, ...OwnableField[]]

/**
 * SQL that is true when the row `alias` of `article` holds, in `field`'s column, something other than
 * what dhm last wrote there (its document's value): e.g. `a.title IS DISTINCT FROM a.document->>'title'`.
 */
export function editedInTargetSql(field: OwnableField, alias: string): string {
  const f = OWNABLE_FIELDS[field]
  return `${alias}.${f.column} IS DISTINCT FROM ${f.written(`${alias}.document`, `${alias}.${f.column}`)}`
}

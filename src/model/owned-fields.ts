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
 */
export const OWNABLE_FIELDS = {
  title: { column: 'title', written: (d: string) => `${d}->>'title'` },
  summary: { column: 'summary', written: (d: string) => `${d}->>'summary'` },
  social: { column: 'social', written: (d: string) => `${d}->>'social'` },
  headTags: { column: 'head_tags', written: (d: string) => `${d}->>'headTags'` },
  bodyTags: { column: 'body_tags', written: (d: string) => `${d}->>'bodyTags'` },
  body: { column: 'body', written: (d: string) => `${d}#>>'{body,value}'` },
  authors: {
    column: 'authors',
    written: (d: string) => `ARRAY(SELECT jsonb_array_elements_text(${d}->'authors'))`,
  },
  bylines: {
    column: 'bylines',
    written: (d: string) => `ARRAY(SELECT jsonb_array_elements_text(${d}->'bylines'))`,
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
  return `${alias}.${f.column} IS DISTINCT FROM ${f.written(`${alias}.document`)}`
}

/**
 * Fields owned by the new system (issue #22): after cut-over editors change these in the target, and
 * `dhm sync` must not overwrite them. A field counts as *edited in the target* when the target holds
 * something other than what dhm last wrote there, which is the same attribute in the article's
 * `document` (dhm writes both together; an editor changes the columns or links only). No extra
 * state: dhm writes the source's new document next to the editor's value, so the next sync sees the
 * difference again and keeps the value again.
 *
 * Three shapes of field:
 * - one column of `article` (title, summary, body, …);
 * - several columns (image: the file link `image_file_id` and caption, credit, alt, title, width,
 *   height; pdf: `pdf_file_id` and description), edited when any of them differs, kept as a whole;
 * - a term list (sections, subjects): the article's `article_term` links of that role, in order,
 *   against the terms the document lists (by tid, through `term`); kept as a whole.
 *
 * Not ownable: slug (the redirects dhm writes are the source's aliases other than the source's slug,
 * so an edited slug would leave the old URL without a redirect), publications (the legacy view and
 * the `isLive` rule read them), and what has no column of its own (links, translations, media).
 *
 * The body value is in the document only when the mapping owned `body` when dhm wrote it (content
 * hash v3 documents leave it to the column, see content-hash.ts): a document without it records
 * nothing to compare with, so the column counts as not edited until dhm writes the article again.
 *
 * With a date (`owned: { from: 2026-12-01 }`), a field counts as edited only on articles edited in
 * the target at or after it (`target_edit.edited_at`, kept by triggers: see OWNED_FROM_SQL).
 */

const FILE_ID = (a: string, attr: 'image' | 'pdf') =>
  `(SELECT f.id FROM media_file f WHERE f.site = ${a}.site AND f.legacy_fid = (${a}.document#>>'{${attr},file,fid}')::int)`

/** One column of `article` and the SQL of what dhm last wrote there, for the article row alias `a`. */
export interface OwnedColumn {
  readonly column: string
  readonly written: (a: string) => string
}

export type OwnableSpec =
  | { readonly kind: 'columns'; readonly columns: readonly OwnedColumn[] }
  | { readonly kind: 'terms'; readonly role: 'section' | 'subject'; readonly attribute: string }

const one = (column: string, written: (a: string) => string): OwnableSpec => ({
  kind: 'columns',
  columns: [{ column, written }],
})
const text = (path: string) => (a: string) => `${a}.document#>>'{${path}}'`
const int = (path: string) => (a: string) => `(${a}.document#>>'{${path}}')::int`
const textArray = (key: string) => (a: string) =>
  `ARRAY(SELECT jsonb_array_elements_text(${a}.document->'${key}'))`

export const OWNABLE_FIELDS = {
  title: one('title', (a) => `${a}.document->>'title'`),
  summary: one('summary', (a) => `${a}.document->>'summary'`),
  social: one('social', (a) => `${a}.document->>'social'`),
  headTags: one('head_tags', (a) => `${a}.document->>'headTags'`),
  bodyTags: one('body_tags', (a) => `${a}.document->>'bodyTags'`),
  body: one('body', (a) => `COALESCE(${a}.document#>>'{body,value}', ${a}.body)`),
  authors: one('authors', textArray('authors')),
  bylines: one('bylines', textArray('bylines')),
  image: {
    kind: 'columns',
    columns: [
      { column: 'image_file_id', written: (a) => FILE_ID(a, 'image') },
      { column: 'image_caption', written: text('image,caption') },
      { column: 'image_credit', written: text('image,credit') },
      { column: 'image_alt', written: text('image,alt') },
      { column: 'image_title', written: text('image,title') },
      { column: 'image_width', written: int('image,width') },
      { column: 'image_height', written: int('image,height') },
    ],
  },
  pdf: {
    kind: 'columns',
    columns: [
      { column: 'pdf_file_id', written: (a) => FILE_ID(a, 'pdf') },
      { column: 'pdf_description', written: text('pdf,description') },
    ],
  },
  sections: { kind: 'terms', role: 'section', attribute: 'sections' },
  subjects: { kind: 'terms', role: 'subject', attribute: 'subjects' },
} as const satisfies Record<string, OwnableSpec>

export type OwnableField = keyof typeof OWNABLE_FIELDS
export const OWNABLE_FIELD_NAMES = Object.keys(OWNABLE_FIELDS) as [OwnableField, ...OwnableField[]]

/** A mapping's `owned`: the fields, and the instant from which target edits count (null: always). */
export interface OwnedFields {
  readonly fields: readonly OwnableField[]
  /** ISO timestamp; null: edits count whenever they were made. */
  readonly from: string | null
}

export const NO_OWNED_FIELDS: OwnedFields = { fields: [], from: null }

/** The term links of `role` an article (alias `a`) holds, as term ids in order. */
const linkedTerms = (a: string, role: string) =>
  `ARRAY(SELECT x.term_id FROM article_term x WHERE x.article_id = ${a}.id AND x.role = '${role}' ORDER BY x.position)`
/** The term ids of the terms the article's document lists under `attribute`, in order. */
const writtenTerms = (a: string, attribute: string) =>
  `ARRAY(SELECT t.id FROM jsonb_array_elements(${a}.document->'${attribute}') WITH ORDINALITY e(v, i)
    JOIN term t ON t.site = ${a}.site AND t.legacy_tid = (e.v->>'tid')::int ORDER BY e.i)`

/**
 * SQL that is true when the article row `alias` holds, for `field`, something other than what dhm
 * last wrote there (its document's value): e.g. `a.title IS DISTINCT FROM a.document->>'title'`.
 * With `from`, only on articles edited in the target at or after that instant.
 */
export function editedInTargetSql(field: OwnableField, alias: string, from: string | null = null): string {
  const spec: OwnableSpec = OWNABLE_FIELDS[field]
  const differs =
    spec.kind === 'terms'
      ? `${linkedTerms(alias, spec.role)} IS DISTINCT FROM ${writtenTerms(alias, spec.attribute)}`
      : spec.columns.length === 1
        ? `${alias}.${spec.columns[0]?.column} IS DISTINCT FROM ${spec.columns[0]?.written(alias)}`
        : `(${spec.columns.map((c) => `${alias}.${c.column}`).join(', ')}) IS DISTINCT FROM (${spec.columns
            .map((c) => c.written(alias))
            .join(', ')})`
  return from === null ? differs : `(${differs} AND ${OWNED_FROM_SQL(alias, from)})`
}

/**
 * True when the article `alias` was edited in the target at or after `from`. `target_edit` holds,
 * per article, when a transaction that is not dhm's last changed its row or its term links
 * (triggers of migration 20261207170000_target_edit; dhm's runs, releases and rollbacks set
 * `dhm.run_id` or `dhm.restoring` and are not counted).
 */
export const OWNED_FROM_SQL = (alias: string, from: string) =>
  `EXISTS (SELECT 1 FROM target_edit e WHERE e.article_id = ${alias}.id AND e.edited_at >= '${isoInstant(from)}'::timestamptz)`

/** `from` as an ISO instant safe to inline in SQL (it comes from a validated mapping; checked again). */
function isoInstant(from: string): string {
  const d = new Date(from)
  if (Number.isNaN(d.getTime())) throw new Error(`owned.from is not a date: ${from}`)
  return d.toISOString()
}

/** The owned fields of `owned` that span columns of `article` (kept by the merge's CASE). */
export function ownedColumns(owned: OwnedFields): Map<string, OwnableField> {
  const out = new Map<string, OwnableField>()
  for (const f of owned.fields) {
    const spec: OwnableSpec = OWNABLE_FIELDS[f]
    if (spec.kind === 'columns') for (const c of spec.columns) out.set(c.column, f)
  }
  return out
}

/** The owned term lists: field and role. */
export function ownedTermRoles(owned: OwnedFields): { field: OwnableField; role: string }[] {
  return owned.fields.flatMap((f) => {
    const spec: OwnableSpec = OWNABLE_FIELDS[f]
    return spec.kind === 'terms' ? [{ field: f, role: spec.role }] : []
  })
}

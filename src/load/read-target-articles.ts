import type pg from 'pg'
import type { Article, FileRef, Redirect, TermRef } from '../model/article.js'
import { editedInTargetSql, type OwnableField, type OwnedFields } from '../model/owned-fields.js'
import { readTargetRelations } from './read-target-relations.js'

/**
 * One target article as the front end sees it: rebuilt from the `article` columns, its ordered
 * `article_term` rows, its `media_file` rows and its `redirect` rows. Only what has no column or
 * table of its own comes from `document` (translations, links, media, bodyOriginal, extra,
 * body.summaryDerived), plus two things that carry no content: whether image/pdf/body is an object
 * when all its columns are null, and the order of redirects (the table has no position).
 */
export interface TargetArticleRecord {
  /** article.id: what article_term and redirect point at. */
  readonly id: number
  readonly legacyNid: number
  readonly bundle: string
  /** deleted_at is set (sync's soft-delete policy). */
  readonly isDeleted: boolean
  /** The content_hash column as the last write stored it (what `dhm migrate` decides by). */
  readonly storedHash: string
  readonly article: Article
  /** Of the selection's `owned` fields, those an editor changed in the target (see OWNABLE_FIELDS). */
  readonly editedInTarget: readonly OwnableField[]
}

/** Which articles of one site to read, in legacy nid order. */
export interface TargetSelection {
  readonly site: string
  /** legacy_nid > after (keyset paging). */
  readonly after?: number
  /** legacy_nid <= upTo. */
  readonly upTo?: number | null
  /** Only these nids. */
  readonly ids?: readonly number[] | null
  readonly limit?: number
  /** Leave soft-deleted articles out. */
  readonly liveOnly?: boolean
  /** The mapping's owned fields: each record says which of them were edited in the target. */
  readonly owned?: OwnedFields
}

// Attributes rebuilt from columns and tables alone, left out of what is read of `document`. (Of
// image, pdf, body and redirects the document still says whether there is an object, whether a body
// summary was derived, and the order of redirects; body.value, the big part, is dropped in SQL.)
const FROM_COLUMNS = [
  'site',
  'legacyNid',
  'bundle',
  'language',
  'title',
  'slug',
  'published',
  'workflowState',
  'isLive',
  'authors',
  'bylines',
  'summary',
  'social',
  'publishedAt',
  'publications',
  'sections',
  'subjects',
  'tracking',
  'headTags',
  'bodyTags',
  'createdAt',
  'updatedAt',
]

// The model's ISO form (src/transform/registry.ts toIsoDate): seconds, no fraction, Z.
const iso = (column: string) => `to_char(a.${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
const file = (alias: string, prefix: string) =>
  ['legacy_fid', 'uri', 'url', 'filename', 'mime']
    .map((c) => `${alias}.${c} AS ${prefix}_${c}`)
    .concat(`${alias}.size::float8 AS ${prefix}_size`)
    .join(', ')

const SELECT_ARTICLES = `
SELECT a.id, a.legacy_nid, a.bundle, a.deleted_at IS NOT NULL AS is_deleted, a.content_hash,
  a.language, a.title, a.slug, a.published, a.workflow_state, a.is_live, a.authors, a.bylines,
  a.summary, a.social, ${iso('published_at')} AS published_at,
  a.image_file_id, a.image_caption, a.image_credit, a.image_alt, a.image_title, a.image_width, a.image_height,
  a.pdf_file_id, a.pdf_description, a.body, a.body_summary, a.body_format, a.tracking, a.head_tags,
  a.body_tags, ${iso('created_at')} AS created_at, ${iso('updated_at')} AS updated_at,
  ${file('fi', 'image')}, ${file('fp', 'pdf')},
  -- One expression reads document (each operator on the stored value would decompress it again).
  (a.document - '{${FROM_COLUMNS.join(',')}}'::text[]) #- '{body,value}' AS rest
FROM article a
LEFT JOIN media_file fi ON fi.id = a.image_file_id
LEFT JOIN media_file fp ON fp.id = a.pdf_file_id`

/**
 * SELECT_ARTICLES, with the owned fields edited in the target as `edited_in_target` when the mapping
 * owns any (each reads the document once more: a cost only mappings with `owned` pay).
 */
function selectArticles(owned: OwnedFields | undefined): string {
  if (!owned || owned.fields.length === 0) return SELECT_ARTICLES
  const edited = owned.fields.map((f) => `CASE WHEN ${editedInTargetSql(f, 'a', owned.from)} THEN '${f}' END`)
  return SELECT_ARTICLES.replace(
    '\nFROM article a',
    `,\n  array_remove(ARRAY[${edited.join(', ')}]::text[], NULL) AS edited_in_target\nFROM article a`,
  )
}

const SELECT_TERMS = `
SELECT at.article_id, at.role::text AS role, t.legacy_tid, t.name, t.vocabulary
FROM article_term at JOIN term t ON t.id = at.term_id
WHERE at.article_id = ANY($1::int[])
ORDER BY at.article_id, at.role, at.position`

// An article's redirect rows, and the paths its document lists that another article holds: two
// articles (or an article and a translation) may claim one alias, the table keeps one row per path
// (the last writer wins, see write-redirects.ts), and the article that lost it is not at fault as
// long as the one holding it lists it too. Only those few rows read the holder's document.
const SELECT_REDIRECTS = `
SELECT r.article_id, r.source_path, r.language, r.legacy_nid, false AS yielded
FROM redirect r WHERE r.article_id = ANY($2::int[])
UNION ALL
SELECT d.article_id, d.path, d.language, d.nid, true
FROM unnest($3::int[], $4::text[], $5::text[], $6::int[]) AS d(article_id, path, language, nid)
JOIN redirect r ON r.site = $1 AND r.source_path = d.path AND r.language = d.language
  AND r.article_id <> d.article_id
JOIN article o ON o.id = r.article_id
WHERE o.document->'redirects' @> jsonb_build_array(jsonb_build_object('path', d.path, 'language', d.language))`

/** An `article` row as SELECT_ARTICLES returns it. */
export interface ArticleColumns {
  id: number
  legacy_nid: number
  bundle: string
  is_deleted: boolean
  content_hash: string
  language: string
  title: string
  slug: string | null
  published: boolean
  workflow_state: number | null
  is_live: boolean
  authors: string[]
  bylines: string[]
  summary: string | null
  social: string | null
  published_at: string
  image_file_id: number | null
  image_caption: string | null
  image_credit: string | null
  image_alt: string | null
  image_title: string | null
  image_width: number | null
  image_height: number | null
  pdf_file_id: number | null
  pdf_description: string | null
  body: string | null
  body_summary: string | null
  body_format: string | null
  tracking: boolean
  head_tags: string | null
  body_tags: string | null
  created_at: string
  updated_at: string
  image_legacy_fid: number | null
  image_uri: string | null
  image_url: string | null
  image_filename: string | null
  image_mime: string | null
  image_size: number | null
  pdf_legacy_fid: number | null
  pdf_uri: string | null
  pdf_url: string | null
  pdf_filename: string | null
  pdf_mime: string | null
  pdf_size: number | null
  /** `document` without the attributes rebuilt from columns, and without body.value. */
  rest: Record<string, unknown>
  /** Owned fields edited in the target (only when the selection names owned fields). */
  edited_in_target?: OwnableField[]
}

/** An `article_term` row joined to its term. */
export interface TermLink {
  article_id: number
  role: string
  legacy_tid: number
  name: string
  vocabulary: string
}

/** A `redirect` row of the article, or (yielded) a path its document lists that another article holds. */
export interface RedirectRow {
  article_id: number
  source_path: string
  language: string
  legacy_nid: number
  yielded: boolean
}

/**
 * Read articles of one site back from the target, each rebuilt into the article model from what
 * the front end reads (see {@link TargetArticleRecord}). Three queries per call whatever the
 * number of articles (article with its two files, article_term with term, redirect), never one per
 * article. `dhm export` prints these; `dhm verify` compares them with the source's transform.
 */
export async function readTargetArticles(
  pool: Pick<pg.Pool, 'query'>,
  selection: TargetSelection,
): Promise<TargetArticleRecord[]> {
  const params: unknown[] = [selection.site, selection.after ?? 0]
  let where = 'a.site = $1 AND a.legacy_nid > $2'
  if (selection.upTo !== undefined && selection.upTo !== null) {
    params.push(selection.upTo)
    where += ` AND a.legacy_nid <= $${params.length}`
  }
  if (selection.ids) {
    params.push(selection.ids)
    where += ` AND a.legacy_nid = ANY($${params.length}::int[])`
  }
  if (selection.liveOnly) where += ' AND a.deleted_at IS NULL'
  const limit = selection.limit !== undefined ? ` LIMIT ${Math.trunc(selection.limit)}` : ''
  const { rows } = await pool.query<ArticleColumns>(
    `${selectArticles(selection.owned)} WHERE ${where} ORDER BY a.legacy_nid${limit}`,
    params,
  )
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const listed: [number[], string[], string[], number[]] = [[], [], [], []]
  for (const r of rows) {
    if (!Array.isArray(r.rest.redirects)) continue
    for (const d of r.rest.redirects as Partial<Redirect>[]) {
      // A hand-edited document may hold anything: such an entry is simply not found.
      if (typeof d.path !== 'string' || typeof d.language !== 'string' || !Number.isInteger(d.legacyNid))
        continue
      listed[0].push(r.id)
      listed[1].push(d.path)
      listed[2].push(d.language)
      listed[3].push(d.legacyNid as number)
    }
  }
  const [terms, redirects] = await Promise.all([
    pool.query<TermLink>(SELECT_TERMS, [ids]),
    pool.query<RedirectRow>(SELECT_REDIRECTS, [selection.site, ids, ...listed]),
  ])
  const termsOf = groupBy(terms.rows)
  const redirectsOf = groupBy(redirects.rows)
  const records = rows.map((r) => ({
    id: r.id,
    legacyNid: r.legacy_nid,
    bundle: r.bundle,
    isDeleted: r.is_deleted,
    storedHash: r.content_hash,
    editedInTarget: r.edited_in_target ?? [],
    article: rebuildArticle(selection.site, r, termsOf.get(r.id) ?? [], redirectsOf.get(r.id) ?? []),
  }))
  // Author records and references: from their tables, for the articles whose document has them.
  await readTargetRelations(pool, new Map(records.map((r) => [r.id, r.article])))
  return records
}

/**
 * The article model from one article row, its term links (in role, position order) and its
 * redirect rows. Pure. Keys come in the model's order, so a clean target's article prints as the
 * source's transform printed it.
 */
export function rebuildArticle(
  site: string,
  r: ArticleColumns,
  terms: readonly TermLink[],
  redirects: readonly RedirectRow[],
): Article {
  const publications: TermRef[] = []
  const sections: TermRef[] = []
  const subjects: TermRef[] = []
  for (const t of terms) {
    const list = t.role === 'publication' ? publications : t.role === 'section' ? sections : subjects
    list.push({ tid: t.legacy_tid, name: t.name, vocabulary: t.vocabulary })
  }
  const {
    links,
    translations,
    bodyOriginal,
    media,
    image: docImage,
    pdf: docPdf,
    body: docBody,
    redirects: order,
    ...rest
  } = r.rest
  const hasImage =
    isRecord(docImage) ||
    r.image_file_id !== null ||
    [r.image_caption, r.image_credit, r.image_alt, r.image_title, r.image_width, r.image_height].some(
      (v) => v !== null,
    )
  const hasPdf = isRecord(docPdf) || r.pdf_file_id !== null || r.pdf_description !== null
  const hasBody = isRecord(docBody) || r.body !== null || r.body_summary !== null || r.body_format !== null
  return {
    site,
    legacyNid: r.legacy_nid,
    bundle: r.bundle,
    language: r.language,
    title: r.title,
    slug: r.slug,
    published: r.published,
    workflowState: r.workflow_state,
    isLive: r.is_live,
    authors: r.authors,
    bylines: r.bylines,
    summary: r.summary,
    social: r.social,
    publishedAt: r.published_at,
    publications,
    sections,
    subjects,
    image: hasImage
      ? {
          file: fileOf(r.image_file_id, r, 'image'),
          caption: r.image_caption,
          credit: r.image_credit,
          alt: r.image_alt,
          title: r.image_title,
          width: r.image_width,
          height: r.image_height,
        }
      : null,
    pdf: hasPdf ? { file: fileOf(r.pdf_file_id, r, 'pdf'), description: r.pdf_description } : null,
    body: hasBody
      ? {
          // A NULL body column under a body object is not the model's, and shows as such in a diff.
          value: r.body as string,
          summary: r.body_summary,
          format: r.body_format,
          summaryDerived: isRecord(docBody) && docBody.summaryDerived === true,
        }
      : null,
    tracking: r.tracking,
    headTags: r.head_tags,
    bodyTags: r.body_tags,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    links: links as Article['links'],
    translations: translations as Article['translations'],
    redirects: orderRedirects(redirects, order),
    bodyOriginal: bodyOriginal as Article['bodyOriginal'],
    media: media as Article['media'],
    // Anything else the document holds (`extra`, or a key this reader does not know) stays, so
    // that a comparison sees it.
    ...(rest as Pick<Article, 'extra'>),
  }
}

function fileOf(id: number | null, r: ArticleColumns, kind: 'image' | 'pdf'): FileRef | null {
  if (id === null) return null
  const fid = r[`${kind}_legacy_fid`]
  if (fid === null) return null
  return {
    fid,
    uri: r[`${kind}_uri`] as string,
    url: r[`${kind}_url`],
    filename: r[`${kind}_filename`] as string,
    mime: r[`${kind}_mime`] as string,
    size: r[`${kind}_size`] as number,
  }
}

/**
 * The redirect rows in the order the article listed them when it was written (the document's list:
 * the table keeps no position, and the order means nothing to a front end); rows the document does
 * not list come after, in insertion order.
 */
function orderRedirects(rows: readonly RedirectRow[], order: unknown): Redirect[] {
  const out: Redirect[] = rows.map((r) => ({
    path: r.source_path,
    language: r.language,
    legacyNid: r.legacy_nid,
  }))
  if (!Array.isArray(order) || out.length < 2) return out
  const rank = new Map<string, number>()
  order.forEach((o: Partial<Redirect>, i) => {
    const key = `${o.language}\u0000${o.path}\u0000${o.legacyNid}`
    if (!rank.has(key)) rank.set(key, i)
  })
  const at = (r: Redirect) => rank.get(`${r.language}\u0000${r.path}\u0000${r.legacyNid}`) ?? order.length
  // Array.prototype.sort is stable: unlisted rows keep their insertion order.
  return out.sort((a, b) => at(a) - at(b))
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function groupBy<T extends { article_id: number }>(rows: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>()
  for (const r of rows) {
    const list = out.get(r.article_id)
    if (list) list.push(r)
    else out.set(r.article_id, [r])
  }
  return out
}

import type pg from 'pg'
import type { Article, AuthorRecord, Block, Reference } from '../model/article.js'

/**
 * An article's author records and references as the target holds them (`article_author` with
 * `author` and its picture, `article_reference`), for the articles whose document says it has them:
 * so that verify sees an author renamed or a reference row removed in the target.
 */

const SELECT_AUTHORS = `
SELECT aa.article_id, aa.role::text AS role, au.legacy_uid, au.name, au.display_name, au.status,
  f.legacy_fid, f.uri, f.url, f.filename, f.mime, f.size::float8 AS size
FROM article_author aa JOIN author au ON au.id = aa.author_id
LEFT JOIN media_file f ON f.id = au.picture_file_id
WHERE aa.article_id = ANY($1::int[])
ORDER BY aa.article_id, aa.role, aa.position`

const SELECT_REFERENCES = `
SELECT article_id, field, delta, kind::text AS kind, target_legacy_id
FROM article_reference WHERE article_id = ANY($1::int[])
ORDER BY article_id, field, delta`

const SELECT_BLOCKS = `
SELECT article_id, ordinal, parent_ordinal, entity_type, legacy_item_id, legacy_revision_id, field, delta,
  type, data
FROM block WHERE article_id = ANY($1::int[])
ORDER BY article_id, ordinal`

interface BlockRow {
  article_id: number
  ordinal: number
  parent_ordinal: number | null
  entity_type: string
  legacy_item_id: number
  legacy_revision_id: number
  field: string
  delta: number
  type: string
  data: Record<string, unknown>
}

interface AuthorRow {
  article_id: number
  role: string
  legacy_uid: number
  name: string | null
  display_name: string | null
  status: string
  legacy_fid: number | null
  uri: string | null
  url: string | null
  filename: string | null
  mime: string | null
  size: number | null
}

interface ReferenceRow {
  article_id: number
  field: string
  delta: number
  kind: string
  target_legacy_id: number
}

/**
 * Replace `authorRecords`, `references` and `blocks` of the rebuilt articles (id → article) that
 * have them with what the tables hold. Three queries at most; none when no article has any.
 */
export async function readTargetRelations(
  pool: Pick<pg.Pool, 'query'>,
  articles: ReadonlyMap<number, Article>,
): Promise<void> {
  const withAuthors = [...articles].filter(([, a]) => a.authorRecords !== undefined).map(([id]) => id)
  const withReferences = [...articles].filter(([, a]) => a.references !== undefined).map(([id]) => id)
  const withBlocks = [...articles].filter(([, a]) => a.blocks !== undefined).map(([id]) => id)
  const [authors, references, blocks] = await Promise.all([
    withAuthors.length > 0 ? pool.query<AuthorRow>(SELECT_AUTHORS, [withAuthors]) : null,
    withReferences.length > 0 ? pool.query<ReferenceRow>(SELECT_REFERENCES, [withReferences]) : null,
    withBlocks.length > 0 ? pool.query<BlockRow>(SELECT_BLOCKS, [withBlocks]) : null,
  ])
  const blocksOf = new Map<number, Block[]>(withBlocks.map((id) => [id, []]))
  for (const r of blocks?.rows ?? []) {
    // The table's ordinals are the list's indexes (written so); a gap an edit made shows as a difference.
    blocksOf.get(r.article_id)?.push({
      entity: r.entity_type,
      itemId: r.legacy_item_id,
      revisionId: r.legacy_revision_id,
      field: r.field,
      delta: r.delta,
      parent: r.parent_ordinal,
      type: r.type,
      data: r.data,
    })
  }
  const authorsOf = new Map<number, AuthorRecord[]>(withAuthors.map((id) => [id, []]))
  for (const r of authors?.rows ?? []) {
    authorsOf.get(r.article_id)?.push({
      uid: r.legacy_uid,
      role: r.role,
      name: r.name,
      displayName: r.display_name,
      status: r.status,
      picture:
        r.legacy_fid === null
          ? null
          : {
              fid: r.legacy_fid,
              uri: r.uri as string,
              url: r.url,
              filename: r.filename as string,
              mime: r.mime as string,
              size: r.size as number,
            },
    })
  }
  const referencesOf = new Map<number, Reference[]>(withReferences.map((id) => [id, []]))
  for (const r of references?.rows ?? []) {
    referencesOf
      .get(r.article_id)
      ?.push({ field: r.field, delta: r.delta, kind: r.kind, id: r.target_legacy_id })
  }
  for (const [id, article] of articles) {
    // Assigned in place: the keys keep their position in the article, as the document had them.
    const a = authorsOf.get(id)
    if (a) article.authorRecords = a
    const r = referencesOf.get(id)
    if (r) article.references = inDocumentOrder(r, article.references ?? [])
    const b = blocksOf.get(id)
    if (b) article.blocks = b
  }
}

/** The table has no mapping order of fields: the rows in the order the document listed them. */
function inDocumentOrder(rows: Reference[], listed: readonly Reference[]): Reference[] {
  const rank = new Map<string, number>()
  listed.forEach((r, i) => {
    const key = `${r.field}\u0000${r.delta}`
    if (!rank.has(key)) rank.set(key, i)
  })
  const at = (r: Reference) => rank.get(`${r.field}\u0000${r.delta}`) ?? listed.length
  return rows.sort((a, b) => at(a) - at(b))
}

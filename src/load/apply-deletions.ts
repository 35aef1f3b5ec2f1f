import type { RowDataPacket } from 'mysql2/promise'
import type pg from 'pg'
import { explainSourceError, type SourceConnection } from '../extract/source-db.js'
import type { CompiledMapping } from '../mapping/compile.js'
import type { Article } from '../model/article.js'
import { hashArticle } from '../model/content-hash.js'

/** What happens to an article whose node is gone from the source or no longer passes the filters. */
export const DELETE_POLICIES = ['unpublish', 'soft-delete', 'hard-delete'] as const
export type DeletePolicy = (typeof DELETE_POLICIES)[number]
export const DEFAULT_DELETE_POLICY: DeletePolicy = 'unpublish'

/** Target ids compared with the source per round trip: memory stays bounded whatever the site size. */
export const DELETION_RANGE_SIZE = 10_000

const UNPUBLISH_SELECT = `
SELECT id, document FROM article
WHERE site = $1 AND legacy_nid = ANY($2::int[]) AND (published OR is_live)
FOR UPDATE`

const UNPUBLISH_UPDATE = `
UPDATE article a SET published = false, is_live = false, document = u.document,
  content_hash = u.content_hash, last_migrated_at = now()
FROM jsonb_to_recordset($1::jsonb) AS u(id int, document jsonb, content_hash text)
WHERE a.id = u.id`

const SOFT_DELETE = `
UPDATE article SET deleted_at = now()
WHERE site = $1 AND legacy_nid = ANY($2::int[]) AND deleted_at IS NULL`

const HARD_DELETE = 'DELETE FROM article WHERE site = $1 AND legacy_nid = ANY($2::int[])'

/**
 * Apply `policy` to the articles of these nids; returns how many rows it changed (rows already in
 * the policy's state are not touched, so a rerun changes and counts nothing).
 *
 * - `unpublish`: published = false, is_live = false; the row stays. The document gets the same two
 *   values and the content hash is recomputed from it, so the hash always describes the row and a
 *   node that becomes eligible again is rewritten.
 * - `soft-delete`: deleted_at = now(); the next upsert of the node clears it.
 * - `hard-delete`: the row goes (article_term rows cascade).
 */
export async function applyDeletePolicy(
  client: pg.ClientBase,
  site: string,
  nids: readonly number[],
  policy: DeletePolicy,
): Promise<number> {
  if (nids.length === 0) return 0
  const ids = [...nids]
  switch (policy) {
    case 'soft-delete':
      return (await client.query(SOFT_DELETE, [site, ids])).rowCount ?? 0
    case 'hard-delete':
      return (await client.query(HARD_DELETE, [site, ids])).rowCount ?? 0
    case 'unpublish': {
      const { rows } = await client.query<{ id: number; document: Article }>(UNPUBLISH_SELECT, [site, ids])
      if (rows.length === 0) return 0
      const updates = rows.map(({ id, document }) => {
        const unpublished = { ...document, published: false, isLive: false }
        return { id, document: unpublished, content_hash: hashArticle(unpublished) }
      })
      return (await client.query(UNPUBLISH_UPDATE, [JSON.stringify(updates)])).rowCount ?? 0
    }
  }
}

export interface DeletionScan {
  readonly mapping: CompiledMapping
  readonly policy: DeletePolicy
  readonly rangeSize?: number
  /** For error messages only. */
  readonly sourceUrl: string
  /** Checked between ranges: stop early (the next run scans again). */
  readonly signal?: AbortSignal
}

/**
 * Find the articles whose node is gone from the source (or is no longer of a mapped bundle) and
 * apply the policy to them. A streamed anti-join: the target's nids are read in keyset ranges of
 * `rangeSize` (an index-only scan), each range is looked up in the source by primary key in one
 * query, and the difference is handled in its own short transaction. Neither side is ever held in
 * memory whole. Stateless: every run compares everything, so a run killed halfway loses nothing.
 */
export async function applyDeletions(
  source: SourceConnection,
  pool: pg.Pool,
  opts: DeletionScan,
): Promise<{ deleted: number; scanned: number }> {
  const size = opts.rangeSize ?? DELETION_RANGE_SIZE
  const site = opts.mapping.site
  let after = 0
  let deleted = 0
  let scanned = 0
  while (!opts.signal?.aborted) {
    const { rows } = await pool.query<{ legacy_nid: number }>(
      'SELECT legacy_nid FROM article WHERE site = $1 AND legacy_nid > $2 ORDER BY legacy_nid LIMIT $3',
      [site, after, size],
    )
    if (rows.length === 0) break
    const targetNids = rows.map((r) => r.legacy_nid)
    after = targetNids[targetNids.length - 1] ?? after
    scanned += targetNids.length
    let present: RowDataPacket[]
    try {
      ;[present] = await source.query<RowDataPacket[]>(
        'SELECT nid FROM node WHERE nid IN (?) AND type IN (?)',
        [targetNids, opts.mapping.source.bundles],
      )
    } catch (cause) {
      throw explainSourceError(cause, opts.sourceUrl)
    }
    const inSource = new Set(present.map((r) => Number(r.nid)))
    const gone = targetNids.filter((nid) => !inSource.has(nid))
    if (gone.length > 0) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        deleted += await applyDeletePolicy(client, site, gone, opts.policy)
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      } finally {
        client.release()
      }
    }
    if (rows.length < size) break
  }
  return { deleted, scanned }
}

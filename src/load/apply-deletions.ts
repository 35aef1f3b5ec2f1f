import type pg from 'pg'
import type { Article } from '../model/article.js'
import { hashArticle } from '../model/content-hash.js'
import { tagRunChanges } from './run-changes.js'

/** What happens to an article whose node is gone from the source or no longer passes the filters. */
export const DELETE_POLICIES = ['unpublish', 'soft-delete', 'hard-delete'] as const
export type DeletePolicy = (typeof DELETE_POLICIES)[number]
export const DEFAULT_DELETE_POLICY: DeletePolicy = 'unpublish'

const UNPUBLISH_SELECT = `
SELECT id, document, body FROM article
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
      const { rows } = await client.query<{ id: number; document: Article; body: string | null }>(
        UNPUBLISH_SELECT,
        [site, ids],
      )
      if (rows.length === 0) return 0
      const updates = rows.map(({ id, document, body }) => {
        const unpublished = { ...document, published: false, isLive: false }
        // The document leaves the body value to the body column (content hash v3): hashed with it.
        const whole =
          unpublished.body && unpublished.body.value === undefined && body !== null
            ? { ...unpublished, body: { ...unpublished.body, value: body } }
            : unpublished
        return { id, document: unpublished, content_hash: hashArticle(whole) }
      })
      return (await client.query(UNPUBLISH_UPDATE, [JSON.stringify(updates)])).rowCount ?? 0
    }
  }
}

/**
 * Apply `policy` to these nids in a transaction of their own, recorded in run `runId`'s undo log
 * (dhm rollback brings them back): what the deletion scan does with the nids it found gone.
 */
export async function retireNids(
  pool: pg.Pool,
  site: string,
  nids: readonly number[],
  policy: DeletePolicy,
  runId: number | undefined,
): Promise<number> {
  if (nids.length === 0) return 0
  return inOwnTransaction(pool, async (c) => {
    if (runId !== undefined) await tagRunChanges(c, runId)
    return applyDeletePolicy(c, site, nids, policy)
  })
}

async function inOwnTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const value = await fn(client)
    await client.query('COMMIT')
    return value
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

import type pg from 'pg'
import { partitionOutcomes, type RowOutcome } from '../transform/outcome.js'
import type { BatchResult } from './load-batch.js'

/**
 * What loadBatch would do, without writing: compares content hashes with the target. Used by
 * `dhm migrate --dry-run`. With no target schema yet, every loadable row would be inserted.
 */
export async function planBatch(
  client: Pick<pg.Pool, 'query'> | null,
  site: string,
  outcomes: readonly RowOutcome[],
): Promise<BatchResult> {
  const { ok, rejected, filtered, unchanged: settled } = partitionOutcomes(outcomes)
  const existing = new Map<number, { hash: string; deleted: boolean }>()
  if (client && ok.length > 0) {
    const { rows } = await client.query<{ legacy_nid: number; content_hash: string; deleted: boolean }>(
      `SELECT legacy_nid, content_hash, deleted_at IS NOT NULL AS deleted
       FROM article WHERE site = $1 AND legacy_nid = ANY($2::int[])`,
      [site, ok.map((o) => o.ref.nid)],
    )
    for (const r of rows) existing.set(r.legacy_nid, { hash: r.content_hash, deleted: r.deleted })
  }
  let inserted = 0
  let updated = 0
  for (const o of ok) {
    const before = existing.get(o.ref.nid)
    if (!before) inserted++
    else if (before.hash !== o.contentHash || before.deleted) updated++
  }
  return {
    inserted,
    updated,
    unchanged: ok.length - inserted - updated + settled,
    rejected,
    filtered,
    warnings: ok.reduce((n, o) => n + o.warnings.length, 0),
  }
}

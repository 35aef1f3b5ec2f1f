import { querySource, type SourceConnection } from '../extract/source-db.js'

/** Nodes per range of a distributed run: a range takes seconds, so a killed worker costs little. */
export const DEFAULT_RANGE_SIZE = 10_000

/** A keyset range of nids: (afterNid, throughNid]; throughNid null = every nid after afterNid. */
export interface NidRange {
  readonly index: number
  readonly afterNid: number
  readonly throughNid: number | null
}

/**
 * Cut the mapping's nodes into ranges of about `size` nodes each, on the source's nids as they are
 * now (every `size`-th nid of the bundles, one grouped scan of the node table's primary key). The
 * last range is open-ended: nodes created later with higher nids still belong to a range.
 */
export async function cutNidRanges(
  conn: SourceConnection,
  sourceUrl: string,
  bundles: readonly string[],
  size: number,
): Promise<NidRange[]> {
  const rows = await querySource<{ nid: number | string }>(
    conn,
    sourceUrl,
    `SELECT nid FROM (SELECT nid, ROW_NUMBER() OVER (ORDER BY nid) AS n FROM {node} WHERE type IN (?)) t
     WHERE n % ? = 0 ORDER BY nid`,
    [bundles, size],
  )
  return rangesFromBoundaries(rows.map((r) => Number(r.nid)))
}

/** Boundaries b1 < b2 < … → (0, b1], (b1, b2], …, (bn, ∞). */
export function rangesFromBoundaries(boundaries: readonly number[]): NidRange[] {
  const ranges: NidRange[] = []
  let after = 0
  for (const through of boundaries) {
    ranges.push({ index: ranges.length, afterNid: after, throughNid: through })
    after = through
  }
  ranges.push({ index: ranges.length, afterNid: after, throughNid: null })
  return ranges
}

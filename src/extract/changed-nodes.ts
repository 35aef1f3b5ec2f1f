import type { RowDataPacket } from 'mysql2/promise'
import type { CompiledMapping } from '../mapping/compile.js'
import { stopwatch } from '../stopwatch.js'
import { querySource, type SourceConnection } from './source-db.js'
import type { SourceLayout } from './source-schema.js'

/** Nids per checksum bucket of tables without a timestamp (publication_date). */
export const CHECKSUM_BUCKET_SIZE = 5000

/** `count:sum-of-crc32` per bucket of nids (bucket = nid DIV CHECKSUM_BUCKET_SIZE). */
export type BucketChecksums = Readonly<Record<string, string>>

export interface ChangeQuery {
  readonly mapping: CompiledMapping
  readonly layout: SourceLayout
  /** Inclusive lower bound (mark minus the overlap): `>=`, never `>`, so equal timestamps are kept. */
  readonly since: number
  /** publication_date checksums stored by the run that produced the mark; null = none stored. */
  readonly previousChecksums: BucketChecksums | null
  /** For error messages only. */
  readonly sourceUrl: string
  /**
   * Tables known not to have changed since the previous sync (pipeline/sync-scans.ts): not read.
   * publication_date's checksums are then `previousChecksums`, carried forward.
   */
  readonly skip?: { readonly publicationDate?: boolean; readonly workflow?: boolean }
}

export interface ChangedNodes {
  /** Candidate nids, ascending, without duplicates (they may include nodes of other bundles or gone). */
  readonly nids: readonly number[]
  /** The newest node.changed / workflow_node.stamp seen at or after `since`; null when none. */
  readonly newestStamp: number | null
  /** How many candidates each signal produced (they overlap). */
  readonly signals: { readonly changed: number; readonly workflow: number; readonly publicationDate: number }
  /** Seconds each signal's queries took (for --verbose logs and scripts/bench-sync.ts). */
  readonly seconds: { readonly changed: number; readonly workflow: number; readonly publicationDate: number }
  readonly checksums: BucketChecksums | null
}

/**
 * The nodes that may have changed since `since`, inside the caller's snapshot. Drupal's
 * `node.changed` is the main signal (index node_changed); a workflow transition moves only
 * `workflow_node.stamp`; `publication_date` has no timestamp at all, so it is compared by bucket
 * checksums with the previous sync and every node of a differing bucket becomes a candidate.
 * Field edits that bypass `node.changed` (direct SQL, some contrib modules) are not seen here:
 * `dhm sync --full` catches those.
 */
export async function findChangedNodes(conn: SourceConnection, q: ChangeQuery): Promise<ChangedNodes> {
  const bundles = q.mapping.source.bundles
  const nids = new Set<number>()
  let newest: number | null = null
  const note = (stamp: number) => {
    if (newest === null || stamp > newest) newest = stamp
  }

  const seconds = { changed: 0, workflow: 0, publicationDate: 0 }
  const lap = stopwatch()

  const changed = await querySource<RowDataPacket>(
    conn,
    q.sourceUrl,
    'SELECT nid, changed AS stamp FROM {node} WHERE changed >= ? AND type IN (?)',
    [q.since, bundles],
  )
  for (const r of changed) {
    nids.add(Number(r.nid))
    note(Number(r.stamp))
  }
  seconds.changed = lap()

  let workflow = 0
  if (q.layout.needsWorkflow && !q.skip?.workflow) {
    // workflow_node has no index on stamp: one scan of a narrow table.
    const rows = await querySource<RowDataPacket>(
      conn,
      q.sourceUrl,
      'SELECT nid, stamp FROM {workflow_node} WHERE stamp >= ?',
      [q.since],
    )
    workflow = rows.length
    for (const r of rows) {
      nids.add(Number(r.nid))
      note(Number(r.stamp))
    }
  }
  seconds.workflow = lap()

  let publicationDate = 0
  let checksums: BucketChecksums | null = null
  if (q.layout.needsPublicationDate && q.skip?.publicationDate) {
    checksums = q.previousChecksums
  } else if (q.layout.needsPublicationDate) {
    checksums = await readPublicationDateChecksums(conn, q.sourceUrl)
    if (q.previousChecksums) {
      for (const b of differingBuckets(checksums, q.previousChecksums)) {
        const lo = b * CHECKSUM_BUCKET_SIZE
        const rows = await querySource<RowDataPacket>(
          conn,
          q.sourceUrl,
          'SELECT nid FROM {node} WHERE nid BETWEEN ? AND ? AND type IN (?)',
          [lo, lo + CHECKSUM_BUCKET_SIZE - 1, bundles],
        )
        publicationDate += rows.length
        for (const r of rows) nids.add(Number(r.nid))
      }
    }
  }
  seconds.publicationDate = lap()

  return {
    nids: [...nids].sort((a, b) => a - b),
    newestStamp: newest,
    signals: { changed: changed.length, workflow, publicationDate },
    seconds,
    checksums,
  }
}

/** The bucket numbers whose checksums differ between two readings (present in either), ascending. */
export function differingBuckets(now: BucketChecksums, before: BucketChecksums): number[] {
  return [...new Set([...Object.keys(now), ...Object.keys(before)])]
    .filter((b) => now[b] !== before[b])
    .map(Number)
    .sort((a, b) => a - b)
}

/**
 * The high-water mark of the whole snapshot: the newest node.changed of the mapped bundles or
 * workflow_node.stamp. Used by full syncs (which read every node anyway).
 */
export async function readNewestStamp(
  conn: SourceConnection,
  mapping: CompiledMapping,
  layout: SourceLayout,
  sourceUrl: string,
): Promise<number | null> {
  const [node] = await querySource<RowDataPacket>(
    conn,
    sourceUrl,
    'SELECT MAX(changed) AS m FROM {node} WHERE type IN (?)',
    [mapping.source.bundles],
  )
  let newest = node?.m === null || node?.m === undefined ? null : Number(node.m)
  if (layout.needsWorkflow) {
    const [wf] = await querySource<RowDataPacket>(
      conn,
      sourceUrl,
      'SELECT MAX(stamp) AS m FROM {workflow_node}',
      [],
    )
    if (wf?.m !== null && wf?.m !== undefined) newest = Math.max(newest ?? 0, Number(wf.m))
  }
  return newest
}

/**
 * The source server's clock (UNIX_TIMESTAMP()). A sync's high-water mark never passes it: a node
 * whose `changed` lies in the future (a wrong server clock, an import) would otherwise carry the mark
 * there, and every incremental sync until then would miss the edits of today.
 */
export async function readSourceClock(conn: SourceConnection, sourceUrl: string): Promise<number> {
  const [row] = await querySource<RowDataPacket>(conn, sourceUrl, 'SELECT UNIX_TIMESTAMP() AS now', [])
  return Math.floor(Number(row?.now))
}

/** One grouped scan of publication_date: a checksum per bucket of nids. */
export async function readPublicationDateChecksums(
  conn: SourceConnection,
  sourceUrl: string,
): Promise<BucketChecksums> {
  const rows = await querySource<RowDataPacket>(
    conn,
    sourceUrl,
    `SELECT nid DIV ? AS b, COUNT(*) AS n, SUM(CRC32(CONCAT(nid, ':', published_at))) AS s
     FROM {publication_date} GROUP BY b`,
    [CHECKSUM_BUCKET_SIZE],
  )
  return checksumsOf(rows)
}

/** Rows of `b` (bucket), `n` (count) and `s` (checksum sum) → a bucket's `n:s` by bucket. */
export function checksumsOf(rows: readonly RowDataPacket[]): BucketChecksums {
  return Object.fromEntries(rows.map((r) => [String(r.b), `${r.n}:${r.s}`]))
}

import type { BucketChecksums } from '../extract/changed-nodes.js'
import type { SourceConnection } from '../extract/source-db.js'
import type { SourceLayout } from '../extract/source-schema.js'
import { readTableChangeTimes } from '../extract/table-changes.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { type ScanWatch, type SideState, SYNC_SCANS, type SyncScan, scannedTables } from './side-changes.js'

/**
 * Seconds after which a sync runs a scan again even though its tables say they did not change: a
 * server that misreports (a clock set back, a table whose time InnoDB got wrong) is caught within
 * this interval, as a `--full` sync would catch it.
 */
export const DEFAULT_RESCAN_SECONDS = 3600

/** Whether one scan runs in this sync, and why (for the log line). */
export interface ScanDecision {
  readonly scan: SyncScan
  readonly run: boolean
  readonly why: string
}

export interface ScanPlan {
  /** The scans this mapping needs, in SYNC_SCANS order. */
  readonly decisions: readonly ScanDecision[]
  /** Those that do not run: their state is carried forward from the previous sync. */
  readonly skip: ReadonlySet<SyncScan>
  /** What this sync records with its mark for the next one. */
  readonly watch: ScanWatch
}

/** What a sync compares with: the state the previous sync (or the full pass resumed) recorded. */
export interface ScanBasis {
  readonly side: SideState | null
  readonly checksums: BucketChecksums | null
}

export interface ScanPlanQuery {
  readonly mapping: CompiledMapping
  readonly layout: SourceLayout
  readonly sourceUrl: string
  /** This sync's snapshot, by the source's clock (SourceSession.openedAt). */
  readonly openedAt: number
  readonly basis: ScanBasis | null
  /** The margin of the high-water mark (`--overlap`), applied to the tables' times as well. */
  readonly overlap: number
  /** Seconds after which a scan runs whatever its tables say (DEFAULT_RESCAN_SECONDS). */
  readonly rescanAfter: number
  /**
   * Why the deletion scan runs whatever node says (the previous run was not a sync that finished,
   * or a rollback ran since); null when it may be skipped too.
   */
  readonly deletionsDistrust: string | null
}

/**
 * Which scans a sync with nothing to compare against anything but the previous sync's state can
 * skip, from information_schema.TABLES.UPDATE_TIME (extract/table-changes.ts):
 *
 * A scan is skipped when every table it reads last changed strictly before the previous sync's
 * snapshot (its source clock, read just before the snapshot opened) minus `overlap`: no
 * transaction the previous sync did not see committed there since, so the previous state is
 * still the state now and is carried forward. UPDATE_TIME is the start of the last committing
 * transaction, so, like the high-water mark, only a transaction longer than `overlap` could
 * escape, and the rescan interval bounds that. A scan runs when a table's time is unknown (NULL:
 * a restart, a table that left InnoDB's cache), when the previous state lacks what a skipped scan
 * would carry forward, when it last ran `rescanAfter` seconds ago or more, and for the deletion scan
 * whenever `deletionsDistrust` says so.
 */
export async function planScans(conn: SourceConnection, q: ScanPlanQuery): Promise<ScanPlan> {
  const tables = scannedTables(q.mapping, q.layout)
  const watch = q.basis?.side?.watch ?? null
  // Without a previous reading there is nothing to skip: the tables' times are not even read.
  const times = watch
    ? await readTableChangeTimes(conn, q.sourceUrl, q.mapping.source.tablePrefix, [
        ...new Set(Object.values(tables).flat()),
      ])
    : new Map<string, number | null>()
  return decideScans(tables, times, q)
}

/** {@link planScans} once the tables' times are read (pure). */
export function decideScans(
  tables: Partial<Record<SyncScan, readonly string[]>>,
  times: ReadonlyMap<string, number | null>,
  q: Omit<ScanPlanQuery, 'mapping' | 'layout' | 'sourceUrl'>,
): ScanPlan {
  const watch = q.basis?.side?.watch ?? null
  const decisions: ScanDecision[] = []
  for (const scan of SYNC_SCANS) {
    const list = tables[scan]
    if (!list) continue
    decisions.push({ scan, ...decide(scan, list, times, q, watch) })
  }
  const scannedAt: Partial<Record<SyncScan, number>> = {}
  for (const d of decisions) {
    const before = watch?.scannedAt[d.scan]
    scannedAt[d.scan] = d.run || before === undefined ? q.openedAt : before
  }
  return {
    decisions,
    skip: new Set(decisions.filter((d) => !d.run).map((d) => d.scan)),
    watch: { snapshotAt: q.openedAt, scannedAt },
  }
}

/** Every scan runs (a full sync): `why` says so in the log. */
export function fullScanPlan(
  mapping: CompiledMapping,
  layout: SourceLayout,
  openedAt: number,
  why: string,
): ScanPlan {
  const scans = SYNC_SCANS.filter((s) => scannedTables(mapping, layout)[s] !== undefined)
  return {
    decisions: scans.map((scan) => ({ scan, run: true, why })),
    skip: new Set(),
    watch: { snapshotAt: openedAt, scannedAt: Object.fromEntries(scans.map((s) => [s, openedAt])) },
  }
}

function decide(
  scan: SyncScan,
  tables: readonly string[],
  times: ReadonlyMap<string, number | null>,
  q: Omit<ScanPlanQuery, 'mapping' | 'layout' | 'sourceUrl'>,
  watch: ScanWatch | null,
): { run: boolean; why: string } {
  if (!watch) return { run: true, why: 'no previous reading to compare with' }
  if (scan === 'deletions' && q.deletionsDistrust) return { run: true, why: q.deletionsDistrust }
  const carried = carriedState(scan, q.basis)
  if (!carried) return { run: true, why: 'the previous sync recorded nothing to carry forward' }
  const last = watch.scannedAt[scan]
  if (last === undefined) return { run: true, why: 'never scanned by a sync that recorded it' }
  const age = q.openedAt - last
  if (age >= q.rescanAfter)
    return { run: true, why: `last scanned ${age}s ago (rescan every ${q.rescanAfter}s)` }
  const since = watch.snapshotAt - q.overlap
  for (const t of tables) {
    const changed = times.get(t) ?? null
    if (changed === null) return { run: true, why: `${t}: last change unknown (UPDATE_TIME is NULL)` }
    if (changed >= since) return { run: true, why: `${t} changed at ${iso(changed)}` }
  }
  return { run: false, why: `${tables.join(', ')} unchanged since ${iso(since)}` }
}

/** Whether the previous state holds what a skipped scan carries forward. */
function carriedState(scan: SyncScan, basis: ScanBasis | null): boolean {
  const side = basis?.side
  switch (scan) {
    case 'publication-date':
      return (basis?.checksums ?? null) !== null
    case 'alias':
      return (side?.aliases ?? null) !== null
    case 'user':
      return (side?.users ?? null) !== null
    case 'file':
      return (side?.maxFid ?? null) !== null
    default:
      return true
  }
}

const iso = (s: number) => new Date(s * 1000).toISOString()

/** `dhm sync --json`'s `scans`: which scans ran and which were skipped (their tables unchanged). */
export interface ScanSummary {
  readonly scanned: readonly SyncScan[]
  readonly skipped: readonly SyncScan[]
}

export function summarizeScans(plan: ScanPlan | null): ScanSummary {
  const d = plan?.decisions ?? []
  return {
    scanned: d.filter((x) => x.run).map((x) => x.scan),
    skipped: d.filter((x) => !x.run).map((x) => x.scan),
  }
}

/** `alias skipped (url_alias unchanged since …), user scanned (users changed at …)`: for the log. */
export function renderScanPlan(plan: ScanPlan): string {
  return plan.decisions.map((d) => `${d.scan} ${d.run ? 'scanned' : 'skipped'} (${d.why})`).join('; ')
}

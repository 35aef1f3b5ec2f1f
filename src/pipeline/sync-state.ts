import type pg from 'pg'
import type { BucketChecksums } from '../extract/changed-nodes.js'
import type { D7NodeBundle } from '../extract/d7-types.js'
import type { SourceLayout } from '../extract/source-schema.js'
import {
  isAnotherMapping,
  RUN_MAPPING_COLUMNS,
  type RunMapping,
  type RunMappingColumns,
  runMappingOf,
} from '../load/run-log.js'
import type { CompiledMapping } from '../mapping/compile.js'
import {
  changedSettings,
  SETTINGS_PART_LABEL,
  type SideState,
  settingsState,
  unrecordedSideTables,
} from './side-changes.js'

/*
 * What a sync remembers between runs, in migration_run: the mark (and the publication_date
 * checksums and side tables' state it goes with) the next sync starts from, and a full pass's
 * progress, which an interrupted pass is resumed from. Written in the transaction of the batch it
 * describes (recordProgress).
 */

/**
 * A full pass's progress, committed with each of its batches (migration_run.params.fullPass):
 * every node up to `afterNid` is synced as of source stamp `mark`, with these publication_date
 * checksums. An interrupted pass is resumed from it by the next sync.
 */
export interface FullPassState {
  readonly afterNid: number
  readonly mark: number
  readonly checksums: BucketChecksums | null
  /** The side tables' state the pass started from (absent in passes recorded before it was kept). */
  readonly side?: SideState | null
}

/** The run the next sync starts from: the newest sync, or whole migrate, that recorded a mark. */
export interface PreviousSync {
  readonly runId: number
  readonly command: 'sync' | 'migrate'
  readonly mark: number
  readonly checksums: BucketChecksums | null
  /** The side tables as that sync saw them (null: a run from before they were recorded). */
  readonly side: SideState | null
  /** The mapping that sync ran with (bundles: null for runs before they were recorded). */
  readonly mapping: RunMapping
  /**
   * Whether that run finished (a sync that succeeded also ran its deletion scan; the mark is
   * committed before it), and no rollback ran after it: what lets the next sync skip the deletion
   * scan when node did not change (sync-scans.ts).
   */
  readonly finishedClean: boolean
  /** The --on-delete policy it ran with (null: not recorded, e.g. a migrate). */
  readonly onDelete: string | null
}

/**
 * The state the next sync starts from: the newest sync, or whole migrate, of this site that wrote a
 * mark. A mark is only ever written with (or, by a migrate, after) the last batch it covers, so any
 * run holding one (even one killed right after that commit, still "running" or "interrupted")
 * covered everything below it.
 */
export async function readPreviousSync(pool: pg.Pool, site: string): Promise<PreviousSync | null> {
  const { rows } = await pool.query<
    RunMappingColumns & {
      id: number
      command: 'sync' | 'migrate'
      high_water_mark: number
      checksums: BucketChecksums | null
      side: SideState | null
      finished_clean: boolean
      on_delete: string | null
    }
  >(
    `SELECT id, command, high_water_mark, params->'publicationDateChecksums' AS checksums,
       params->'sideState' AS side, params->>'onDelete' AS on_delete, ${RUN_MAPPING_COLUMNS},
       status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM migration_run o
         WHERE o.site = r.site AND o.params ? 'rolledBack'
           AND (o.params->'rolledBack'->>'at')::timestamptz >= r.started_at) AS finished_clean
     FROM migration_run r
     WHERE site = $1 AND command IN ('sync', 'migrate') AND high_water_mark IS NOT NULL
     ORDER BY id DESC LIMIT 1`,
    [site],
  )
  const row = rows[0]
  if (!row) return null
  return {
    runId: row.id,
    command: row.command,
    mark: row.high_water_mark,
    checksums: row.checksums,
    side: row.side,
    mapping: runMappingOf(row),
    finishedClean: row.finished_clean,
    onDelete: row.on_delete,
  }
}

/**
 * Why a sync whose mapping hash differs from the previous one reads everything. The same file
 * edited is a changed mapping. Another file (isAnotherMapping) may be a deliberate switch, or a
 * second mapping sharing the site: then every sync of either is a full one (the mark is per
 * site), which the user should hear about.
 */
export function describeMappingChange(previous: PreviousSync, current: RunMapping, site: string): string {
  const list = (b: readonly string[]) => [...b].sort().join(', ')
  const before = previous.mapping.bundles ? list(previous.mapping.bundles) : null
  const now = list(current.bundles ?? [])
  if (!isAnotherMapping(previous.mapping, current)) {
    return before === null || before === now
      ? `the mapping file changed since the last ${previous.command}`
      : `the mapping file changed since the last ${previous.command} (it read bundles ${before}, now ${now})`
  }
  const read = (bundles: string | null) => (bundles === null ? '' : `, bundles ${bundles}`)
  return (
    `the last ${previous.command} of site ${site} ran another mapping file (${previous.mapping.file}${read(before)}) ` +
    `than this one (${current.file}${read(now)}); if both stay in use, syncs of mappings that share a site ` +
    `make each other read everything (the high-water mark is per site): give each mapping its own site`
  )
}

/**
 * Commit a sync's counts with a batch, and with it the new mark (its last batch) or a full pass's
 * progress (every batch of the pass).
 */
export async function recordProgress(
  client: pg.ClientBase,
  runId: number,
  counts: object,
  mark: {
    highWaterMark: number | null
    checksums: BucketChecksums | null
    side: SideState | null
  } | null,
  fullPass: FullPassState | null,
): Promise<void> {
  await client.query(
    `UPDATE migration_run SET counts = $2::jsonb,
       high_water_mark = CASE WHEN $3::boolean THEN $4::int ELSE high_water_mark END,
       params = params
         || CASE WHEN $3::boolean THEN jsonb_build_object('publicationDateChecksums', $5::jsonb,
              'sideState', $7::jsonb) ELSE '{}' END
         || CASE WHEN $6::jsonb IS NULL THEN '{}' ELSE jsonb_build_object('fullPass', $6::jsonb) END
     WHERE id = $1`,
    [
      runId,
      JSON.stringify(counts),
      mark !== null,
      mark?.highWaterMark ?? null,
      JSON.stringify(mark?.checksums ?? null),
      fullPass ? JSON.stringify(fullPass) : null,
      JSON.stringify(mark?.side ?? null),
    ],
  )
}

/**
 * The newest full sync of the site, when it did not succeed (interrupted, killed, failed): the next
 * sync finishes its pass. `state` is null when it committed no batch of it.
 */
export async function readUnfinishedFullPass(
  pool: pg.Pool,
  site: string,
): Promise<{ runId: number; mappingHash: string | null; state: FullPassState | null } | null> {
  const { rows } = await pool.query<{
    id: number
    status: string
    mapping_hash: string | null
    full_pass: FullPassState | null
  }>(
    `SELECT id, status, params->>'mappingHash' AS mapping_hash, params->'fullPass' AS full_pass
     FROM migration_run
     WHERE site = $1 AND command = 'sync' AND params->>'mode' = 'full' AND status <> 'rolled-back'
     ORDER BY id DESC LIMIT 1`,
    [site],
  )
  const row = rows[0]
  if (!row || row.status === 'succeeded') return null
  return { runId: row.id, mappingHash: row.mapping_hash, state: row.full_pass }
}

/** A full pass's progress once `nodes` (a batch in nid order) commits. */
export function fullPassAfter(
  nodes: readonly D7NodeBundle[],
  mark: number,
  checksums: BucketChecksums | null,
  side: SideState | null,
): FullPassState | null {
  const last = nodes.at(-1)
  return last ? { afterNid: last.nid, mark, checksums, side } : null
}

/** Whether a sync reads everything, and why; the pass it resumes; the run it starts from. */
export interface SyncMode {
  readonly previous: PreviousSync | null
  /** The interrupted full pass this sync finishes (null: none, or it starts over). */
  readonly resume: FullPassState | null
  /** Why this sync reads everything; null: incremental. */
  readonly fullReason: string | null
}

/**
 * Incremental or full: full with --full, on the first sync of a site, after a mapping change, when
 * the previous run recorded no state of a side table the mapping reads, when settings every article
 * is built with changed (site time zone, date field settings, metatag defaults, dhm's transform: see
 * side-changes.ts settingsState), or to finish a full pass
 * that did not (resumed where it stopped when the mapping and the recorded state allow).
 */
export async function decideSyncMode(
  pool: pg.Pool,
  opts: {
    readonly site: string
    readonly full: boolean
    readonly mapping: CompiledMapping
    readonly layout: SourceLayout
    readonly current: RunMapping
  },
): Promise<SyncMode> {
  const { site, mapping, layout, current } = opts
  const previous = await readPreviousSync(pool, site)
  // A full pass that did not finish is finished first: after the nodes it covered (re-read where
  // they changed since), from where it stopped. With another mapping it starts over.
  // A whole migrate after the unfinished pass covered every node since: nothing to finish.
  const found = opts.full ? null : await readUnfinishedFullPass(pool, site)
  const unfinished = found && (previous === null || previous.runId < found.runId) ? found : null
  // A pass recorded before the side tables' state was kept cannot tell what changed there before it.
  const resume =
    unfinished?.mappingHash === current.hash &&
    unrecordedSideTables(unfinished.state?.side ?? null, mapping, layout).length === 0 &&
    changedSettings(unfinished.state?.side?.settings, settingsState(layout)).length === 0
      ? unfinished.state
      : null
  const unrecorded = previous ? unrecordedSideTables(previous.side, mapping, layout) : []
  const settings = previous ? changedSettings(previous.side?.settings, settingsState(layout)) : []
  const fullReason = opts.full
    ? '--full'
    : unfinished && resume
      ? `resuming the full sync of run ${unfinished.runId} after nid ${resume.afterNid}`
      : unfinished
        ? `the full sync of run ${unfinished.runId} did not finish`
        : previous === null
          ? 'first sync of this site on this target'
          : previous.mapping.hash !== current.hash
            ? describeMappingChange(previous, current, site)
            : unrecorded.length > 0
              ? `the last ${previous.command} (run ${previous.runId}) recorded no state of ${unrecorded.join(', ')} ` +
                '(a dhm from before side-table syncing): reading everything once, so that no edit made there before ' +
                'this sync is missed'
              : settings.length > 0
                ? `${settings.map((p) => SETTINGS_PART_LABEL[p]).join(', ')} changed since the last ${previous.command} ` +
                  `(run ${previous.runId}): every article may change, reading everything once`
                : null
  return { previous, resume, fullReason }
}

/**
 * Why this sync's deletion scan must run even if node did not change since `previous` (see
 * sync-scans.ts), or null: the previous run was a sync that ran its own deletion scan to the end
 * with the same policy, and no rollback ran since.
 */
export function deletionScanDistrust(previous: PreviousSync | null, policy: string): string | null {
  if (!previous) return 'no previous sync'
  if (previous.command !== 'sync')
    return `the last run (${previous.runId}) was a ${previous.command}, which looks for no deleted nodes`
  if (!previous.finishedClean)
    return `the last sync (run ${previous.runId}) did not finish, or a rollback ran since`
  if (previous.onDelete !== policy)
    return `the last sync (run ${previous.runId}) ran --on-delete ${previous.onDelete ?? 'unknown'}, this one ${policy}`
  return null
}

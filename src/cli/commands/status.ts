import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { redactValues } from '../../config/redact.js'
import { undoRetentionDays } from '../../config/undo-retention.js'
import { ConfigError } from '../../errors.js'
import type { OwnedEditCounts } from '../../load/owned-edits.js'
import { runChangeBytes } from '../../load/run-changes.js'
import { readRunSites, runIsAliveSql } from '../../load/run-log.js'
import { explainTargetError, openTarget } from '../../load/target-db.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import { readOwnedEdits } from '../../pipeline/run-release.js'
import { renderChangeKinds } from '../../pipeline/run-sync.js'
import type { ChangeCounts } from '../../pipeline/side-changes.js'
import { formatUtc } from '../../report/run-report.js'
import { type DistributedRunStatus, readRangeStatus, renderRangeStatus } from '../../workers/range-status.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'
import { MAPPING_OPTION, mappingFileOf } from '../options.js'

interface StatusArgs {
  target?: string
  mapping?: string
  owned: boolean
  site?: string
  limit: number
  json: boolean
}

export interface RunStatusRow {
  readonly id: number
  readonly site: string
  readonly command: string
  readonly status: string
  readonly startedAt: string
  readonly seconds: number | null
  readonly counts: Record<string, unknown>
  /** Unix seconds (the newest node.changed / workflow stamp the run covered). */
  readonly highWaterMark: number | null
}

/** The last runs recorded in migration_run, newest first; a run whose process died shows as interrupted. */
export async function readRunHistory(
  targetUrl: string,
  opts: { site?: string; limit: number },
): Promise<RunStatusRow[]> {
  const target = await openTarget(targetUrl)
  try {
    const { rows } = await target.pool
      .query<{
        id: number
        site: string
        command: string
        status: string
        started_at: Date
        seconds: number | null
        counts: Record<string, unknown>
        high_water_mark: number | null
      }>(
        // A run left 'running' by a process that died (its lock is gone) is shown as interrupted,
        // as the next migrate or sync records it.
        `SELECT id, site, command,
           CASE WHEN status = 'running' AND NOT ${runIsAliveSql('r')} THEN 'interrupted' ELSE status END AS status,
           started_at, extract(epoch FROM finished_at - started_at)::float8 AS seconds, counts, high_water_mark
         FROM migration_run r WHERE ($1::text IS NULL OR site = $1) AND command <> 'migrate-range'
         ORDER BY id DESC LIMIT $2`,
        [opts.site ?? null, opts.limit],
      )
      .catch((error: unknown) => {
        throw explainTargetError(error, targetUrl)
      })
    return rows.map((r) => ({
      id: r.id,
      site: r.site,
      command: r.command,
      status: r.status,
      startedAt: r.started_at.toISOString(),
      seconds: r.seconds === null ? null : Math.round(r.seconds * 100) / 100,
      // A run recorded by an older dhm may hold an unmasked URL in its error.
      counts: redactValues(r.counts),
      highWaterMark: r.high_water_mark,
    }))
  } finally {
    await target.close()
  }
}

const COUNT_KEYS = ['read', 'inserted', 'updated', 'unchanged', 'rejected', 'filtered', 'deleted'] as const

const FILE_COUNT_KEYS = ['copied', 'skipped', 'missing', 'failed'] as const

/** A files run's counts (`dhm files` records files/copied/skipped/missing/failed, none of COUNT_KEYS). */
function describeFileCounts(counts: Record<string, unknown>): string {
  if (typeof counts.files !== 'number') return '-'
  return `${counts.files}: ${FILE_COUNT_KEYS.map((k) => `${k} ${String(counts[k] ?? 0)}`).join(', ')}`
}

/**
 * A fixed-width table, one run per line; a sync's `changes` column says how many nodes each kind of
 * change brought in (`node 40, term 484`), as its summary did; a `files` column when a `dhm files`
 * run is listed.
 */
export function renderRunHistory(rows: readonly RunStatusRow[]): string {
  if (rows.length === 0) return 'no runs recorded yet'
  const hasFiles = rows.some((r) => typeof r.counts.files === 'number')
  const table = [
    [
      'run',
      'site',
      'command',
      'status',
      'started (UTC)',
      'took',
      ...COUNT_KEYS,
      'high-water mark',
      'changes',
      ...(hasFiles ? ['files'] : []),
    ],
    ...rows.map((r) => [
      String(r.id),
      r.site,
      r.command,
      r.status,
      formatUtc(new Date(r.startedAt)),
      r.seconds === null ? '-' : `${r.seconds.toFixed(1)}s`,
      ...COUNT_KEYS.map((k) => (typeof r.counts[k] === 'number' ? String(r.counts[k]) : '-')),
      r.highWaterMark === null ? '-' : formatUtc(new Date(r.highWaterMark * 1000)),
      isChangeCounts(r.counts.changes) ? renderChangeKinds(r.counts.changes) : '-',
      ...(hasFiles ? [describeFileCounts(r.counts)] : []),
    ]),
  ]
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0))) ?? []
  return table
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function isChangeCounts(value: unknown): value is ChangeCounts {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: COMMAND_LIST.status.describe,
  builder: (y: Argv) =>
    y
      .option('site', { type: 'string', describe: 'Only runs of this site' })
      .option('limit', { type: 'number', default: 10, describe: 'How many runs' })
      .option('json', { type: 'boolean', default: false, describe: 'One JSON array on stdout' })
      .option('owned', {
        type: 'boolean',
        default: false,
        describe: "Count the mapping's owned fields edited in the target (reads every article of its site)",
      })
      .option('mapping', MAPPING_OPTION)
      .example('dhm status', 'The last 10 runs against the target')
      .example('dhm status --site bne --limit 3 --json', 'For monitoring')
      .hide('source')
      .epilog(EPILOG) as unknown as Argv<StatusArgs>,
  handler: async (args: ArgumentsCamelCase<StatusArgs>) => {
    if (args.limit < 1 || !Number.isInteger(args.limit))
      throw new ConfigError('--limit must be a positive integer')
    const { targetUrl } = resolveConnections({ target: args.target })
    if (args.owned) {
      const mapping = await loadMapping(mappingFileOf(args))
      const rows = await readRunHistory(targetUrl, { limit: args.limit, site: mapping.site })
      const edited = await readOwnedEdits(targetUrl, mapping.site, mapping.owned)
      process.stdout.write(
        args.json
          ? `${JSON.stringify({ runs: rows, editedInTarget: edited })}\n`
          : `${renderRunHistory(rows)}\n${renderOwnedEdits(mapping.site, edited)}\n`,
      )
      return
    }
    const rows = await readRunHistory(targetUrl, {
      limit: args.limit,
      ...(args.site !== undefined ? { site: args.site } : {}),
    })
    if (rows.length === 0 && args.site !== undefined && !args.json) {
      const sites = await readRunSites(targetUrl)
      process.stdout.write(
        sites.length === 0
          ? 'no runs recorded yet\n'
          : `no runs of site ${args.site}; this target has runs of: ${sites.join(', ')}\n`,
      )
      return
    }
    const ranges = await readDistributedRanges(targetUrl, rows)
    if (args.json) {
      // A distributed run (dhm migrate --workers) carries its ranges.
      const withRanges = rows.map((r) => {
        const run = ranges.find((d) => d.runId === r.id)
        return run ? { ...r, ranges: run } : r
      })
      process.stdout.write(`${JSON.stringify(withRanges)}\n`)
      return
    }
    const undo = rows.length > 0 ? await readUndoLogBytes(targetUrl) : null
    process.stdout.write(
      `${renderRunHistory(rows)}\n${ranges.map((r) => `${renderRangeStatus(r)}\n`).join('')}` +
        `${undo === null ? '' : `${renderUndoLog(undo, undoRetentionDays())}\n`}`,
    )
  },
}

/** `owned fields edited in the target (bne): title 1, summary 0` */
export function renderOwnedEdits(site: string, edited: OwnedEditCounts): string {
  const entries = Object.entries(edited)
  if (entries.length === 0) return `the mapping of ${site} owns no fields (mapping key owned)`
  return `owned fields edited in the target (${site}): ${entries.map(([f, n]) => `${f} ${n}`).join(', ')}`
}

/** The ranges of the distributed runs among `rows` (dhm migrate --workers), newest run first. */
async function readDistributedRanges(
  targetUrl: string,
  rows: readonly RunStatusRow[],
): Promise<DistributedRunStatus[]> {
  const ids = rows.filter((r) => r.command === 'migrate').map((r) => r.id)
  if (ids.length === 0) return []
  const target = await openTarget(targetUrl)
  try {
    return await readRangeStatus(target.pool, ids)
  } catch (error) {
    throw explainTargetError(error, targetUrl)
  } finally {
    await target.close()
  }
}

/** Bytes of the undo log (run_change, with its index); null on a target from before dhm rollback. */
async function readUndoLogBytes(targetUrl: string): Promise<number | null> {
  const target = await openTarget(targetUrl)
  try {
    const { rows } = await target.pool.query<{ exists: boolean }>(
      "SELECT to_regclass('run_change') IS NOT NULL AS exists",
    )
    return rows[0]?.exists ? await runChangeBytes(target.pool) : null
  } catch (error) {
    throw explainTargetError(error, targetUrl)
  } finally {
    await target.close()
  }
}

/** `undo log (dhm rollback): 1.4 MB; runs keep theirs for 30 days (DHM_UNDO_RETENTION_DAYS)` */
export function renderUndoLog(bytes: number, days: number): string {
  const size =
    bytes >= 1024 ** 3
      ? `${(bytes / 1024 ** 3).toFixed(1)} GB`
      : bytes >= 1024 ** 2
        ? `${(bytes / 1024 ** 2).toFixed(1)} MB`
        : `${Math.ceil(bytes / 1024)} kB`
  return `undo log (dhm rollback): ${size}; runs keep theirs for ${days} days (DHM_UNDO_RETENTION_DAYS)`
}

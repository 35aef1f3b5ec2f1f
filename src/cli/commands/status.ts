import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { redactValues } from '../../config/redact.js'
import { ConfigError } from '../../errors.js'
import { readRunSites, runIsAliveSql } from '../../load/run-log.js'
import { explainTargetError, openTarget } from '../../load/target-db.js'
import { formatUtc } from '../../report/run-report.js'
import { EPILOG } from '../help.js'

interface StatusArgs {
  target?: string
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
         FROM migration_run r WHERE ($1::text IS NULL OR site = $1)
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

/** A fixed-width table, one run per line; a `files` column when a `dhm files` run is listed. */
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

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'Show the last runs (migrate, sync, …): outcome, duration, counts, high-water mark',
  builder: (y: Argv) =>
    y
      .option('site', { type: 'string', describe: 'Only runs of this site' })
      .option('limit', { type: 'number', default: 10, describe: 'How many runs' })
      .option('json', { type: 'boolean', default: false, describe: 'One JSON array on stdout' })
      .example('dhm status', 'The last 10 runs against the target')
      .example('dhm status --site bne --limit 3 --json', 'For monitoring')
      .hide('source')
      .epilog(EPILOG) as unknown as Argv<StatusArgs>,
  handler: async (args: ArgumentsCamelCase<StatusArgs>) => {
    if (args.limit < 1 || !Number.isInteger(args.limit))
      throw new ConfigError('--limit must be a positive integer')
    const { targetUrl } = resolveConnections({ target: args.target })
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
    process.stdout.write(args.json ? `${JSON.stringify(rows)}\n` : `${renderRunHistory(rows)}\n`)
  },
}

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { ConfigError, EXIT, ExitError } from '../../errors.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import type { MigrateResult } from '../../pipeline/run-migration.js'
import { runMigration } from '../../pipeline/run-migration.js'
import { warnIfSiteShared } from '../../pipeline/shared-site.js'
import { renderSummaryLine } from '../../report/run-report.js'
import {
  assertAccounted,
  renderAccountedLine,
  renderContentLine,
  renderFastPathLine,
} from '../../report/run-stats.js'
import { DEFAULT_RANGE_SIZE } from '../../workers/nid-ranges.js'
import { DEFAULT_QUEUE_TIMINGS } from '../../workers/range-queue.js'
import { type DistributedMapping, runDistributedMigration } from '../../workers/run-distributed.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'
import {
  BATCH_SIZE_OPTION,
  FAST_PATH_OPTION,
  IDS_OPTION,
  jsonOption,
  MAPPING_OPTION,
  mappingFileOf,
  parseIds,
  QUIET_OPTION,
  renderNoIdsMatched,
  reportsDirOption,
  requireInteger,
} from '../options.js'
import { withProgress } from '../progress.js'
import { listenForStopSignals } from '../stop-signals.js'

interface MigrateArgs {
  /** Several with --workers: one distributed run per mapping. */
  mapping?: string | string[]
  source?: string
  target?: string
  'batch-size': number
  limit?: number
  ids?: string
  'dry-run': boolean
  'fast-path': boolean
  json: boolean
  quiet: boolean
  'reports-dir': string
  workers?: number
  'range-size': number
  'range-retries': number
  'range-timeout': number
}

export const migrateCommand: CommandModule<object, MigrateArgs> = {
  command: 'migrate',
  describe: COMMAND_LIST.migrate.describe,
  builder: (y: Argv) =>
    y
      .option('mapping', MAPPING_OPTION)
      .option('batch-size', BATCH_SIZE_OPTION)
      .option('limit', { type: 'number', describe: 'Stop after this many nodes (trial runs)' })
      .option('ids', IDS_OPTION)
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Write nothing; report what would be inserted/updated',
      })
      .option('fast-path', FAST_PATH_OPTION)
      .option('json', jsonOption())
      .option('quiet', QUIET_OPTION)
      .option('reports-dir', reportsDirOption())
      .option('workers', {
        type: 'number',
        describe:
          'Distribute the run: cut it into nid ranges queued in the target and start this many local "dhm worker" processes (0: only workers started elsewhere); --mapping may then be given several times',
      })
      .option('range-size', {
        type: 'number',
        default: DEFAULT_RANGE_SIZE,
        describe: 'With --workers: nodes per range',
      })
      .option('range-retries', {
        type: 'number',
        default: DEFAULT_QUEUE_TIMINGS.retryLimit,
        describe: 'With --workers: attempts after the first before a failing range fails the run',
      })
      .option('range-timeout', {
        type: 'number',
        default: DEFAULT_QUEUE_TIMINGS.expireInSeconds,
        describe: 'With --workers: seconds after which a range no worker finished is handed out again',
      })
      .example('dhm migrate', 'Migrate with mappings/bne.yaml between the default local databases')
      .example('dhm migrate --dry-run', 'Show what would be inserted and updated; write nothing')
      .example(
        'dhm migrate --mapping mappings/drupal7-standard.yaml --source mysql://reader:PASSWORD@db/drupal --target postgresql://app@pg/site',
        'Another site, other databases',
      )
      .example('dhm migrate --limit 100 --json', 'A trial run of 100 nodes with a machine-readable summary')
      .example(
        'dhm migrate --workers 4 --mapping mappings/a.yaml --mapping mappings/b.yaml',
        'Two sites queued at once, drained by 4 local workers (and any "dhm worker" started elsewhere)',
      )
      .epilog(EPILOG) as unknown as Argv<MigrateArgs>,
  handler: async (args: ArgumentsCamelCase<MigrateArgs>) => {
    if (args.workers !== undefined) return migrateWithWorkers(args)
    if (Array.isArray(args.mapping)) {
      throw new ConfigError(
        '--mapping was given several times: that needs --workers N (a distributed run per mapping)',
      )
    }
    requireInteger('batch-size', args['batch-size'])
    if (args.limit !== undefined) requireInteger('limit', args.limit)
    const ids = args.ids === undefined ? undefined : parseIds(args.ids)
    const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
    const mappingFile = mappingFileOf({ ...args, mapping: args.mapping })
    const mapping = await loadMapping(mappingFile)
    // Before anything is written. A target it cannot read is the run's own error to explain.
    await warnIfSiteShared(targetUrl, mapping, mappingFile, 'ignore')
    const title = args['dry-run'] ? 'Planning (dry run)' : `Migrating ${mapping.site}`
    const stop = listenForStopSignals('migrate', { quiet: args.quiet })
    const result = await withProgress(
      title,
      { quiet: args.quiet, plain: args.json, dryRun: args['dry-run'] },
      (onEvent) =>
        runMigration({
          mapping,
          mappingFile,
          sourceUrl,
          targetUrl,
          batchSize: args['batch-size'],
          ...(args.limit !== undefined ? { limit: args.limit } : {}),
          ...(ids !== undefined ? { ids } : {}),
          dryRun: args['dry-run'],
          fastPath: args['fast-path'],
          reportsDir: args['reports-dir'],
          onEvent,
          signal: stop.signal,
          onRunStarted: stop.onRunStarted,
        }),
    ).finally(() => stop.dispose())
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result.summary)}\n`)
    } else {
      for (const line of renderMigrateResult(result, { dryRun: args['dry-run'], quiet: args.quiet })) {
        process.stdout.write(`${line}\n`)
      }
    }
    if (ids !== undefined && result.counts.read === 0) {
      process.stderr.write(`${renderNoIdsMatched(ids, mapping.source.bundles)}\n`)
    }
    assertAccounted(result.counts)
    if (result.status === 'interrupted') {
      throw new ExitError(
        EXIT.error,
        'dhm: migrate interrupted; committed batches are kept; rerun to resume.',
      )
    }
    if (result.counts.rejected > 0) throw new ExitError(EXIT.rejected)
  },
}

/** What `dhm migrate` (and the demo) print after a run: summary, accounting, then details. */
export function renderMigrateResult(
  result: MigrateResult,
  opts: { dryRun?: boolean; quiet?: boolean } = {},
): string[] {
  const lines = [
    renderSummaryLine(result.summary, { dryRun: opts.dryRun ?? false }),
    renderAccountedLine(result.counts, { dryRun: opts.dryRun ?? false }),
  ]
  const migrations = result.pendingMigrations.length
  if (opts.dryRun && result.createsDatabase) {
    lines.push(`would create the target database and apply ${migrations} schema migration(s) first`)
  } else if (opts.dryRun && migrations > 0) {
    lines.push(`would apply ${migrations} schema migration(s) first`)
  }
  if (opts.quiet) return lines
  const { counts, reportDir } = result
  if (counts.warnings > 0 || counts.strayLanguageRows > 0) {
    lines.push(
      `${counts.warnings} warning(s) on loaded rows, ${counts.strayLanguageRows} stray-language field row(s) ignored`,
    )
  }
  const fastPathLine = renderFastPathLine(counts)
  if (fastPathLine) lines.push(fastPathLine)
  const contentLine = renderContentLine(counts)
  if (contentLine) lines.push(contentLine)
  if (reportDir) lines.push(`report: ${reportDir}/summary.json`)
  if (reportDir && opts.dryRun) lines.push(`plan: ${reportDir}/report.html`)
  if (counts.rejected > 0) lines.push(`rejected rows and reasons: ${reportDir}/rejects.ndjson`)
  return lines
}

/** `dhm migrate --workers N`: one distributed run per mapping (see runDistributedMigration). */
async function migrateWithWorkers(args: ArgumentsCamelCase<MigrateArgs>): Promise<void> {
  requireInteger('workers', args.workers ?? 0, 0)
  requireInteger('batch-size', args['batch-size'])
  requireInteger('range-size', args['range-size'])
  requireInteger('range-retries', args['range-retries'], 0)
  requireInteger('range-timeout', args['range-timeout'])
  for (const flag of ['limit', 'ids'] as const) {
    if (args[flag] !== undefined) throw new ConfigError(`--${flag} cannot be combined with --workers`)
  }
  if (args['dry-run']) throw new ConfigError('--dry-run cannot be combined with --workers')
  // Workers take their ranges from the queue, which carries no run options: each range keeps the
  // fast path (it still rewrites articles edited in the target).
  if (!args['fast-path']) {
    throw new ConfigError(
      '--no-fast-path cannot be combined with --workers: run dhm migrate --no-fast-path without --workers',
    )
  }
  const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
  const files = Array.isArray(args.mapping)
    ? args.mapping
    : [mappingFileOf({ ...args, mapping: args.mapping })]
  const mappings: DistributedMapping[] = []
  for (const file of files) {
    const mapping = await loadMapping(file)
    await warnIfSiteShared(targetUrl, mapping, file, 'ignore')
    mappings.push({ mapping, file })
  }
  const stop = listenForStopSignals('migrate', { quiet: args.quiet })
  const title = `Migrating ${mappings.map((m) => m.mapping.site).join(', ')} with ${args.workers} worker(s)`
  const result = await withProgress(title, { quiet: args.quiet, plain: args.json }, (onEvent) =>
    runDistributedMigration({
      mappings,
      sourceUrl,
      targetUrl,
      workers: args.workers ?? 0,
      batchSize: args['batch-size'],
      rangeSize: args['range-size'],
      timings: {
        retryLimit: args['range-retries'],
        expireInSeconds: args['range-timeout'],
        // Expiry is checked at pg-boss's maintenance: often enough for the timeout to mean something.
        maintenanceIntervalSeconds: Math.min(60, Math.max(1, Math.floor(args['range-timeout'] / 5))),
      },
      reportsDir: args['reports-dir'],
      onEvent,
      signal: stop.signal,
      onRunStarted: stop.onRunStarted,
    }),
  ).finally(() => stop.dispose())
  for (const site of result.sites) {
    if (args.json) {
      process.stdout.write(`${JSON.stringify(site.summary)}\n`)
      continue
    }
    const catchUp = site.catchUp
      ? `catch-up: ${site.catchUp.candidates} changed node(s) re-read, ${site.catchUp.counts.deleted} deleted`
      : 'catch-up: not run'
    const lines = [
      `${site.site} (run ${site.runId}): ${renderSummaryLine(site.summary)}`,
      renderAccountedLine(site.counts),
      `${site.ranges} range(s), ${site.retries} retried, by ${site.workers.length} worker(s); ${catchUp}`,
      ...(args.quiet ? [] : [`report: ${site.reportDir}/summary.json`]),
    ]
    for (const line of lines) process.stdout.write(`${line}\n`)
  }
  for (const site of result.sites) assertAccounted(site.counts)
  if (result.status === 'interrupted') {
    throw new ExitError(EXIT.error, 'dhm: migrate interrupted; committed ranges are kept; rerun to resume.')
  }
  if (result.sites.some((s) => s.counts.rejected > 0)) throw new ExitError(EXIT.rejected)
}

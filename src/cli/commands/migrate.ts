import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { EXIT, ExitError } from '../../errors.js'
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
  mapping?: string
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
}

export const migrateCommand: CommandModule<object, MigrateArgs> = {
  command: 'migrate',
  describe: 'Migrate every node the mapping selects into the target (safe to re-run)',
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
      .example('dhm migrate', 'Migrate with mappings/bne.yaml between the default local databases')
      .example('dhm migrate --dry-run', 'Show what would be inserted and updated; write nothing')
      .example(
        'dhm migrate --mapping mappings/drupal7-standard.yaml --source mysql://reader:PASSWORD@db/drupal --target postgresql://app@pg/site',
        'Another site, other databases',
      )
      .example('dhm migrate --limit 100 --json', 'A trial run of 100 nodes with a machine-readable summary')
      .epilog(EPILOG) as unknown as Argv<MigrateArgs>,
  handler: async (args: ArgumentsCamelCase<MigrateArgs>) => {
    requireInteger('batch-size', args['batch-size'])
    if (args.limit !== undefined) requireInteger('limit', args.limit)
    const ids = args.ids === undefined ? undefined : parseIds(args.ids)
    const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
    const mappingFile = mappingFileOf(args)
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

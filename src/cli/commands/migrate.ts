import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { ConfigError, EXIT, ExitError } from '../../errors.js'
import { DEFAULT_MAPPING_FILE, loadMapping } from '../../mapping/load-mapping.js'
import { runMigration } from '../../pipeline/run-migration.js'
import { renderSummaryLine } from '../../report/run-report.js'
import { assertAccounted, renderAccountedLine, renderContentLine } from '../../report/run-stats.js'
import { EPILOG } from '../help.js'
import { logLine, withProgress } from '../progress.js'

interface MigrateArgs {
  mapping: string
  source?: string
  target?: string
  'batch-size': number
  limit?: number
  ids?: string
  'dry-run': boolean
  json: boolean
  quiet: boolean
  'reports-dir': string
}

export const migrateCommand: CommandModule<object, MigrateArgs> = {
  command: 'migrate',
  describe: 'Migrate every node the mapping selects into the target (safe to re-run)',
  builder: (y: Argv) =>
    y
      .option('mapping', {
        type: 'string',
        default: DEFAULT_MAPPING_FILE,
        describe: 'Mapping file (mappings/<site>.yaml)',
      })
      .option('batch-size', {
        type: 'number',
        default: 2000,
        describe: 'Nodes per batch (one target transaction each)',
      })
      .option('limit', { type: 'number', describe: 'Stop after this many nodes (trial runs)' })
      .option('ids', { type: 'string', describe: 'Only these node ids, comma-separated' })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Write nothing; report what would be inserted/updated',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print the summary as one JSON object on stdout',
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'No progress output (cron)' })
      .option('reports-dir', {
        type: 'string',
        default: 'reports',
        describe: 'Where run reports are written',
      })
      .example('dhm migrate', 'Migrate with mappings/bne.yaml between the default local databases')
      .example('dhm migrate --dry-run', 'Show what would be inserted and updated; write nothing')
      .example(
        'dhm migrate --mapping mappings/drupal7-standard.yaml --source mysql://reader:***@db/drupal --target postgresql://app@pg/site',
        'Another site, other databases',
      )
      .example('dhm migrate --limit 100 --json', 'A trial run of 100 nodes with a machine-readable summary')
      .epilog(EPILOG) as unknown as Argv<MigrateArgs>,
  handler: async (args: ArgumentsCamelCase<MigrateArgs>) => {
    if (args['batch-size'] < 1 || !Number.isInteger(args['batch-size'])) {
      throw new ConfigError('--batch-size must be a positive integer')
    }
    if (args.limit !== undefined && (args.limit < 1 || !Number.isInteger(args.limit))) {
      throw new ConfigError('--limit must be a positive integer')
    }
    const ids = args.ids === undefined ? undefined : parseIds(args.ids)
    const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
    const mapping = await loadMapping(args.mapping)
    const title = args['dry-run'] ? 'Planning (dry run)' : `Migrating ${mapping.site}`
    // First signal: finish (commit) the current batch, record the run as interrupted, exit 1.
    // Second signal: stop at once; the open transaction rolls back when the connection closes.
    const abort = new AbortController()
    const onSignal = (signal: NodeJS.Signals) => {
      if (abort.signal.aborted) process.exit(EXIT.error)
      if (!args.quiet) logLine(`${signal}: stopping after the current batch (send it again to stop now)`)
      abort.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const result = await withProgress(title, { quiet: args.quiet, plain: args.json }, (onEvent) =>
      runMigration({
        mapping,
        mappingFile: args.mapping,
        sourceUrl,
        targetUrl,
        batchSize: args['batch-size'],
        ...(args.limit !== undefined ? { limit: args.limit } : {}),
        ...(ids !== undefined ? { ids } : {}),
        dryRun: args['dry-run'],
        reportsDir: args['reports-dir'],
        onEvent,
        signal: abort.signal,
      }),
    ).finally(() => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    })
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result.summary)}\n`)
    } else {
      process.stdout.write(`${renderSummaryLine(result.summary, { dryRun: args['dry-run'] })}\n`)
      process.stdout.write(`${renderAccountedLine(result.counts)}\n`)
      if (!args.quiet) {
        if (result.counts.warnings > 0 || result.counts.strayLanguageRows > 0) {
          process.stdout.write(
            `${result.counts.warnings} warning(s) on loaded rows, ${result.counts.strayLanguageRows} stray-language field row(s) ignored\n`,
          )
        }
        const contentLine = renderContentLine(result.counts)
        if (contentLine) process.stdout.write(`${contentLine}\n`)
        if (result.reportDir) process.stdout.write(`report: ${result.reportDir}/summary.json\n`)
        if (result.reportDir && args['dry-run'])
          process.stdout.write(`plan: ${result.reportDir}/report.html\n`)
        if (result.counts.rejected > 0) {
          process.stdout.write(`rejected rows and reasons: ${result.reportDir}/rejects.ndjson\n`)
        }
      }
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

/** "1,2, 3" → [1, 2, 3]; anything else is a usage error. */
export function parseIds(text: string): number[] {
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const bad = ids.filter((s) => !/^\d+$/.test(s) || Number(s) < 1)
  if (ids.length === 0 || bad.length > 0) {
    throw new ConfigError(
      `--ids must be node ids separated by commas (e.g. --ids 12,15); not: ${bad.join(', ') || '(empty)'}`,
    )
  }
  return ids.map(Number)
}

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { ConfigError, EXIT, ExitError } from '../../errors.js'
import { filesNoteAfterSync } from '../../files/manifest.js'
import { DEFAULT_DELETE_POLICY, DELETE_POLICIES, type DeletePolicy } from '../../load/apply-deletions.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import {
  DEFAULT_OVERLAP_SECONDS,
  renderChangeKinds,
  renderSyncLine,
  runSync,
} from '../../pipeline/run-sync.js'
import { warnIfSiteShared } from '../../pipeline/shared-site.js'
import { DEFAULT_RESCAN_SECONDS } from '../../pipeline/sync-scans.js'
import {
  assertAccounted,
  renderAccountedLine,
  renderContentLine,
  renderFastPathLine,
} from '../../report/run-stats.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'
import {
  BATCH_SIZE_OPTION,
  FAST_PATH_OPTION,
  jsonOption,
  MAPPING_OPTION,
  mappingFileOf,
  QUIET_OPTION,
  reportsDirOption,
  requireInteger,
} from '../options.js'
import { withProgress } from '../progress.js'
import { listenForStopSignals } from '../stop-signals.js'

interface SyncArgs {
  mapping?: string
  source?: string
  target?: string
  'batch-size': number
  full: boolean
  'fast-path': boolean
  'on-delete': DeletePolicy
  overlap: number
  'rescan-after': number
  json: boolean
  quiet: boolean
  'reports-dir': string
}

export const syncCommand: CommandModule<object, SyncArgs> = {
  command: 'sync',
  describe: COMMAND_LIST.sync.describe,
  builder: (y: Argv) =>
    y
      .option('mapping', MAPPING_OPTION)
      .option('batch-size', BATCH_SIZE_OPTION)
      .option('full', {
        type: 'boolean',
        default: false,
        describe: 'Read every node, not only changed ones (catches edits that bypass node.changed)',
      })
      .option('fast-path', FAST_PATH_OPTION)
      .option('on-delete', {
        choices: DELETE_POLICIES,
        default: DEFAULT_DELETE_POLICY,
        describe: 'What happens to articles whose node is gone or no longer passes the filters',
      })
      .option('overlap', {
        type: 'number',
        default: DEFAULT_OVERLAP_SECONDS,
        describe: 'Seconds re-read before the last high-water mark (edits committed late)',
      })
      .option('rescan-after', {
        type: 'number',
        default: DEFAULT_RESCAN_SECONDS,
        describe:
          'Seconds after which the scans of tables the server says did not change run anyway (0: always scan)',
      })
      .option('json', jsonOption())
      .option('quiet', QUIET_OPTION)
      .option(
        'reports-dir',
        reportsDirOption(
          'Where the run report and rejected rows are written (only when the run wrote or rejected rows)',
        ),
      )
      .example(
        'dhm sync',
        'Sync what changed since the last sync or migrate (the first on an empty target reads everything)',
      )
      .example('dhm sync --quiet --json', 'For cron: one JSON line, exit 5 if another sync is running')
      .example(
        'dhm sync --full --on-delete soft-delete',
        'Nightly: reconcile everything, soft-delete gone nodes',
      )
      .epilog(EPILOG) as unknown as Argv<SyncArgs>,
  handler: async (args: ArgumentsCamelCase<SyncArgs>) => {
    requireInteger('batch-size', args['batch-size'])
    if (args.overlap < 0 || !Number.isInteger(args.overlap)) {
      throw new ConfigError('--overlap must be a whole number of seconds (0 or more)')
    }
    if (args['rescan-after'] < 0 || !Number.isInteger(args['rescan-after'])) {
      throw new ConfigError('--rescan-after must be a whole number of seconds (0 or more)')
    }
    const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
    const mappingFile = mappingFileOf(args)
    const mapping = await loadMapping(mappingFile)
    // Every run says it (cron mails stderr): two mapping files of one site is a mistake until a person
    // says otherwise by giving one of them its own site.
    await warnIfSiteShared(targetUrl, mapping, mappingFile, 'ignore')

    const stop = listenForStopSignals('sync', { quiet: args.quiet })
    const result = await withProgress(
      `Syncing ${mapping.site}`,
      { quiet: args.quiet, plain: args.json },
      (onEvent) =>
        runSync({
          mapping,
          mappingFile,
          sourceUrl,
          targetUrl,
          batchSize: args['batch-size'],
          full: args.full,
          fastPath: args['fast-path'],
          onDelete: args['on-delete'],
          overlapSeconds: args.overlap,
          rescanAfterSeconds: args['rescan-after'],
          reportsDir: args['reports-dir'],
          onEvent,
          signal: stop.signal,
          onRunStarted: stop.onRunStarted,
        }),
    ).finally(() => stop.dispose())

    if (args.json) {
      process.stdout.write(`${JSON.stringify(result.summary)}\n`)
    } else {
      process.stdout.write(`${renderSyncLine(result.summary)}\n`)
      process.stdout.write(`${renderAccountedLine(result.counts)}\n`)
      if (!args.quiet) {
        const fastPathLine = renderFastPathLine(result.counts)
        if (fastPathLine) process.stdout.write(`${fastPathLine}\n`)
        const contentLine = renderContentLine(result.counts)
        if (contentLine) process.stdout.write(`${contentLine}\n`)
        const kept =
          result.status === 'interrupted' &&
          result.previousMark !== null &&
          result.highWaterMark === result.previousMark
        const mark =
          (result.highWaterMark === null ? 'none' : new Date(result.highWaterMark * 1000).toISOString()) +
          (kept ? " (still the previous run's: this one stopped before committing its own)" : '')
        process.stdout.write(
          `${result.mode}${result.fullReason ? ` (${result.fullReason})` : ''}: ${result.candidates} candidate node(s) ` +
            `(changes: ${renderChangeKinds(result.counts.changes)}), ` +
            (result.summary.scans.skipped.length > 0
              ? `scans skipped (tables unchanged): ${result.summary.scans.skipped.join(', ')}, `
              : '') +
            `high-water mark ${mark}, run ${result.runId}\n`,
        )
        if (result.reportDir) process.stdout.write(`report: ${result.reportDir}/summary.md\n`)
        if (result.reportDir && result.counts.rejected > 0)
          process.stdout.write(`rejected rows and reasons: ${result.reportDir}/rejects.ndjson\n`)
      }
    }
    const filesNote = await filesNoteAfterSync(targetUrl, mapping.site, mappingFile, result.runId)
    if (filesNote) process.stderr.write(`${filesNote}\n`)
    assertAccounted(result.counts)
    if (result.status === 'interrupted') {
      // A full pass is finished by the next sync, plain or not (see runSync).
      const next =
        result.mode === 'incremental'
          ? 'the next sync resumes'
          : result.fullPassAfterNid === null
            ? 'the next sync starts the full pass again'
            : `the next sync resumes the full pass after nid ${result.fullPassAfterNid}`
      throw new ExitError(EXIT.error, `dhm: sync interrupted; committed batches are kept, ${next}.`)
    }
    if (result.counts.rejected > 0) throw new ExitError(EXIT.rejected)
  },
}

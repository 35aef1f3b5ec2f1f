import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { redactUrl } from '../../config/redact.js'
import { EXIT, ExitError } from '../../errors.js'
import { runWorker, workerName } from '../../workers/run-worker.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'
import { QUIET_OPTION, reportsDirOption } from '../options.js'
import { logLine } from '../progress.js'

interface WorkerArgs {
  source?: string
  target?: string
  once: boolean
  quiet: boolean
  'reports-dir': string
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: COMMAND_LIST.worker.describe,
  builder: (y: Argv) =>
    y
      .option('once', {
        type: 'boolean',
        default: false,
        describe:
          'Exit when no range of any run is left (queued, to retry or running); default: wait for more',
      })
      .option('quiet', QUIET_OPTION)
      .option('reports-dir', reportsDirOption('Where each range writes its report (rejected rows)'))
      .example(
        'dhm worker --source mysql://reader:PASSWORD@db/drupal --target postgresql://app@pg/site',
        'On another machine: help drain the runs "dhm migrate --workers N" queued in that target',
      )
      .epilog(EPILOG) as unknown as Argv<WorkerArgs>,
  handler: async (args: ArgumentsCamelCase<WorkerArgs>) => {
    const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
    const log = args.quiet ? () => undefined : logLine
    const stop = new AbortController()
    const onSignal = (signal: NodeJS.Signals) => {
      log(`${signal}: giving the range back after the current batch`)
      stop.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    log(`worker ${workerName()}: ranges of ${redactUrl(sourceUrl)} → ${redactUrl(targetUrl)}`)
    try {
      const result = await runWorker({
        sourceUrl,
        targetUrl,
        once: args.once,
        reportsDir: args['reports-dir'],
        signal: stop.signal,
        log,
      })
      log(
        `worker ${workerName()}: ${result.done} range(s) done, ${result.failed} given back, ` +
          `${result.abandoned} of stopped runs dropped`,
      )
      if (stop.signal.aborted)
        throw new ExitError(EXIT.error, 'dhm: worker stopped; its range goes to another worker.')
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  },
}

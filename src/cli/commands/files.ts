import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { ExitError } from '../../errors.js'
import { DEFAULT_FILE_CONCURRENCY, type FilesProgress, runFiles } from '../../files/run-files.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import { formatBytes, renderFilesLine } from '../../report/files-report.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'
import {
  jsonOption,
  MAPPING_OPTION,
  mappingFileOf,
  QUIET_OPTION,
  reportsDirOption,
  requireInteger,
} from '../options.js'
import { logLine } from '../progress.js'
import { listenForImmediateStop } from '../stop-signals.js'

interface FilesArgs {
  mapping?: string
  source?: string
  target?: string
  from: string
  'private-from'?: string
  to: string
  's3-endpoint'?: string
  'dry-run': boolean
  concurrency: number
  json: boolean
  quiet: boolean
  'reports-dir': string
}

export const filesCommand: CommandModule<object, FilesArgs> = {
  command: 'files',
  describe: COMMAND_LIST.files.describe,
  builder: (y: Argv) =>
    y
      .option('mapping', MAPPING_OPTION)
      .option('from', {
        type: 'string',
        demandOption: true,
        describe: "The old site's public files: a folder (sites/default/files) or its http(s) base URL",
      })
      .option('private-from', {
        type: 'string',
        describe: 'Its private files (only copied when the mapping sets files.privatePrefix)',
      })
      .option('to', {
        type: 'string',
        demandOption: true,
        describe: 'Where to store them: a folder or s3://bucket/prefix',
      })
      .option('s3-endpoint', {
        type: 'string',
        describe: 'S3-compatible endpoint (MinIO, R2…); default: $AWS_ENDPOINT_URL_S3, else AWS',
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Write nothing; list what would be copied and what is missing',
      })
      .option('concurrency', {
        type: 'number',
        default: DEFAULT_FILE_CONCURRENCY,
        describe: 'Files copied at the same time',
      })
      .option('json', jsonOption('Print the summary as one JSON object on stdout'))
      .option('quiet', QUIET_OPTION)
      .option('reports-dir', reportsDirOption())
      .example(
        'dhm files --from /var/www/drupal/sites/default/files --to /srv/media',
        "Copy from the old server's files folder into a local folder",
      )
      .example(
        'dhm files --from https://www.old-site.org/sites/default/files --to s3://media/files --dry-run',
        'What would be copied from the live site to S3, and what is missing',
      )
      .epilog(EPILOG) as unknown as Argv<FilesArgs>,
  handler: async (args: ArgumentsCamelCase<FilesArgs>) => {
    requireInteger('concurrency', args.concurrency)
    const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
    const mappingFile = mappingFileOf(args)
    const mapping = await loadMapping(mappingFile)
    const endpoint = args['s3-endpoint'] ?? process.env.AWS_ENDPOINT_URL_S3
    const progress = args.quiet ? null : progressPrinter(Boolean(process.stderr.isTTY) && !args.json)
    // Stopping mid-copy is as safe as kill -9: a signal exits at once with the documented code 1.
    const stop = listenForImmediateStop({
      before: () => progress?.end(),
      line: (signal) =>
        `dhm: files interrupted (${signal}); files already copied are kept and skipped next time; rerun to resume.`,
    })
    const result = await runFiles({
      mapping,
      mappingFile,
      sourceUrl,
      targetUrl,
      from: args.from,
      ...(args['private-from'] !== undefined ? { privateFrom: args['private-from'] } : {}),
      to: args.to,
      ...(endpoint ? { s3: { endpoint } } : {}),
      dryRun: args['dry-run'],
      concurrency: args.concurrency,
      reportsDir: args['reports-dir'],
      ...(progress ? { onProgress: progress.update, onPhase: progress.phase } : {}),
      onRunStarted: stop.onRunStarted,
    })
    stop.dispose()
    progress?.end()
    if (args.json) process.stdout.write(`${JSON.stringify(result.summary)}\n`)
    else {
      process.stdout.write(`${renderFilesLine(result.summary, args['dry-run'])}\n`)
      const listed = result.outcomes.filter((o) => o.status === 'listed').length
      if (!args.quiet && listed > 0)
        process.stdout.write(`${listed} file(s) listed, not copied (temporary://, remote or private://)\n`)
      if (!args.quiet)
        process.stdout.write(`report: ${result.reportDir}/report.html (also report.md, report.json)\n`)
    }
    if (result.exitCode !== 0) throw new ExitError(result.exitCode)
  },
}

/** Files, bytes/s and ETA: one rewritten line on a terminal, a timestamped line every 2 s otherwise. */
function progressPrinter(tty: boolean) {
  let last = 0
  let shown = false
  const describe = (p: FilesProgress) => {
    const seconds = p.elapsedMs / 1000
    const rate = seconds > 0 ? p.done / seconds : 0
    const eta = rate > 0 && p.done < p.total ? ` · ETA ${Math.round((p.total - p.done) / rate)}s` : ''
    return `files ${p.done}/${p.total} · ${formatBytes(seconds > 0 ? p.bytes / seconds : 0)}/s${eta}`
  }
  return {
    phase: (message: string) => (tty ? process.stderr.write(`${message}\n`) : logLine(message)),
    update: (p: FilesProgress) => {
      if (tty) {
        process.stderr.write(`\r${describe(p)}\x1b[K`)
        shown = true
      } else if (Date.now() - last > 2000 || p.done === p.total) {
        last = Date.now()
        logLine(describe(p))
      }
    },
    end: () => {
      if (shown) process.stderr.write('\n')
    },
  }
}

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { ConfigError, EXIT, ExitError } from '../../errors.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import { runVerify } from '../../pipeline/run-verify.js'
import { classLabel, RETIRED_MEANING, renderHeadline } from '../../report/verify-report.js'
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

interface VerifyArgs {
  mapping?: string
  source?: string
  target?: string
  'batch-size': number
  ids?: string
  sample?: number
  deep: boolean
  'fast-path': boolean
  strict: boolean
  json: boolean
  quiet: boolean
  'reports-dir': string
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify',
  describe: COMMAND_LIST.verify.describe,
  builder: (y: Argv) =>
    y
      .option('mapping', MAPPING_OPTION)
      .option('batch-size', {
        ...BATCH_SIZE_OPTION,
        describe: 'Nodes per batch (read and compared together; verify writes nothing)',
      })
      .option('ids', IDS_OPTION)
      .option('sample', {
        type: 'number',
        describe: 'Only a deterministic sample of N nodes (the same N every run)',
      })
      .option('deep', {
        type: 'boolean',
        default: false,
        describe: 'Compare every article in full (the same as --no-fast-path)',
      })
      .option('fast-path', {
        ...FAST_PATH_OPTION,
        describe:
          'Count as matched, without a transform, articles whose source rows and target rows are as dhm last wrote them (fingerprints computed now by both databases); --no-fast-path compares every one in full',
      })
      .option('strict', {
        type: 'boolean',
        default: false,
        describe: "Exit 4 for owned fields edited in the target too (the mapping's owned; listed either way)",
      })
      .option('json', jsonOption('Print the counts as one JSON object on stdout'))
      .option('quiet', QUIET_OPTION)
      .option('reports-dir', reportsDirOption('Where reports are written'))
      .example('dhm verify', 'Verify the whole target; exit 4 if anything differs')
      .example('dhm verify --sample 1000', 'A quick check of 1,000 articles spread over the archive')
      .example('dhm verify --ids 12,15 --json', 'Two articles, counts as JSON')
      .example('dhm report --last', 'Where the newest report is, and its headline')
      .epilog(EPILOG) as unknown as Argv<VerifyArgs>,
  handler: async (args: ArgumentsCamelCase<VerifyArgs>) => {
    requireInteger('batch-size', args['batch-size'])
    if (args.sample !== undefined && args.ids !== undefined) {
      // One would silently win over the other.
      throw new ConfigError('--ids and --sample exclude each other: give one of them')
    }
    if (args.sample !== undefined && (args.sample < 1 || !Number.isInteger(args.sample))) {
      throw new ConfigError('--sample must be a positive integer')
    }
    const ids = args.ids === undefined ? undefined : parseIds(args.ids)
    const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
    const mappingFile = mappingFileOf(args)
    const mapping = await loadMapping(mappingFile)
    const result = await withProgress(
      `Verifying ${mapping.site}`,
      { quiet: args.quiet, plain: args.json },
      (onEvent) =>
        runVerify({
          mapping,
          mappingFile,
          sourceUrl,
          targetUrl,
          batchSize: args['batch-size'],
          ...(ids !== undefined ? { ids } : {}),
          ...(args.sample !== undefined ? { sample: args.sample } : {}),
          deep: args.deep,
          fastPath: args['fast-path'],
          strict: args.strict,
          reportsDir: args['reports-dir'],
          onEvent,
        }),
    )
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result.report.counts)}\n`)
    } else {
      process.stdout.write(`${renderHeadline(result.report)}\n`)
      const settled = result.report.fastPath?.settled ?? 0
      if (!args.quiet && settled > 0)
        process.stdout.write(
          `fast path: ${settled} of ${result.report.counts.read} matched by their fingerprints without a transform\n`,
        )
      if (!args.quiet && result.report.counts.retired > 0)
        process.stdout.write(`${classLabel('verify', 'retired')}: ${RETIRED_MEANING}\n`)
      if (!args.quiet) process.stdout.write(`report: ${result.files.html} (also report.md, report.json)\n`)
    }
    if (ids !== undefined && result.report.counts.read === 0 && result.report.counts.extra === 0) {
      process.stderr.write(`${renderNoIdsMatched(ids, mapping.source.bundles)}\n`)
    }
    if (result.exitCode !== EXIT.ok) throw new ExitError(result.exitCode)
  },
}

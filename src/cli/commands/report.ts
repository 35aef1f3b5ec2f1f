import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { ConfigError } from '../../errors.js'
import { findLastReport } from '../../report/find-last-report.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'

interface ReportArgs {
  last: boolean
  'reports-dir': string
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report',
  describe: COMMAND_LIST.report.describe,
  builder: (y: Argv) =>
    y
      .option('last', { type: 'boolean', default: false, describe: 'The newest report (required for now)' })
      .option('reports-dir', { type: 'string', default: 'reports', describe: 'Where reports are written' })
      .example('dhm report --last', 'e.g. reports/20261127T090000Z-verify/report.html and its counts')
      .hide('source')
      .hide('target')
      .epilog(EPILOG) as unknown as Argv<ReportArgs>,
  handler: async (args: ArgumentsCamelCase<ReportArgs>) => {
    if (!args.last) throw new ConfigError('say which report: "dhm report --last" (the only one for now)')
    const last = await findLastReport(args['reports-dir'])
    process.stdout.write(`${last.file}\n${last.command}: ${last.headline}\n`)
  },
}

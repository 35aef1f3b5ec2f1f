import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { EXIT, ExitError } from '../../errors.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import { runCheck } from '../../pipeline/run-check.js'
import { warnIfSiteShared } from '../../pipeline/shared-site.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'
import { jsonOption, MAPPING_OPTION, mappingFileOf } from '../options.js'

interface CheckArgs {
  mapping?: string
  source?: string
  target?: string
  json: boolean
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: COMMAND_LIST.check.describe,
  builder: (y: Argv) =>
    y
      .option('mapping', MAPPING_OPTION)
      .option('json', jsonOption('Print { file, source, problems, fieldTables } as JSON on stdout'))
      .example('dhm check --mapping mappings/drupal7-standard.yaml', 'Is this mapping right for this site?')
      .example(
        'dhm check --mapping mappings/bne.yaml --source mysql://reader:PASSWORD@db/drupal',
        'Against another source database',
      )
      .example(
        'dhm check --target postgresql://app@pg/site',
        "Also: a target migrate would refuse (it holds other tables), another mapping file that wrote this mapping's site there",
      )
      .epilog(EPILOG) as unknown as Argv<CheckArgs>,
  handler: async (args: ArgumentsCamelCase<CheckArgs>) => {
    const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
    // A mapping that does not validate throws MappingError: every problem at once, file:line:col, exit 2.
    const mappingFile = mappingFileOf(args)
    const mapping = await loadMapping(mappingFile)
    const result = await runCheck({ mapping, mappingFile, sourceUrl, targetUrl })
    await warnIfSiteShared(targetUrl, mapping, mappingFile, 'note')
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`)
    if (result.problems.length > 0) {
      if (!args.json) {
        process.stderr.write(
          `${mappingFile}: ${result.problems.length} problem(s) against ${result.source}\n- ${result.problems.join('\n- ')}\n`,
        )
      }
      throw new ExitError(EXIT.usage)
    }
    if (!args.json) {
      process.stdout.write(
        `${mappingFile}: ok against ${result.source} (bundles ${mapping.source.bundles.join(', ')}; ${result.fieldTables.length} field table(s))\n`,
      )
    }
  },
}

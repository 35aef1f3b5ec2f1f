import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { EXIT, ExitError } from '../../errors.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import { runCheck } from '../../pipeline/run-check.js'
import { EPILOG } from '../help.js'
import { jsonOption, MAPPING_OPTION } from '../options.js'

interface CheckArgs {
  mapping: string
  source?: string
  json: boolean
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: 'Validate a mapping file, then check every table and column it names against the source',
  builder: (y: Argv) =>
    y
      .option('mapping', MAPPING_OPTION)
      .option('json', jsonOption('Print { file, source, problems, fieldTables } as JSON on stdout'))
      .example('dhm check --mapping mappings/drupal7-standard.yaml', 'Is this mapping right for this site?')
      .example(
        'dhm check --mapping mappings/bne.yaml --source mysql://reader:***@db/drupal',
        'Against another source database',
      )
      .epilog(EPILOG) as unknown as Argv<CheckArgs>,
  handler: async (args: ArgumentsCamelCase<CheckArgs>) => {
    const { sourceUrl } = resolveConnections({ source: args.source })
    // A mapping that does not validate throws MappingError: every problem at once, file:line:col, exit 2.
    const mapping = await loadMapping(args.mapping)
    const result = await runCheck({ mapping, mappingFile: args.mapping, sourceUrl })
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`)
    if (result.problems.length > 0) {
      if (!args.json) {
        process.stderr.write(
          `${args.mapping}: ${result.problems.length} problem(s) against ${result.source}\n- ${result.problems.join('\n- ')}\n`,
        )
      }
      throw new ExitError(EXIT.usage)
    }
    if (!args.json) {
      process.stdout.write(
        `${args.mapping}: ok against ${result.source} (bundles ${mapping.source.bundles.join(', ')}; ${result.fieldTables.length} field table(s))\n`,
      )
    }
  },
}

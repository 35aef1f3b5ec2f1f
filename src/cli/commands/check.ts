import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { EXIT, ExitError } from '../../errors.js'
import type { CompiledMapping } from '../../mapping/compile.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import { runCheck } from '../../pipeline/run-check.js'
import { findSharedSite, renderSharedSiteWarning } from '../../pipeline/shared-site.js'
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
  describe: 'Validate a mapping file, then check every table and column it names against the source',
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
        "Also warns when another mapping file has written this mapping's site in that target",
      )
      .epilog(EPILOG) as unknown as Argv<CheckArgs>,
  handler: async (args: ArgumentsCamelCase<CheckArgs>) => {
    const { sourceUrl, targetUrl } = resolveConnections({ source: args.source, target: args.target })
    // A mapping that does not validate throws MappingError: every problem at once, file:line:col, exit 2.
    const mappingFile = mappingFileOf(args)
    const mapping = await loadMapping(mappingFile)
    const result = await runCheck({ mapping, mappingFile, sourceUrl })
    await warnIfSiteShared(targetUrl, mapping, mappingFile)
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

/**
 * The target's run log says whether another mapping file writes this mapping's site (a warning on
 * stderr; the exit code stays the source check's). No target database yet: nothing to say. One it
 * cannot read gets a note, not a failure: check is about the mapping and the source.
 */
async function warnIfSiteShared(
  targetUrl: string,
  mapping: CompiledMapping,
  mappingFile: string,
): Promise<void> {
  try {
    const shared = await findSharedSite(targetUrl, mapping, mappingFile)
    if (shared) process.stderr.write(renderSharedSiteWarning(shared))
  } catch (error) {
    process.stderr.write(
      `dhm: note: not checked whether another mapping writes site ${mapping.site}: ${(error as Error).message}\n`,
    )
  }
}

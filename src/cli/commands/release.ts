import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import { OWNABLE_FIELD_NAMES, type OwnableField } from '../../model/owned-fields.js'
import { type ReleaseResult, runRelease } from '../../pipeline/run-release.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'
import { jsonOption, MAPPING_OPTION, mappingFileOf, parseIds } from '../options.js'

interface ReleaseArgs {
  mapping?: string
  target?: string
  field: OwnableField[]
  ids: string
  json: boolean
}

export const releaseCommand: CommandModule<object, ReleaseArgs> = {
  command: 'release',
  describe: COMMAND_LIST.release.describe,
  builder: (y: Argv) =>
    y
      .option('mapping', MAPPING_OPTION)
      .option('field', {
        type: 'string',
        array: true,
        choices: OWNABLE_FIELD_NAMES,
        demandOption: true,
        describe: 'The owned field to hand back (repeat for several)',
      })
      .option('ids', { type: 'string', demandOption: true, describe: 'Of these node ids, comma-separated' })
      .option(
        'json',
        jsonOption('Print the run and, per field, the nids released as one JSON object on stdout'),
      )
      .example(
        'dhm release --field title --ids 12',
        "Article 12's title takes dhm's value; the next sync writes the source's",
      )
      .hide('source')
      .epilog(EPILOG) as unknown as Argv<ReleaseArgs>,
  handler: async (args: ArgumentsCamelCase<ReleaseArgs>) => {
    const ids = parseIds(args.ids)
    const { targetUrl } = resolveConnections({ target: args.target })
    const mapping = await loadMapping(mappingFileOf(args))
    const { runId, released } = await runRelease({
      targetUrl,
      site: mapping.site,
      fields: [...new Set(args.field)],
      ids,
      from: mapping.owned.from,
    })
    process.stdout.write(
      args.json
        ? `${JSON.stringify({ run: runId, released })}\n`
        : `${renderRelease(released)}\n${renderReleaseRun(runId)}\n`,
    )
  },
}

/** The run a release was recorded as, and how to undo it. */
export function renderReleaseRun(runId: number): string {
  return `recorded as run ${runId}: dhm rollback --run ${runId} gives the editors' values back`
}

/** `title: released 1 of the given articles (12); the next sync writes the source's value` per field. */
export function renderRelease(result: ReleaseResult): string {
  return Object.entries(result)
    .map(([field, nids]) =>
      nids.length === 0
        ? `${field}: none of the given articles had it edited in the target; nothing to release`
        : `${field}: released ${nids.length} article(s) (${nids.join(', ')}); it holds dhm's value again and the next sync writes the source's`,
    )
    .join('\n')
}

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { readRunSites } from '../../load/run-log.js'
import { loadMapping } from '../../mapping/load-mapping.js'
import { exportArticles, exportMenus } from '../../pipeline/run-export.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'
import { MAPPING_OPTION, mappingFileOf, parseIds } from '../options.js'
import { openStdoutLines } from '../stdout-lines.js'

interface ExportArgs {
  mapping?: string
  target?: string
  ids?: string
  menus?: boolean
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: COMMAND_LIST.export.describe,
  builder: (y: Argv) =>
    y
      .option('mapping', {
        ...MAPPING_OPTION,
        describe: `${MAPPING_OPTION.describe}; its site selects the articles`,
      })
      .option('ids', { type: 'string', describe: 'Only these legacy node ids, comma-separated' })
      .option('menus', {
        type: 'boolean',
        describe: 'Print the menus (mapping key menus) as trees instead, one JSON line per menu',
      })
      .example('dhm export --mapping mappings/drupal7-standard.yaml > articles.ndjson', 'Every article')
      .example('dhm export --ids 1,2 | jq .title', 'Two articles')
      .example('dhm export --menus | jq .menu', 'The navigation menus, node links as article slugs')
      .hide('source')
      .epilog(EPILOG) as unknown as Argv<ExportArgs>,
  handler: async (args: ArgumentsCamelCase<ExportArgs>) => {
    const ids = args.ids === undefined ? undefined : parseIds(args.ids)
    const { targetUrl } = resolveConnections({ target: args.target })
    const mapping = await loadMapping(mappingFileOf(args))
    if (args.menus) {
      const trees = await exportMenus({ targetUrl, site: mapping.site })
      const lines = openStdoutLines()
      try {
        for (const tree of trees) if (!(await lines.write(`${JSON.stringify(tree)}\n`))) return
      } finally {
        lines.close()
      }
      if (trees.length === 0)
        process.stderr.write(
          `note: the target has no menu link of site ${mapping.site}; name the menus in the mapping (menus: [main-menu]) and run "dhm migrate".\n`,
        )
      return
    }
    const out = openStdoutLines()
    let written = 0
    try {
      for await (const article of exportArticles({
        targetUrl,
        site: mapping.site,
        ...(ids ? { ids } : {}),
      })) {
        // The reader closed the pipe (`| head -1`): stop reading, exit 0.
        if (!(await out.write(`${JSON.stringify(article)}\n`))) return
        written++
      }
    } finally {
      out.close()
    }
    if (ids !== undefined && written === 0) {
      process.stderr.write(
        `note: the target has no article of site ${mapping.site} with any of the given --ids (${ids.join(', ')}).\n`,
      )
    } else if (written === 0) {
      // Nothing at all: most often the wrong (or no) --mapping, whose site selects the articles.
      const sites = (await readRunSites(targetUrl)).filter((s) => s !== mapping.site)
      process.stderr.write(
        sites.length === 0
          ? `note: the target has no article of site ${mapping.site}; run "dhm migrate" first.\n`
          : `note: the target has no article of site ${mapping.site}; it has runs of site(s) ${sites.join(', ')}: pass the --mapping that names that site.\n`,
      )
    }
  },
}

import { writeFile } from 'node:fs/promises'
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { databaseName, resolveConnections } from '../../config/connections.js'
import { ConfigError } from '../../errors.js'
import { inspectSource, type SourceInventory } from '../../extract/inspect-source.js'
import { closeSnapshot, createSourcePool, openSnapshot } from '../../extract/source-db.js'
import { renderInventory } from '../../inspect/render-inventory.js'
import { scaffoldMapping, siteFromDatabase } from '../../inspect/scaffold-mapping.js'
import { nearest } from '../../mapping/compile.js'
import { EPILOG } from '../help.js'

interface InspectArgs {
  source?: string
  json: boolean
  scaffold?: string
  out?: string
  site?: string
}

/** Read the inventory of a Drupal 7 database in one read-only snapshot. */
export async function readInventory(sourceUrl: string): Promise<SourceInventory> {
  const pool = createSourcePool(sourceUrl, 1)
  try {
    const conn = await openSnapshot(pool, sourceUrl)
    try {
      return await inspectSource(conn, sourceUrl)
    } finally {
      await closeSnapshot(conn).catch(() => undefined)
    }
  } finally {
    await pool.end()
  }
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect',
  describe: 'Describe a Drupal 7 source: bundles, fields, vocabularies, languages, formats, modules',
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the inventory as JSON' })
      .option('scaffold', { type: 'string', describe: 'Print a starting mapping for this bundle' })
      .option('out', { type: 'string', describe: 'With --scaffold: write the mapping to this file' })
      .option('site', {
        type: 'string',
        describe: "With --scaffold: the mapping's site (default: from the database name)",
      })
      .example('dhm inspect', 'What does the default source hold?')
      .example('dhm inspect --json > inventory.json', 'The same, for machines')
      .example(
        'dhm inspect --scaffold article --out mappings/mysite.yaml',
        'Write a starting mapping for the article bundle (then: dhm check --mapping mappings/mysite.yaml)',
      )
      .epilog(EPILOG) as unknown as Argv<InspectArgs>,
  handler: async (args: ArgumentsCamelCase<InspectArgs>) => {
    if (args.out !== undefined && args.scaffold === undefined)
      throw new ConfigError('--out needs --scaffold BUNDLE')
    const { sourceUrl } = resolveConnections({ source: args.source })
    const inventory = await readInventory(sourceUrl)
    const database = databaseName(sourceUrl)
    if (args.scaffold !== undefined) {
      const bundle = inventory.bundles.find((b) => b.type === args.scaffold)
      if (!bundle) {
        const names = inventory.bundles.map((b) => b.type)
        const hint = nearest(args.scaffold, names)
        throw new ConfigError(
          `--scaffold: no bundle ${args.scaffold} in ${database}${hint ? `; did you mean ${hint}?` : ''} (it has ${names.join(', ')})`,
        )
      }
      const text = scaffoldMapping(inventory, bundle, args.site ?? siteFromDatabase(database))
      if (args.out) {
        await writeFile(args.out, text)
        process.stdout.write(`wrote ${args.out}; check it with: dhm check --mapping ${args.out}\n`)
      } else process.stdout.write(text)
      return
    }
    process.stdout.write(
      args.json
        ? `${JSON.stringify({ database, ...inventory }, null, 2)}\n`
        : renderInventory(inventory, database),
    )
  },
}

import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { databaseName, resolveConnections } from '../../config/connections.js'
import { ConfigError } from '../../errors.js'
import { findSites, inspectSource, type SourceInventory } from '../../extract/inspect-source.js'
import { closeSnapshot, createSourcePool, openSnapshot } from '../../extract/source-db.js'
import { listTables } from '../../extract/source-schema.js'
import { findTablePrefixes } from '../../extract/table-prefix.js'
import { renderInventory } from '../../inspect/render-inventory.js'
import { scaffoldMapping, scaffoldSite, toSiteKey } from '../../inspect/scaffold-mapping.js'
import { MAPPING_JSON_SCHEMA_PATH } from '../../mapping/json-schema.js'
import { nearest } from '../../mapping/nearest.js'
import { SITE_PATTERN, TABLE_PREFIX_PATTERN } from '../../mapping/schema.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'

interface InspectArgs {
  source?: string
  json: boolean
  scaffold?: string
  out?: string
  force: boolean
  site?: string
  tablePrefix?: string
}

/**
 * Read the inventory of a Drupal 7 database in one read-only snapshot. `tablePrefix` chooses the
 * site of a database holding several (settings.php's prefix); without it, the unprefixed site, or
 * the only prefixed one.
 */
export async function readInventory(sourceUrl: string, tablePrefix?: string): Promise<SourceInventory> {
  const prefix = tablePrefix ?? (await guessTablePrefix(sourceUrl))
  const pool = createSourcePool(sourceUrl, 1, prefix)
  try {
    const conn = await openSnapshot(pool, sourceUrl)
    try {
      return await inspectSource(conn, sourceUrl, prefix)
    } finally {
      await closeSnapshot(conn).catch(() => undefined)
    }
  } finally {
    await pool.end()
  }
}

/** The prefix to inspect when none is given: '' if that site exists, else the only one, else ask. */
async function guessTablePrefix(sourceUrl: string): Promise<string> {
  const pool = createSourcePool(sourceUrl, 1)
  try {
    const conn = await openSnapshot(pool, sourceUrl)
    try {
      const tables = await listTables(conn)
      const found = findTablePrefixes(tables)
      if (found.length === 0 || found.includes('')) return ''
      if (found.length === 1) return found[0] as string
      const sites = await findSites(conn, tables)
      throw new ConfigError(
        `${databaseName(sourceUrl)} holds ${found.length} Drupal 7 sites (table prefixes): ` +
          sites
            .map((s) => `${s.prefix} (${s.nodes} nodes: ${s.bundles.map((b) => b.type).join(', ')})`)
            .join('; ') +
          `; choose one with --table-prefix, e.g. dhm inspect --table-prefix ${found[0]}`,
      )
    } finally {
      await closeSnapshot(conn).catch(() => undefined)
    }
  } finally {
    await pool.end()
  }
}

function outExists(file: string): ConfigError {
  return new ConfigError(
    `--out ${file} already exists (an edited mapping, perhaps); choose another file, or add --force to replace it`,
  )
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect',
  describe: COMMAND_LIST.inspect.describe,
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the inventory as JSON' })
      .option('scaffold', { type: 'string', describe: 'Print a starting mapping for this bundle' })
      .option('out', { type: 'string', describe: 'With --scaffold: write the mapping to this file' })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'With --out: replace the file if it exists',
      })
      .option('site', {
        type: 'string',
        describe:
          "With --scaffold: the mapping's site key: lowercase letters, digits and - (default: <database>-<bundle>)",
      })
      .option('table-prefix', {
        type: 'string',
        describe:
          "The site's table prefix (settings.php's prefix), for a database holding several sites; inspect lists them",
      })
      .example('dhm inspect', 'What does the default source hold?')
      .example('dhm inspect --json > inventory.json', 'The same, for machines')
      .example(
        'dhm inspect --scaffold article --out mappings/mysite.yaml',
        'Write a starting mapping for the article bundle (then: dhm check --mapping mappings/mysite.yaml)',
      )
      .hide('target')
      .epilog(EPILOG) as unknown as Argv<InspectArgs>,
  handler: async (args: ArgumentsCamelCase<InspectArgs>) => {
    if (args.out !== undefined && args.scaffold === undefined)
      throw new ConfigError('--out needs --scaffold BUNDLE')
    if (args.out !== undefined && !args.force && existsSync(args.out)) throw outExists(args.out)
    if (args.site !== undefined && args.scaffold === undefined)
      throw new ConfigError('--site needs --scaffold BUNDLE')
    // Refused rather than rewritten: the key is stored with every article and typed again later
    // (dhm status --site), so it must be exactly what the user chose.
    if (args.site !== undefined && !SITE_PATTERN.test(args.site)) {
      throw new ConfigError(
        `--site ${JSON.stringify(args.site)} is not a site key: use lowercase letters, digits and - (not at the start), ` +
          `e.g. --site ${toSiteKey(args.site)}. The key is stored with every article and is what dhm status --site takes; ` +
          "put a display name in the mapping's description.",
      )
    }
    if (args.tablePrefix !== undefined && !TABLE_PREFIX_PATTERN.test(args.tablePrefix)) {
      throw new ConfigError(
        `--table-prefix ${JSON.stringify(args.tablePrefix)}: a table prefix holds letters, digits and _ only (e.g. drupal_)`,
      )
    }
    const { sourceUrl } = resolveConnections({ source: args.source })
    const inventory = await readInventory(sourceUrl, args.tablePrefix)
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
      const site = args.site ?? scaffoldSite(database, bundle.type, inventory.tablePrefix)
      // Written to a file: the modeline points at this install's schema from wherever the file is.
      const text = scaffoldMapping(inventory, bundle, site, args.out ? schemaRefFrom(args.out) : undefined)
      if (args.out) {
        // 'wx' fails if the file appeared meanwhile: an edited mapping is never overwritten unasked.
        await writeFile(args.out, text, { flag: args.force ? 'w' : 'wx' }).catch((error) => {
          const code = (error as { code?: string }).code
          if (code === 'EEXIST') throw outExists(args.out as string)
          // No such folder, a file in the way, no permission: the flag's value is what to change.
          throw code
            ? new ConfigError(
                `--out ${args.out}: cannot write it (${code}); give a path in a folder that exists`,
              )
            : error
        })
        process.stdout.write(
          `wrote ${args.out} (site ${site}); check it with: dhm check --mapping ${args.out}\n`,
        )
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

/** The mapping JSON schema relative to the folder of `file` (`./…` or `../…`, as a modeline wants). */
export function schemaRefFrom(file: string): string {
  const ref = relative(dirname(resolve(file)), MAPPING_JSON_SCHEMA_PATH)
    .split('\\')
    .join('/')
  return ref.startsWith('.') ? ref : `./${ref}`
}

import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { DEFAULT_SOURCE_URL, DEFAULT_TARGET_URL, withDatabase } from '../../config/connections.js'
import { redactUrl } from '../../config/redact.js'
import { ConfigError } from '../../errors.js'
import { DEFAULT_FILE_CONCURRENCY, runFiles } from '../../files/run-files.js'
import { writeFixtureFiles } from '../../fixture/fixture-files.js'
import { generateFixture } from '../../fixture/generate-fixture.js'
import { DEFAULT_MAPPING_FILE, loadMapping } from '../../mapping/load-mapping.js'
import { runMigration } from '../../pipeline/run-migration.js'
import { renderFilesLine } from '../../report/files-report.js'
import { COMMAND_LIST } from '../command-list.js'
import { logLine, withProgress } from '../progress.js'
import { renderMigrateResult } from './migrate.js'

interface DemoArgs {
  articles: number
  seed: number
  legacyDatabase: string
  database: string
  filesDir?: string
  source?: string
  target?: string
}

const DEMO_SOURCE_DB = 'dhm_demo_legacy'
const DEMO_TARGET_DB = 'dhm_demo'
/** Both demo databases are dropped and re-created, so their names are plain identifiers. */
const DEMO_DB_NAME = /^[A-Za-z0-9_]{1,63}$/

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: COMMAND_LIST.demo.describe,
  builder: (y: Argv) =>
    y
      .option('articles', {
        type: 'number',
        default: 3000,
        describe: 'Articles in the sample legacy database',
      })
      .option('seed', {
        type: 'number',
        default: 1,
        describe: 'Seed of the generator (same seed, same data)',
      })
      .option('legacy-database', {
        type: 'string',
        default: DEMO_SOURCE_DB,
        describe: 'MariaDB database the sample site is written to (dropped and re-created)',
      })
      .option('database', {
        type: 'string',
        default: DEMO_TARGET_DB,
        describe: 'Postgres database the demo migrates into (dropped and re-created)',
      })
      .option('files-dir', {
        type: 'string',
        describe:
          "Folder for the sample site's files (old-site/) and their copy (new-site/); emptied first. " +
          'Default: $TMPDIR/dhm-demo-files, or $TMPDIR/dhm-demo-files-<database> with --database',
      })
      .check((a) => {
        for (const [flag, name] of [
          ['--legacy-database', a['legacy-database']],
          ['--database', a.database],
        ] as const) {
          if (typeof name !== 'string' || !DEMO_DB_NAME.test(name))
            throw new ConfigError(
              `${flag} "${String(name)}": the demo drops and re-creates this database, so give a plain name (letters, digits and _), e.g. ${flag} my_demo`,
            )
        }
        return true
      })
      .example(
        'npm run demo',
        `Sample site into MariaDB "${DEMO_SOURCE_DB}", migrated into Postgres "${DEMO_TARGET_DB}"`,
      )
      .example(
        'npm run demo -- --legacy-database my_demo_legacy --database my_demo',
        'The same with databases of your choosing (on a shared server)',
      ) as unknown as Argv<DemoArgs>,
  handler: async (args: ArgumentsCamelCase<DemoArgs>) => {
    // The demo uses its own databases on the given (or local) servers, never the configured ones.
    const sourceUrl = withDatabase(args.source ?? DEFAULT_SOURCE_URL, args.legacyDatabase)
    const targetUrl = withDatabase(args.target ?? DEFAULT_TARGET_URL, args.database)
    const serverUrl = new URL(sourceUrl)
    serverUrl.pathname = '/'

    logLine(`1/5 generating a sample Drupal 7 site with ${args.articles} articles in ${redactUrl(sourceUrl)}`)
    const fixture = await generateFixture({
      url: serverUrl.toString(),
      database: args.legacyDatabase,
      articles: args.articles,
      seed: args.seed,
    })
    logLine(`    ${fixture.nodes} nodes (${fixture.articles} articles, ${fixture.liveArticles} live)`)
    const filesDir = args.filesDir ?? demoFilesDir(args.database)
    const oldSite = join(filesDir, 'old-site')
    const newSite = join(filesDir, 'new-site')
    await rm(filesDir, { recursive: true, force: true })
    const written = await writeFixtureFiles(sourceUrl, oldSite)
    logLine(
      `    ${written.written} files (${written.bytes} bytes) in ${oldSite}, ${written.missing.length} left out on purpose`,
    )

    logLine(`2/5 recreating the target database ${redactUrl(targetUrl)}`)
    await recreateDatabase(targetUrl)

    const bne = await loadMapping(DEFAULT_MAPPING_FILE)
    // The demo serves the files it copies from new-site/: every file URL points there (stored keys).
    const mapping = {
      ...bne,
      files: { ...bne.files, publicBaseUrl: `${pathToFileURL(newSite).href}/`, storedKeys: true },
    }
    const migrate = (title: string) =>
      withProgress(title, {}, (onEvent) =>
        runMigration({ mapping, mappingFile: DEFAULT_MAPPING_FILE, sourceUrl, targetUrl, onEvent }),
      )
    logLine('3/5 dhm migrate (schema migrations are applied first)')
    const first = await migrate('Migrating bne (first run)')
    process.stdout.write(`first run:\n  ${renderMigrateResult(first).join('\n  ')}\n`)
    logLine('4/5 dhm migrate again: nothing changed in the source, so nothing is written')
    const second = await migrate('Migrating bne (second run)')
    process.stdout.write(`second run:\n  ${renderMigrateResult(second, { quiet: true }).join('\n  ')}\n`)

    logLine(`5/5 dhm files --from ${oldSite} --to ${newSite}, twice (the second run copies nothing)`)
    const copyFiles = () =>
      runFiles({
        mapping,
        mappingFile: DEFAULT_MAPPING_FILE,
        sourceUrl,
        targetUrl,
        from: oldSite,
        to: newSite,
        dryRun: false,
        concurrency: DEFAULT_FILE_CONCURRENCY,
        reportsDir: 'reports',
      })
    const firstFiles = await copyFiles()
    process.stdout.write(`files, first run:
  ${renderFilesLine(firstFiles.summary)}
`)
    const secondFiles = await copyFiles()
    process.stdout.write(
      `files, second run:\n  ${renderFilesLine(secondFiles.summary)}\n` +
        `  the sample site lacks ${written.missing.length} file(s) on purpose: see ${secondFiles.reportDir}/report.md\n`,
    )

    const oldLinks = await countOldFileLinks(targetUrl)
    process.stdout.write(`  bodies still linking to public:// or /sites/*/files/: ${oldLinks}\n`)

    const sample = await sampleLegacyRow(targetUrl)
    if (sample) {
      process.stdout.write('\nOne article as the old front end sees it (view legacy_article):\n')
      for (const [k, v] of Object.entries(sample)) {
        const text = v instanceof Date ? v.toISOString() : Array.isArray(v) ? `{${v.join(',')}}` : String(v)
        process.stdout.write(`  ${k.padEnd(16)} ${text.replace(/\s+/g, ' ').slice(0, 90)}\n`)
      }
    }
    process.stdout.write(
      `\nReport: ${second.reportDir}/summary.json\nNext: point DRUPAL_DATABASE_URL and DATABASE_URL at your own databases, write a mapping (or set DHM_MAPPING), and run "npx dhm migrate --mapping mappings/<yours>.yaml --dry-run" (README: "Your own site").\n`,
    )
  },
}

/**
 * The demo empties its files folder first, so two demos with their own databases (a shared server,
 * as the README suggests) get their own folders instead of deleting each other's files mid-run.
 */
export function demoFilesDir(database: string): string {
  return join(tmpdir(), database === DEMO_TARGET_DB ? 'dhm-demo-files' : `dhm-demo-files-${database}`)
}

async function recreateDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
  } finally {
    await admin.end()
  }
}

/** Articles whose body still has a src/href on public:// or the old files folder. */
async function countOldFileLinks(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM article WHERE body ~ '(src|href)\\s*=\\s*["''](public://|[^"'']*/sites/[^/"'']+/files/)'`,
    )
    return Number(rows[0]?.n ?? 0)
  } finally {
    await client.end()
  }
}

async function sampleLegacyRow(url: string): Promise<Record<string, unknown> | null> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query(
      'SELECT * FROM legacy_article WHERE cardinality(section_ids) > 1 ORDER BY id LIMIT 1',
    )
    return rows[0] ?? null
  } finally {
    await client.end()
  }
}

/**
 * CLI for the legacy Drupal 7 fixture:
 *   npm run fixture -- --articles 2000 [--seed 1] [--database dhm_legacy_demo] [--source mysql://root@127.0.0.1:3306] [--chaos]
 *                      [--files-dir DIR]   also write the site's files (for dhm files --from DIR)
 *                      [--table-prefix P [--add-site]]   Drupal's table prefix (several sites in one database)
 */
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { explainSourceError } from '../src/extract/source-db.ts'
import { isFixtureDatabaseName } from '../src/fixture/fixture-database.ts'
import { writeFixtureFiles } from '../src/fixture/fixture-files.ts'
import { generateFixture } from '../src/fixture/generate-fixture.ts'

const DEFAULT_SOURCE = 'mysql://root@127.0.0.1:3306'

/** Server URL without a database path (the fixture chooses its own database). */
function serverUrl(raw: string): string {
  const url = new URL(raw)
  url.pathname = ''
  return url.toString().replace(/\/$/, '')
}

/** The URL with its password replaced, for printing. */
function maskUrl(raw: string): string {
  const url = new URL(raw)
  if (url.password) url.password = '***'
  return url.toString().replace(/\/$/, '')
}

const argv = await yargs(hideBin(process.argv))
  .scriptName('fixture')
  .usage('$0 --articles N [--seed S] [--database NAME] [--source URL]')
  .option('articles', { type: 'number', default: 2000, describe: 'number of article nodes' })
  .option('seed', { type: 'number', default: 1, describe: 'PRNG seed' })
  .option('database', { type: 'string', default: 'dhm_legacy_demo', describe: 'database to (re)create' })
  .option('source', {
    type: 'string',
    default: process.env.DRUPAL_DATABASE_URL ?? DEFAULT_SOURCE,
    defaultDescription: '$DRUPAL_DATABASE_URL or mysql://root@127.0.0.1:3306',
    describe: 'MariaDB/MySQL server URL (any database path is ignored)',
  })
  .option('profile', {
    choices: ['bne', 'standard', 'standard-stock', 'd6-upgraded'] as const,
    default: 'bne' as const,
    describe:
      'bne site; a Drupal 7 standard install with translations and contrib fields; only what the standard profile creates; or standard upgraded from Drupal 6',
  })
  .option('chaos', {
    type: 'boolean',
    default: false,
    describe: 'also plant the malformed cases of docs/chaos-cases.md (bne profile)',
  })
  .option('people', {
    type: 'boolean',
    default: false,
    describe:
      'standard profile: users (blocked, deleted), revision users, a full-name user field, an entityreference field, a term tree, menus and metatag (issue #21)',
  })
  .option('files-dir', {
    type: 'string',
    describe:
      "also write the site's files (small JPEG/PNG/PDF, a few missing on purpose, awkward names) into this folder: dhm files --from it",
  })
  .option('table-prefix', {
    type: 'string',
    describe:
      "Drupal's table prefix (settings.php's prefix): site2_ creates site2_node, site2_field_data_body…",
  })
  .option('add-site', {
    type: 'boolean',
    default: false,
    describe: 'with --table-prefix: add this site to --database, keeping the sites already there',
  })
  .option('mode', {
    choices: ['load', 'insert'] as const,
    default: 'load' as const,
    describe: 'bulk write method',
  })
  .check((a) => {
    // Checked here, before anything is dropped, with the flag to fix (the generator only throws).
    if (!Number.isInteger(a.articles) || a.articles < 1)
      throw new Error(`--articles must be a whole number of 1 or more, e.g. --articles 3000`)
    if (!isFixtureDatabaseName(a.database))
      throw new Error(
        `--database "${a.database}": a plain name (letters, digits and _), e.g. --database my_legacy`,
      )
    if (a['table-prefix'] !== undefined && !/^[A-Za-z0-9_]*$/.test(a['table-prefix']))
      throw new Error(
        `--table-prefix "${a['table-prefix']}": letters, digits and _ only, e.g. --table-prefix site2_`,
      )
    if (a['add-site'] && !a['table-prefix'])
      throw new Error('--add-site needs --table-prefix, e.g. --table-prefix site2_')
    if (a['table-prefix'] && a['files-dir'])
      throw new Error(
        '--files-dir reads unprefixed tables: write the files from a fixture without --table-prefix',
      )
    return true
  })
  .strict()
  .help()
  .fail((message, error) => {
    console.error(`fixture: ${message || error?.message}\nRun "npm run fixture -- --help" for the options.`)
    process.exit(2)
  })
  .parseAsync()

const source = serverUrl(argv.source)
console.log(
  `Generating ${argv.articles} articles (seed ${argv.seed}) into ${maskUrl(source)}/${argv.database}`,
)

const started = performance.now()
let lastPrinted = 0
const summary = await tryGenerate({
  url: source,
  database: argv.database,
  articles: argv.articles,
  seed: argv.seed,
  mode: argv.mode,
  profile: argv.profile,
  chaos: argv.chaos,
  people: argv.people,
  ...(argv['table-prefix'] ? { tablePrefix: argv['table-prefix'], addSite: argv['add-site'] } : {}),
  onProgress: (done, total) => {
    const now = performance.now()
    if (done < total && now - lastPrinted < 1000) return
    lastPrinted = now
    const pct = ((done / total) * 100).toFixed(1)
    console.log(`  ${done}/${total} articles (${pct}%) ${((now - started) / 1000).toFixed(1)}s`)
  },
})

const rows = Object.entries(summary.tables)
const width = Math.max(...rows.map(([name]) => name.length))
console.log('')
console.log(`${'table'.padEnd(width)}  rows`)
for (const [name, count] of rows) console.log(`${name.padEnd(width)}  ${count}`)
console.log('')
console.log(
  `nodes ${summary.nodes} (articles ${summary.articles}, pages ${summary.pages}, blogs ${summary.blogs}), live articles ${summary.liveArticles}`,
)
if (summary.chaosCases !== undefined) {
  console.log(`chaos: ${summary.chaosCases} malformed cases planted (see docs/chaos-cases.md)`)
}
if (argv['files-dir']) {
  const files = await writeFixtureFiles(`${source}/${argv.database}`, argv['files-dir'])
  console.log(
    `files: ${files.written} written (${files.bytes} bytes) into ${argv['files-dir']}, ${files.missing.length} left out on purpose`,
  )
}
console.log(`done in ${summary.seconds.toFixed(2)}s`)

/** generateFixture, with a server that cannot be reached (or refuses) told in one line, exit 1. */
async function tryGenerate(
  opts: Parameters<typeof generateFixture>[0],
): Promise<Awaited<ReturnType<typeof generateFixture>>> {
  try {
    return await generateFixture(opts)
  } catch (error) {
    if (!(error as { code?: unknown }).code) throw error
    console.error(`fixture: ${explainSourceError(error, `${opts.url}/${opts.database}`).message}`)
    process.exit(1)
  }
}

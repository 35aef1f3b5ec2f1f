/**
 * Benchmark of `dhm sync` on a generated site: a full first sync, a sync with no changes, and a
 * sync after editors changed N% of the articles (title + node.changed, like a node save).
 *
 *   npx tsx scripts/bench-sync.ts --articles 1000000 [--changed-pct 1] [--reuse]
 *
 * It only ever edits the MariaDB database it generates (dhm_bench_sync_<articles> by default).
 * With --reuse, an existing database of that name and its synced target are kept.
 */
import mysql from 'mysql2/promise'
import pg from 'pg'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { generateFixture } from '../src/fixture/generate-fixture.ts'
import { loadMapping } from '../src/mapping/load-mapping.ts'
import { runSync, type SyncResult } from '../src/pipeline/run-sync.ts'

const argv = await yargs(hideBin(process.argv))
  .option('articles', { type: 'number', default: 100_000 })
  .option('seed', { type: 'number', default: 1 })
  .option('changed-pct', { type: 'number', default: 1 })
  .option('server', { type: 'string', default: 'mysql://root@127.0.0.1:3306' })
  .option('pg-server', { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432' })
  .option('reuse', { type: 'boolean', default: false })
  .strict()
  .parseAsync()

const name = `dhm_bench_sync_${argv.articles}`
const sourceUrl = `${argv.server}/${name}`
const targetUrl = `${argv['pg-server']}/${name}`
const MAPPING = 'mappings/bne.yaml'
const mapping = await loadMapping(MAPPING)

async function exists(): Promise<boolean> {
  const conn = await mysql.createConnection({ uri: argv.server })
  try {
    const [rows] = await conn.query(
      "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = 'node'",
      [name],
    )
    return Number((rows as { n: number }[])[0]?.n) > 0
  } finally {
    await conn.end()
  }
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)
const results: Record<string, SyncResult['summary'] & { candidates: number }> = {}
async function timedSync(label: string): Promise<void> {
  const r = await runSync({ mapping, mappingFile: MAPPING, sourceUrl, targetUrl, reportsDir: 'reports' })
  results[label] = { ...r.summary, candidates: r.candidates }
  log(`${label}: ${r.candidates} candidates, ${JSON.stringify(r.summary)}`)
}

if (!(argv.reuse && (await exists()))) {
  log(`generating ${argv.articles} articles into ${name}`)
  await generateFixture({ url: argv.server, database: name, articles: argv.articles, seed: argv.seed })
  const admin = new pg.Client({ connectionString: `${argv['pg-server']}/postgres` })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
  await admin.end()
  await timedSync('first sync (full)')
}
await timedSync('no changes')

const conn = await mysql.createConnection({ uri: sourceUrl })
const [[stats]] = (await conn.query(
  "SELECT MAX(changed) AS mark, COUNT(*) AS n FROM node WHERE type = 'article'",
)) as unknown as [{ mark: number; n: number }[]]
const every = Math.max(1, Math.round(100 / argv['changed-pct']))
const salt = Date.now() % every
const [res] = await conn.query(
  `UPDATE node SET title = CONCAT(title, ' [bench]'), changed = ? WHERE type = 'article' AND nid % ? = ?`,
  [Number(stats?.mark) + 3600, every, salt],
)
await conn.query(
  `UPDATE node_revision r JOIN node n ON n.vid = r.vid SET r.title = n.title
   WHERE n.type = 'article' AND n.nid % ? = ?`,
  [every, salt],
)
await conn.end()
log(`edited ${(res as { affectedRows: number }).affectedRows} of ${stats?.n} articles`)
await timedSync(`${argv['changed-pct']}% changed`)
await timedSync('no changes, again')
process.stdout.write(`${JSON.stringify({ articles: argv.articles, results }, null, 2)}\n`)

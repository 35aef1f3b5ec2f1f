/**
 * Benchmark of `dhm sync` on a generated site: a full first sync, a sync with no changes, and a
 * sync after editors changed N% of the articles (title + node.changed, like a node save) and
 * deleted a few, then a sync with no changes again.
 *
 *   npx tsx scripts/bench-sync.ts --articles 1000000 [--database NAME] [--changed-pct 1]
 *     [--deleted 10] [--reuse] [--steps nochange,changed,again]
 *
 * `--steps edit` only makes the editors' changes of the "changed" step (to time another build on them).
 *
 * Each step prints its candidates, summary, seconds per phase (finding candidates, reading and
 * writing them, the deletion scan), what the deletion scan compared, this process's CPU seconds
 * and the load average. It only ever edits the MariaDB database it generates
 * (dhm_bench_sync_<articles> unless --database). With --reuse, an existing database of that name
 * and its synced target are kept (the first sync is skipped).
 */
import { loadavg } from 'node:os'
import mysql from 'mysql2/promise'
import pg from 'pg'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { generateFixture } from '../src/fixture/generate-fixture.ts'
import { loadMapping } from '../src/mapping/load-mapping.ts'
import { runSync, type SyncResult } from '../src/pipeline/run-sync.ts'

const STEPS = ['nochange', 'changed', 'again', 'edit'] as const

const argv = await yargs(hideBin(process.argv))
  .option('articles', { type: 'number', default: 100_000 })
  .option('database', { type: 'string', describe: 'MariaDB and Postgres database name' })
  .option('seed', { type: 'number', default: 1 })
  .option('changed-pct', { type: 'number', default: 1 })
  .option('deleted', { type: 'number', default: 10, describe: 'articles deleted in the "changed" step' })
  .option('server', { type: 'string', default: 'mysql://root@127.0.0.1:3306' })
  .option('pg-server', { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432' })
  .option('reuse', { type: 'boolean', default: false })
  .option('steps', {
    type: 'string',
    default: 'nochange,changed,again',
    describe: `steps after the first sync, in order: ${STEPS.join(', ')}`,
  })
  .strict()
  .parseAsync()

const name = argv.database ?? `dhm_bench_sync_${argv.articles}`
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

interface StepFigures {
  readonly candidates: number
  readonly summary: SyncResult['summary']
  readonly phases: SyncResult['seconds']
  readonly deletions: SyncResult['deletions']
  readonly cpuSeconds: number
  readonly loadAverage: readonly number[]
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)
const results: Record<string, StepFigures> = {}
async function timedSync(label: string): Promise<void> {
  const cpu = process.cpuUsage()
  const r = await runSync({
    mapping,
    mappingFile: MAPPING,
    sourceUrl,
    targetUrl,
    reportsDir: 'reports',
    onEvent: (e) => {
      if (e.kind === 'phase') log(`  ${e.message}`)
    },
  })
  const used = process.cpuUsage(cpu)
  results[label] = {
    candidates: r.candidates,
    summary: r.summary,
    phases: r.seconds,
    deletions: r.deletions,
    cpuSeconds: Math.round((used.user + used.system) / 10_000) / 100,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  }
  log(`${label}: ${JSON.stringify(results[label])}`)
}

async function editArticles(): Promise<void> {
  const conn = await mysql.createConnection({ uri: sourceUrl })
  try {
    const [[stats]] = (await conn.query(
      "SELECT MAX(changed) AS mark, COUNT(*) AS n FROM node WHERE type = 'article'",
    )) as unknown as [{ mark: number; n: number }[]]
    const every = Math.max(1, Math.round(100 / argv['changed-pct']))
    const salt = Date.now() % every
    // Saved at different seconds over the hour after the mark, as editors do (all at one second
    // would make every later sync re-read them all: the mark's second is compared with >=).
    const [res] = await conn.query(
      `UPDATE node SET title = CONCAT(title, ' [bench]'), changed = ? - (nid * 7919) % 3600
       WHERE type = 'article' AND nid % ? = ?`,
      [Number(stats?.mark) + 3600, every, salt],
    )
    await conn.query(
      `UPDATE node_revision r JOIN node n ON n.vid = r.vid SET r.title = n.title
       WHERE n.type = 'article' AND n.nid % ? = ?`,
      [every, salt],
    )
    // Deleted articles, spread over the nid space (node rows only: what the deletion scan sees).
    const spread = Math.max(2, Math.floor(Number(stats?.n) / Math.max(1, argv.deleted)))
    const [gone] = (await conn.query(
      `SELECT nid FROM node WHERE type = 'article' AND nid % ? = ? ORDER BY nid LIMIT ?`,
      [spread, (salt + 1) % spread, argv.deleted],
    )) as unknown as [{ nid: number }[]]
    for (const { nid } of gone) await conn.query('DELETE FROM node WHERE nid = ?', [nid])
    log(
      `edited ${(res as { affectedRows: number }).affectedRows} of ${stats?.n} articles, deleted ${gone.length}`,
    )
  } finally {
    await conn.end()
  }
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
for (const step of argv.steps.split(',').filter(Boolean)) {
  if (step === 'nochange') await timedSync('no changes')
  else if (step === 'changed') {
    await editArticles()
    await timedSync(`${argv['changed-pct']}% changed, ${argv.deleted} deleted`)
  } else if (step === 'again') await timedSync('no changes, again')
  // Only the editors' changes, for timing another sync (another build of dhm) on them.
  else if (step === 'edit') await editArticles()
  else throw new Error(`unknown step ${step}; steps: ${STEPS.join(', ')}`)
}
process.stdout.write(`${JSON.stringify({ articles: argv.articles, database: name, results }, null, 2)}\n`)

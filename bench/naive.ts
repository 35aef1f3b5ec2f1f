/**
 * The naive baseline (step 1 of bench/run.ts): what a quick script does. For each published article
 * of a deterministic sample, the legacy seed query (../shared/seed/legacy-article-query.sql, one query,
 * 17 LEFT JOINs, `LIMIT 1`) with `n.nid = ?`, then one autocommitted INSERT per row into Postgres.
 *
 *   tsx bench/naive.ts --source mysql://…/dhm_bench_100000 --target postgresql://…/dhm_bench_naive --sample 2000
 *
 * Prints one JSON line: { sample, published, seconds }. Reads the source only.
 */
import mysql from 'mysql2/promise'
import pg from 'pg'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { legacyArticleQuery } from '../src/fixture/legacy-query.ts'

const argv = await yargs(hideBin(process.argv))
  .option('source', { type: 'string', demandOption: true })
  .option('target', { type: 'string', demandOption: true })
  .option('sample', { type: 'number', default: 2000 })
  .strict()
  .parseAsync()

// The seed query verbatim (../shared/seed), with its nid and publication as parameters.
const SEED_QUERY = await legacyArticleQuery()

const COLUMNS = [
  'id',
  'title',
  'authors',
  'bylines',
  'summary',
  'social',
  'date',
  'publication_id',
  'image',
  'image_credit',
  'image_author',
  'section_id',
  'subject_id',
  'body',
  'pdf',
  'tracking',
  'headTags',
  'bodyTags',
] as const

const source = await mysql.createConnection({ uri: argv.source, charset: 'utf8mb4_general_ci' })
const target = new pg.Client({ connectionString: argv.target })
await target.connect()
try {
  await target.query('DROP TABLE IF EXISTS naive_article')
  await target.query(
    `CREATE TABLE naive_article (id int PRIMARY KEY, ${COLUMNS.slice(1)
      .map((c) => `${pg.escapeIdentifier(c)} text`)
      .join(', ')})`,
  )
  // What the naive script iterates over: every published article (one cheap query), sampled evenly.
  const [all] = (await source.query(
    "SELECT nid FROM node WHERE type = 'article' AND status = 1 ORDER BY nid",
  )) as unknown as [{ nid: number }[]]
  const step = Math.max(1, Math.floor(all.length / argv.sample))
  const sample = all.filter((_, i) => i % step === 0).slice(0, argv.sample)
  const insert = `INSERT INTO naive_article VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`
  const started = performance.now()
  let rows = 0
  let failed = 0
  for (const { nid } of sample) {
    const [found] = (await source.query(SEED_QUERY, [nid, 1004])) as unknown as [Record<string, unknown>[]]
    const row = found[0]
    if (!row) continue
    try {
      await target.query(
        insert,
        COLUMNS.map((c) => (row[c] === null || row[c] === undefined ? null : String(row[c]))),
      )
      rows++
    } catch (error) {
      // What a quick script learns on the first NUL byte in a body: skip the row and go on.
      if ((error as { code?: string }).code !== '22021') throw error
      failed++
    }
  }
  const seconds = (performance.now() - started) / 1000
  process.stdout.write(
    `${JSON.stringify({ sample: sample.length, rows, failed, published: all.length, seconds })}\n`,
  )
} finally {
  await source.end()
  await target.end()
}

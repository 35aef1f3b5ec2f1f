/**
 * The write ceiling (step 3 of bench/run.ts): COPY the final denormalized articles (one row each:
 * every article column, term ids as int[]) from a prepared COPY file into a fresh unlogged table
 * without indexes. What Postgres needs just to take the result in.
 *
 *   tsx bench/write-ceiling.ts --target postgresql://…/dhm_bench_100000 --file bench/out/articles.copy
 *
 * Prints one JSON line: { rows, bytes, seconds }. The file comes from `exportDenormalized` below
 * (run by bench/run.ts against a migrated target).
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { LZ4_AVAILABLE, SET_LZ4 } from '../src/load/toast-compression.ts'

export const DENORMALIZED = `
SELECT a.*, 
  ARRAY(SELECT t.legacy_tid FROM article_term x JOIN term t ON t.id = x.term_id
        WHERE x.article_id = a.id AND x.role = 'publication' ORDER BY x.position) AS publication_ids,
  ARRAY(SELECT t.legacy_tid FROM article_term x JOIN term t ON t.id = x.term_id
        WHERE x.article_id = a.id AND x.role = 'section' ORDER BY x.position) AS section_ids,
  ARRAY(SELECT t.legacy_tid FROM article_term x JOIN term t ON t.id = x.term_id
        WHERE x.article_id = a.id AND x.role = 'subject' ORDER BY x.position) AS subject_ids
FROM article a`

/** Write the denormalized articles of a migrated target to a COPY text file (untimed preparation). */
export async function exportDenormalized(targetUrl: string, file: string): Promise<void> {
  const client = new pg.Client({ connectionString: targetUrl })
  await client.connect()
  try {
    await client.query('DROP TABLE IF EXISTS bench_article_shape')
    await client.query(`CREATE UNLOGGED TABLE bench_article_shape AS ${DENORMALIZED} LIMIT 0`)
    await pipeline(client.query(copyTo(`COPY (${DENORMALIZED}) TO STDOUT`)), createWriteStream(file))
  } finally {
    await client.end()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { default: yargs } = await import('yargs')
  const { hideBin } = await import('yargs/helpers')
  const argv = await yargs(hideBin(process.argv))
    .option('target', { type: 'string', demandOption: true })
    .option('file', { type: 'string', demandOption: true })
    .strict()
    .parseAsync()
  const client = new pg.Client({ connectionString: argv.target })
  await client.connect()
  try {
    // The same TOAST compression dhm's target connections use (src/load/target-db.ts): lz4 when the
    // server has it, so the ceiling is what this server can do at best, not pglz's slower figure.
    const { rows: lz4 } = await client.query<{ lz4: boolean | null }>(LZ4_AVAILABLE)
    if (lz4[0]?.lz4) await client.query(SET_LZ4)
    await client.query('DROP TABLE IF EXISTS bench_write_ceiling')
    await client.query('CREATE UNLOGGED TABLE bench_write_ceiling (LIKE bench_article_shape)')
    const started = performance.now()
    await pipeline(
      createReadStream(argv.file, { highWaterMark: 1 << 20 }),
      client.query(copyFrom('COPY bench_write_ceiling FROM STDIN')),
    )
    const seconds = (performance.now() - started) / 1000
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM bench_write_ceiling')
    await client.query('DROP TABLE bench_write_ceiling')
    process.stdout.write(
      `${JSON.stringify({ rows: Number(rows[0]?.n ?? 0), bytes: statSync(argv.file).size, seconds })}\n`,
    )
  } finally {
    await client.end()
  }
}

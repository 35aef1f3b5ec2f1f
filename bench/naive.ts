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

const argv = await yargs(hideBin(process.argv))
  .option('source', { type: 'string', demandOption: true })
  .option('target', { type: 'string', demandOption: true })
  .option('sample', { type: 'number', default: 2000 })
  .strict()
  .parseAsync()

// The seed query verbatim, with its literal nid replaced by a parameter.
const SEED_QUERY = `
SELECT
  n.nid AS id, n.title, 'bne IntelliNews' AS authors, 'bne IntelliNews' AS bylines,
  wc.field_website_callout_value AS summary, smc.field_social_media_callout_value AS social,
  pd.published_at AS date, p.field_publication__tid AS publication_id, fm.uri AS image,
  fspcaption.field_story_photo_caption_value AS image_credit, fspcredit.field_story_photo_credit_value AS image_author,
  ws.field_website_sections_tid AS section_id, fdfs.field_subject_tid AS subject_id, db.body_value AS body,
  fm2.uri AS pdf, et.field_enable_tracking_value AS tracking, ht.field_head_tags_value AS headTags,
  bt.field_body_tags_value AS bodyTags
FROM node n
LEFT JOIN field_data_field_website_callout      wc         ON wc.entity_id = n.nid
LEFT JOIN field_data_field_social_media_callout smc        ON smc.entity_id = n.nid
LEFT JOIN publication_date                      pd         ON pd.nid = n.nid
LEFT JOIN field_data_field_publication_         p          ON p.entity_id = n.nid
LEFT JOIN field_data_field_story_picture        sp         ON sp.entity_id = n.nid
LEFT JOIN file_managed                          fm         ON fm.fid = sp.field_story_picture_fid
LEFT JOIN field_data_field_story_photo_caption  fspcaption ON fspcaption.entity_id = n.nid
LEFT JOIN field_data_field_story_photo_credit   fspcredit  ON fspcredit.entity_id = n.nid
LEFT JOIN workflow_node                         wn         ON wn.nid = n.nid
LEFT JOIN field_data_field_website_sections     ws         ON ws.entity_id = n.nid
LEFT JOIN field_data_field_subject              fdfs       ON fdfs.entity_id = n.nid
LEFT JOIN field_data_body                       db         ON db.entity_id = n.nid
LEFT JOIN field_data_field_file                 ff         ON ff.entity_id = n.nid
LEFT JOIN file_managed                          fm2        ON fm2.fid = ff.field_file_fid
LEFT JOIN field_data_field_enable_tracking      et         ON et.entity_id = n.nid
LEFT JOIN field_data_field_head_tags            ht         ON ht.entity_id = n.nid
LEFT JOIN field_data_field_body_tags            bt         ON bt.entity_id = n.nid
WHERE n.status = 1 AND n.type = 'article' AND n.nid = ?
  AND wn.sid = 3 AND p.field_publication__tid = '1004'
LIMIT 1`

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
    const [found] = (await source.query(SEED_QUERY, [nid])) as unknown as [Record<string, unknown>[]]
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

/**
 * The set-based answer a DBA would write (peer of `dhm migrate` in bench/run.ts, issue #19): Postgres
 * pulls the source tables through mysql_fdw, then one `INSERT … SELECT` with grouped arrays builds
 * the denormalized articles. No content rules (bodies are copied as they are), no document JSON, no
 * id map or undo log: what SQL alone gives, as fast as it goes.
 *
 *   tsx bench/fdw.ts --source mysql://root@127.0.0.1:3306/dhm_bench_100000 \
 *     --target postgresql://…/dhm_bench_100000_fdw [--mapping mappings/bne.yaml]
 *
 * The target database must exist and be empty (bench/run.ts makes it); the mysql_fdw extension must be
 * installed on the server (Debian: postgresql-15-mysql-fdw). The query is written for the tables of
 * mappings/bne.yaml (field tables of the current revision). Prints one JSON line:
 * { pullSeconds, sqlSeconds, seconds, rows, tables: {name: rows} }. Reads the source only.
 */
import pg from 'pg'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { involvedTables } from './source-tables.ts'

/** The apt package that provides the extension, named when it is missing. */
export const FDW_PACKAGE = 'postgresql-15-mysql-fdw'

/** Whether the server can `CREATE EXTENSION mysql_fdw`. */
export async function hasMysqlFdw(db: pg.ClientBase): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'mysql_fdw'")
  return rows.length > 0
}

/** The server, user mapping and foreign tables of `sourceUrl` in schema `src` (root without password here). */
function foreignSchemaSql(sourceUrl: string, tables: readonly string[]): string[] {
  const url = new URL(sourceUrl)
  const database = decodeURIComponent(url.pathname.slice(1))
  const lit = (s: string) => pg.escapeLiteral(s)
  return [
    'CREATE EXTENSION IF NOT EXISTS mysql_fdw',
    `CREATE SERVER dhm_source FOREIGN DATA WRAPPER mysql_fdw
       OPTIONS (host ${lit(url.hostname)}, port ${lit(url.port || '3306')}, fetch_size '10000')`,
    `CREATE USER MAPPING FOR CURRENT_USER SERVER dhm_source
       OPTIONS (username ${lit(decodeURIComponent(url.username))}, password ${lit(decodeURIComponent(url.password))})`,
    'CREATE SCHEMA src',
    'CREATE SCHEMA pulled',
    `IMPORT FOREIGN SCHEMA ${pg.escapeIdentifier(database)} LIMIT TO (${tables.map((t) => pg.escapeIdentifier(t)).join(', ')})
       FROM SERVER dhm_source INTO src`,
  ]
}

// One value of a field of the node's current revision (delta 0); `f` is the field table's suffix.
const first = (f: string, columns: string) =>
  `(SELECT DISTINCT ON (revision_id) revision_id, ${columns} FROM pulled.field_revision_${f}
    WHERE entity_type = 'node' AND deleted = 0 ORDER BY revision_id, delta)`
// Every value of a multi-valued field, in delta order.
const all = (f: string, column: string) =>
  `(SELECT revision_id, array_agg(${column} ORDER BY delta) AS ids FROM pulled.field_revision_${f}
    WHERE entity_type = 'node' AND deleted = 0 GROUP BY revision_id)`

export const DENORMALIZE = `
CREATE TABLE fdw_article (
  nid int PRIMARY KEY, language text, title text, published boolean, workflow_state int,
  is_live boolean, summary text, social text, published_at timestamptz, created_at timestamptz,
  updated_at timestamptz, image_uri text, image_caption text, image_credit text, image_alt text,
  image_title text, image_width int, image_height int, pdf_uri text, pdf_description text,
  body text, body_summary text, body_format text, tracking boolean, head_tags text, body_tags text,
  publication_ids int[], section_ids int[], subject_ids int[], aliases text[]);
INSERT INTO fdw_article
SELECT n.nid, n.language, n.title, n.status = 1, w.sid, n.status = 1 AND w.sid = 3,
  wc.field_website_callout_value, smc.field_social_media_callout_value,
  to_timestamp(COALESCE(NULLIF(pd.published_at, 0), n.created)), to_timestamp(n.created),
  to_timestamp(n.changed), fi.uri, cap.field_story_photo_caption_value,
  cre.field_story_photo_credit_value, pic.field_story_picture_alt, pic.field_story_picture_title,
  pic.field_story_picture_width, pic.field_story_picture_height, fp.uri, pdf.field_file_description,
  b.body_value, b.body_summary, b.body_format, COALESCE(tr.field_enable_tracking_value = 1, false),
  ht.field_head_tags_value, bt.field_body_tags_value,
  COALESCE(pub.ids, '{}'), COALESCE(sec.ids, '{}'), COALESCE(sub.ids, '{}'), COALESCE(al.aliases, '{}')
FROM pulled.node n
LEFT JOIN pulled.workflow_node w ON w.nid = n.nid
LEFT JOIN pulled.publication_date pd ON pd.nid = n.nid
LEFT JOIN ${first('body', 'body_value, body_summary, body_format')} b ON b.revision_id = n.vid
LEFT JOIN ${first('field_website_callout', 'field_website_callout_value')} wc ON wc.revision_id = n.vid
LEFT JOIN ${first('field_social_media_callout', 'field_social_media_callout_value')} smc ON smc.revision_id = n.vid
LEFT JOIN ${first('field_story_photo_caption', 'field_story_photo_caption_value')} cap ON cap.revision_id = n.vid
LEFT JOIN ${first('field_story_photo_credit', 'field_story_photo_credit_value')} cre ON cre.revision_id = n.vid
LEFT JOIN ${first('field_story_picture', 'field_story_picture_fid, field_story_picture_alt, field_story_picture_title, field_story_picture_width, field_story_picture_height')} pic ON pic.revision_id = n.vid
LEFT JOIN pulled.file_managed fi ON fi.fid = pic.field_story_picture_fid
LEFT JOIN ${first('field_file', 'field_file_fid, field_file_description')} pdf ON pdf.revision_id = n.vid
LEFT JOIN pulled.file_managed fp ON fp.fid = pdf.field_file_fid
LEFT JOIN ${first('field_enable_tracking', 'field_enable_tracking_value')} tr ON tr.revision_id = n.vid
LEFT JOIN ${first('field_head_tags', 'field_head_tags_value')} ht ON ht.revision_id = n.vid
LEFT JOIN ${first('field_body_tags', 'field_body_tags_value')} bt ON bt.revision_id = n.vid
LEFT JOIN ${all('field_publication_', 'field_publication__tid')} pub ON pub.revision_id = n.vid
LEFT JOIN ${all('field_website_sections', 'field_website_sections_tid')} sec ON sec.revision_id = n.vid
LEFT JOIN ${all('field_subject', 'field_subject_tid')} sub ON sub.revision_id = n.vid
LEFT JOIN (SELECT source, array_agg(alias ORDER BY pid) AS aliases FROM pulled.url_alias GROUP BY source) al
  ON al.source = 'node/' || n.nid
WHERE n.type = 'article'`

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = await yargs(hideBin(process.argv))
    .option('source', { type: 'string', demandOption: true })
    .option('target', { type: 'string', demandOption: true })
    .option('mapping', { type: 'string', default: 'mappings/bne.yaml' })
    .strict()
    .parseAsync()
  const tables = await involvedTables(argv.source, argv.mapping)
  const client = new pg.Client({ connectionString: argv.target })
  await client.connect()
  try {
    if (!(await hasMysqlFdw(client))) {
      throw new Error(`the mysql_fdw extension is not installed: apt-get install -y ${FDW_PACKAGE}`)
    }
    const started = performance.now()
    for (const sql of foreignSchemaSql(argv.source, tables)) await client.query(sql)
    // Pull: each table copied whole into an unlogged local table (what a DBA stages with).
    const counts: Record<string, number> = {}
    for (const t of tables) {
      const id = pg.escapeIdentifier(t)
      const r = await client.query(`CREATE UNLOGGED TABLE pulled.${id} AS SELECT * FROM src.${id}`)
      counts[t] = r.rowCount ?? 0
    }
    await client.query('ANALYZE')
    const pulled = performance.now()
    await client.query('BEGIN')
    await client.query(DENORMALIZE)
    await client.query('COMMIT')
    const done = performance.now()
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM fdw_article')
    process.stdout.write(
      `${JSON.stringify({
        pullSeconds: (pulled - started) / 1000,
        sqlSeconds: (done - pulled) / 1000,
        seconds: (done - started) / 1000,
        rows: rows[0]?.n ?? 0,
        tables: counts,
      })}\n`,
    )
  } finally {
    await client.end()
  }
}

import type pg from 'pg'

/**
 * The undo log (`run_change`) and what `dhm rollback` does with it.
 *
 * Statement triggers on the tables below (prisma/migrations/20261207140000_run_change) record, for
 * every row a tagged transaction inserts, updates or deletes, the row as it was before (NULL: the run
 * inserted it), in the transaction of the write itself: a killed run's committed batches can be rolled
 * back too. Only transactions tagged with {@link tagRunChanges} are logged, so rows written by anyone
 * else are never in a run's log and a rollback never touches them.
 */

/**
 * The tables a run writes, parents before children, each with its primary key as the triggers
 * spell `row_key` for a row alias (the trigger arguments in the migration are these, for alias `t`).
 */
export const LOGGED_TABLES = [
  { table: 'media_file', key: (t: string) => `${t}.id::text`, pk: ['id'] },
  { table: 'term', key: (t: string) => `${t}.id::text`, pk: ['id'] },
  { table: 'author', key: (t: string) => `${t}.id::text`, pk: ['id'] },
  { table: 'article', key: (t: string) => `${t}.id::text`, pk: ['id'] },
  {
    table: 'article_term',
    key: (t: string) => `${t}.article_id || ':' || ${t}.role || ':' || ${t}.position`,
    pk: ['article_id', 'role', 'position'],
  },
  {
    table: 'article_author',
    key: (t: string) => `${t}.article_id || ':' || ${t}.role || ':' || ${t}.position`,
    pk: ['article_id', 'role', 'position'],
  },
  {
    table: 'article_reference',
    key: (t: string) => `${t}.article_id || ':' || ${t}.field || ':' || ${t}.delta`,
    pk: ['article_id', 'field', 'delta'],
  },
  {
    table: 'block',
    key: (t: string) => `${t}.article_id || ':' || ${t}.ordinal`,
    pk: ['article_id', 'ordinal'],
  },
  { table: 'redirect', key: (t: string) => `${t}.id::text`, pk: ['id'] },
  {
    table: 'article_link',
    key: (t: string) => `${t}.site || ':' || ${t}.legacy_nid || ':' || ${t}.target`,
    pk: ['site', 'target', 'legacy_nid'],
  },
  { table: 'menu_link', key: (t: string) => `${t}.id::text`, pk: ['id'] },
] as const

export type LoggedTable = (typeof LOGGED_TABLES)[number]['table']

/** Tag the current transaction as run `runId`'s: from here on its writes are logged for rollback. */
export async function tagRunChanges(client: pg.ClientBase, runId: number): Promise<void> {
  await client.query("SELECT set_config('dhm.run_id', $1, true)", [String(runId)])
}

/** Per table: rows the run inserted (removed by a rollback) and rows it changed or deleted (restored). */
export type RollbackCounts = Record<LoggedTable, { readonly removed: number; readonly restored: number }>

/** What a run's log holds, per table (what a rollback would do). */
export async function countRunChanges(db: pg.ClientBase | pg.Pool, runId: number): Promise<RollbackCounts> {
  const { rows } = await db.query<{ table_name: LoggedTable; inserted: number; changed: number }>(
    `SELECT table_name, count(*) FILTER (WHERE before IS NULL)::int AS inserted,
       count(*) FILTER (WHERE before IS NOT NULL)::int AS changed
     FROM run_change WHERE run_id = $1 GROUP BY table_name`,
    [runId],
  )
  const counts = Object.fromEntries(
    LOGGED_TABLES.map(({ table }) => [table, { removed: 0, restored: 0 }]),
  ) as RollbackCounts
  for (const r of rows) counts[r.table_name] = { removed: r.inserted, restored: r.changed }
  return counts
}

/** Later runs whose logs hold rows of run `runId`'s log: they changed rows after it (newest first). */
export async function findLaterRuns(db: pg.ClientBase | pg.Pool, runId: number): Promise<number[]> {
  const { rows } = await db.query<{ run_id: number }>(
    `SELECT DISTINCT l.run_id FROM run_change n
     JOIN run_change l ON l.table_name = n.table_name AND l.row_key = n.row_key AND l.run_id > n.run_id
     WHERE n.run_id = $1 ORDER BY l.run_id DESC`,
    [runId],
  )
  return rows.map((r) => r.run_id)
}

/** Rows a rollback kept although the run inserted them: something it did not write refers to them. */
export type KeptCounts = Record<'article' | 'term' | 'media_file' | 'author' | 'menu_link', number>

/**
 * Undo run `runId` inside the caller's transaction (which must not be tagged): rows it inserted go
 * (children first), rows it changed or deleted get their before-state back (parents first, UPDATE
 * where the row is there, INSERT where it is gone: an UPDATE never cascades), then its log goes.
 * An inserted article that rows dhm did not write refer to (a redirect an editor added, a menu link,
 * a reference) is kept, so nothing cascades into them; so is a term, author or file still referred to,
 * and a menu link an editor's menu link hangs under. All are counted in `kept`.
 */
export async function undoRunChanges(
  client: pg.ClientBase,
  runId: number,
): Promise<{ counts: RollbackCounts; kept: KeptCounts }> {
  const counts = await countRunChanges(client, runId)
  const keyOf = (table: LoggedTable, alias: string) =>
    (LOGGED_TABLES.find((t) => t.table === table) ?? LOGGED_TABLES[0]).key(alias)
  // Rows of `table` (alias t) this run inserted.
  const insertedRows = (table: LoggedTable) =>
    `DELETE FROM ${table} t WHERE EXISTS (SELECT 1 FROM run_change c WHERE c.run_id = $1
       AND c.table_name = '${table}' AND c.before IS NULL AND c.row_key = ${keyOf(table, 't')})`
  // No row of `table` (alias x) that dhm did not write refers to t: a row in no log of this run or a
  // later one (rows of later runs are there only with --force, and may go with what they refer to).
  const noForeignRow = (table: LoggedTable, refersToT: string) =>
    `NOT EXISTS (SELECT 1 FROM ${table} x WHERE (${refersToT}) AND NOT EXISTS (SELECT 1 FROM run_change c
       WHERE c.run_id >= $1 AND c.table_name = '${table}' AND c.row_key = ${keyOf(table, 'x')}))`

  await client.query(insertedRows('article_term'), [runId])
  await client.query(insertedRows('article_author'), [runId])
  await client.query(insertedRows('article_reference'), [runId])
  await client.query(insertedRows('block'), [runId])
  await client.query(insertedRows('redirect'), [runId])
  await client.query(insertedRows('article_link'), [runId])
  // A menu link an editor hangs a link under stays (its parent_id would be set to NULL).
  const removedMenuLinks = await client.query(
    `${insertedRows('menu_link')} AND ${noForeignRow('menu_link', 'x.parent_id = t.id')}`,
    [runId],
  )
  const removedArticles = await client.query(
    `${insertedRows('article')}
       AND ${noForeignRow('article_term', 'x.article_id = t.id')}
       AND ${noForeignRow('article_author', 'x.article_id = t.id')}
       AND ${noForeignRow('article_reference', 'x.article_id = t.id OR x.target_article_id = t.id')}
       AND ${noForeignRow('menu_link', 'x.article_id = t.id')}
       AND ${noForeignRow('block', 'x.article_id = t.id')}
       AND ${noForeignRow('redirect', 'x.article_id = t.id')}`,
    [runId],
  )

  for (const { table, pk } of LOGGED_TABLES) {
    const columns = await columnsOf(client, table)
    const list = columns.map(quote).join(', ')
    const images = `(SELECT r.* FROM run_change c, jsonb_populate_record(NULL::${table}, c.before) r
      WHERE c.run_id = $1 AND c.table_name = '${table}' AND c.before IS NOT NULL)`
    const samePk = pk.map((k) => `t.${k} = r.${k}`).join(' AND ')
    await client.query(
      `UPDATE ${table} t SET (${list}) = ROW(${columns.map((c) => `r.${quote(c)}`).join(', ')})
       FROM ${images} r WHERE ${samePk}`,
      [runId],
    )
    await client.query(
      `INSERT INTO ${table} (${list}) SELECT ${columns.map((c) => `r.${quote(c)}`).join(', ')}
       FROM ${images} r WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE ${samePk})`,
      [runId],
    )
  }

  // The run's own rows that referred to them are gone by now: what still refers to them stays.
  const removedTerms = await client.query(
    `${insertedRows('term')} AND NOT EXISTS (SELECT 1 FROM article_term x WHERE x.term_id = t.id)
       AND NOT EXISTS (SELECT 1 FROM article_reference x WHERE x.target_term_id = t.id)
       AND ${noForeignRow('term', 'x.parent_id = t.id')}`,
    [runId],
  )
  const removedAuthors = await client.query(
    `${insertedRows('author')} AND NOT EXISTS (SELECT 1 FROM article_author x WHERE x.author_id = t.id)
       AND NOT EXISTS (SELECT 1 FROM article_reference x WHERE x.target_author_id = t.id)`,
    [runId],
  )
  const removedFiles = await client.query(
    `${insertedRows('media_file')}
       AND NOT EXISTS (SELECT 1 FROM article x WHERE x.image_file_id = t.id OR x.pdf_file_id = t.id)
       AND NOT EXISTS (SELECT 1 FROM author x WHERE x.picture_file_id = t.id)`,
    [runId],
  )
  await client.query('DELETE FROM run_change WHERE run_id = $1', [runId])
  return {
    counts,
    kept: {
      article: counts.article.removed - (removedArticles.rowCount ?? 0),
      term: counts.term.removed - (removedTerms.rowCount ?? 0),
      media_file: counts.media_file.removed - (removedFiles.rowCount ?? 0),
      author: counts.author.removed - (removedAuthors.rowCount ?? 0),
      menu_link: counts.menu_link.removed - (removedMenuLinks.rowCount ?? 0),
    },
  }
}

/** The table's columns, read at rollback time: a before-image restores whatever columns it has. */
async function columnsOf(client: pg.ClientBase, table: string): Promise<string[]> {
  const { rows } = await client.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute
     WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
     ORDER BY attnum`,
    [table],
  )
  return rows.map((r) => r.attname)
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/** Bytes the undo log takes (table and index), for `dhm status`. */
export async function runChangeBytes(db: pg.ClientBase | pg.Pool): Promise<number> {
  const { rows } = await db.query<{ bytes: string | null }>(
    "SELECT pg_total_relation_size(to_regclass('run_change'))::text AS bytes",
  )
  return Number(rows[0]?.bytes ?? 0)
}

/**
 * Remove the undo logs of runs started more than `days` days ago, and mark those runs
 * (params.undoPruned) so that `dhm rollback` says why it cannot undo them. Returns the log rows removed.
 */
export async function pruneRunChanges(db: pg.ClientBase | pg.Pool, days: number): Promise<number> {
  const { rows } = await db.query<{ removed: number }>(
    `WITH old AS (
       SELECT id FROM migration_run
       WHERE command IN ('migrate', 'migrate-range', 'sync', 'release') AND started_at < now() - make_interval(days => $1)
     ), marked AS (
       UPDATE migration_run SET params = params || jsonb_build_object('undoPruned', now())
       WHERE id IN (SELECT id FROM old) AND status <> 'rolled-back' AND NOT params ? 'undoPruned'
     ), removed AS (
       DELETE FROM run_change WHERE run_id IN (SELECT id FROM old) RETURNING 1
     )
     SELECT count(*)::int AS removed FROM removed`,
    [days],
  )
  return rows[0]?.removed ?? 0
}

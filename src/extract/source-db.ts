import type { Connection as CoreConnection } from 'mysql2'
import mysql, { type RowDataPacket } from 'mysql2/promise'
import { isPlainDatabaseName } from '../config/connections.js'
import { redactUrl } from '../config/redact.js'
import { SourceQueryError } from '../errors.js'
import { prefixTables, type TablePrefix } from './table-prefix.js'

export type SourcePool = mysql.Pool
export type SourceConnection = mysql.PoolConnection

/**
 * A small mysql2 pool for the legacy database. Everything the tool does there is a SELECT, so a
 * user with SELECT privileges only is enough (and recommended). Source queries write tables in
 * braces (`{node}`): the pool qualifies them with the site's `tablePrefix` (prefixTables) before
 * the usual `?` formatting, whichever command sends them.
 */
export function createSourcePool(url: string, connectionLimit = 4, tablePrefix?: TablePrefix): SourcePool {
  return mysql.createPool({
    // The pool's own formatting (mysql.format, `?` placeholders) after the table names.
    queryFormat: (sql: string, values: Parameters<typeof mysql.format>[1]) =>
      mysql.format(prefixTables(sql, tablePrefix), values),
    uri: url,
    connectionLimit,
    charset: 'utf8mb4_general_ci',
    supportBigNumbers: true,
    bigNumberStrings: false,
    dateStrings: true,
    // Drupal keeps text in longtext/longblob; decode blobs as text where we read them explicitly.
    typeCast: true,
  })
}

/**
 * A connection inside a read-only transaction with a consistent snapshot: every batch of a run
 * sees the database as it was when the run started, even while editors keep publishing.
 */
export async function openSnapshot(pool: SourcePool, url: string): Promise<SourceConnection> {
  return (await openClockedSnapshot(pool, url)).conn
}

/**
 * {@link openSnapshot}, with the source server's clock (UNIX_TIMESTAMP(), whole seconds) read just
 * before the snapshot opens: every transaction the snapshot does not see committed at or after
 * it. A sync records it to tell later which tables changed since (see sync-scans.ts).
 */
export async function openClockedSnapshot(
  pool: SourcePool,
  url: string,
): Promise<{ readonly conn: SourceConnection; readonly openedAt: number }> {
  let conn: SourceConnection
  try {
    conn = await pool.getConnection()
  } catch (cause) {
    throw explainSourceError(cause, url)
  }
  try {
    await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT UNIX_TIMESTAMP() AS now')
    const openedAt = Math.floor(Number(rows[0]?.now))
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')
    return { conn, openedAt }
  } catch (cause) {
    conn.release()
    throw explainSourceError(cause, url)
  }
}

/** Run one SELECT on the source; a failure becomes the one line `explainSourceError` gives. */
export async function querySource<T>(
  conn: SourceConnection,
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  try {
    const [rows] = await conn.query(sql, params)
    return rows as T[]
  } catch (cause) {
    throw explainSourceError(cause, url)
  }
}

/**
 * Run one SELECT on the source and hand each row to `onRow` as it arrives, instead of collecting the
 * result first (querySource): for the big per-batch reads, whose rows are dropped once read.
 * `onRow` must not throw. A failure becomes the one line `explainSourceError` gives.
 */
export function streamSource(
  conn: SourceConnection,
  url: string,
  sql: string,
  params: unknown[],
  onRow: (row: RowDataPacket) => void,
): Promise<void> {
  // The promise wrapper's underlying connection (its `connection`, typed as the wrapper by mysql2).
  const core = (conn as unknown as { connection: CoreConnection }).connection
  return new Promise((resolve, reject) => {
    core
      .query(sql, params)
      .on('result', (row) => onRow(row as RowDataPacket))
      .on('error', (cause) => reject(explainSourceError(cause, url)))
      .on('end', () => resolve())
  })
}

/**
 * How many nodes of the bundles a run reads: all of them, those among `ids`, or those after
 * `afterNid` (a resumed pass). The total that progress lines and summaries count against.
 */
export async function countBundleNodes(
  conn: SourceConnection,
  url: string,
  bundles: readonly string[],
  where: {
    readonly ids?: readonly number[] | null
    readonly afterNid?: number
    readonly throughNid?: number
  } = {},
): Promise<number> {
  const { ids, afterNid = 0, throughNid = 4_294_967_295 } = where
  const rows = await querySource<{ n: number | string }>(
    conn,
    url,
    `SELECT COUNT(*) AS n FROM {node} WHERE type IN (?) AND nid > ? AND nid <= ?${ids ? ' AND nid IN (?)' : ''}`,
    ids ? [bundles, afterNid, throughNid, ids.length ? ids : [0]] : [bundles, afterNid, throughNid],
  )
  return Number(rows[0]?.n ?? 0)
}

/** End the snapshot transaction and give the connection back. */
export async function closeSnapshot(conn: SourceConnection): Promise<void> {
  try {
    await conn.query('COMMIT')
  } finally {
    conn.release()
  }
}

/** Turn a mysql2 error into one line that says what failed and what to do, without the password. */
export function explainSourceError(cause: unknown, url: string): SourceQueryError {
  const e = cause as { code?: string; message?: string }
  const where = `the Drupal database at ${redactUrl(url)}`
  const hint = 'Check --source or DRUPAL_DATABASE_URL.'
  const msg = (() => {
    switch (e.code) {
      case 'ECONNREFUSED':
        return `cannot connect to ${where}: connection refused. Is MariaDB/MySQL running? ${hint}`
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `cannot resolve the host of ${where}. ${hint}`
      case 'ER_ACCESS_DENIED_ERROR':
        return `access denied to ${where}: wrong user or password. ${hint}`
      // The password was accepted; the user has no privilege on this database.
      case 'ER_DBACCESS_DENIED_ERROR':
        return `access denied to ${where}: the user logged in but may not read this database. Grant it SELECT (${grantFor(url)}) or ${hint.charAt(0).toLowerCase()}${hint.slice(1)}`
      // No password given: the user does not exist, or it needs one.
      case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
        return `access denied to ${where}: wrong user or password (the URL gives no password). ${hint}`
      case 'ER_BAD_DB_ERROR':
        return `${where} does not exist. Create it (or run "npm run fixture -- --database ${fixtureName(url)}" for a sample) or fix the database name. ${hint}`
      case 'ER_NO_SUCH_TABLE':
        return `${where} lacks a table the mapping needs: ${e.message}. Is this a Drupal 7 database? Run "dhm check".`
      default:
        return `query on ${where} failed: ${e.code ?? ''} ${e.message ?? String(cause)}`.trim()
    }
  })()
  return new SourceQueryError(msg, { cause })
}

/** Quote a MySQL identifier that was already checked against the live schema. */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``
}

/** The GRANT the README's first step gives, for the user and database of `url`. */
function grantFor(url: string): string {
  try {
    const u = new URL(url)
    const user = decodeURIComponent(u.username) || 'USER'
    const db = decodeURIComponent(u.pathname.slice(1)) || 'drupal'
    return `GRANT SELECT ON \`${db}\`.* TO '${user}'@'%';`
  } catch {
    return "GRANT SELECT ON drupal.* TO 'USER'@'%';"
  }
}

/** The URL's database name when the fixture generator accepts it, else a placeholder. */
function fixtureName(url: string): string {
  try {
    const db = decodeURIComponent(new URL(url).pathname.slice(1))
    return isPlainDatabaseName(db) ? db : 'NAME'
  } catch {
    return 'NAME'
  }
}

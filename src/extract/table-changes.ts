import type { RowDataPacket } from 'mysql2/promise'
import { querySource, type SourceConnection } from './source-db.js'
import { prefixedTable, type TablePrefix } from './table-prefix.js'

/**
 * When each of Drupal's `tables` last changed, as the server knows it: UNIX_TIMESTAMP of
 * information_schema.TABLES.UPDATE_TIME, by Drupal table name; null when the server does not know
 * (InnoDB keeps it in memory only: NULL after a restart, or once the table left its data dictionary
 * cache, until the next write) or the table does not exist.
 *
 * What it means, measured on MariaDB 10.11 (and what InnoDB's source says): an INSERT, UPDATE or
 * DELETE that commits sets it; one rolled back does not, nor does an UPDATE that matched no row;
 * `ALTER TABLE … FORCE` makes it NULL. The value is the start time of the last committing
 * transaction (its first access to InnoDB), not of its commit, and the last commit wins: a
 * transaction that ran for N seconds leaves a time N seconds before its commit. A sync therefore
 * only trusts it with the same margin as its high-water mark (`--overlap`, see sync-scans.ts).
 *
 * Read in UTC (the session's time zone is set to +00:00 for the query and put back): in a zone
 * with daylight saving time, UNIX_TIMESTAMP of a DATETIME of the repeated hour is ambiguous. MySQL
 * 8 caches these columns (information_schema_stats_expiry, a day by default): the session's cache
 * is turned off first where the variable exists.
 */
export async function readTableChangeTimes(
  conn: SourceConnection,
  url: string,
  prefix: TablePrefix | undefined,
  tables: readonly string[],
): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>(tables.map((t) => [t, null]))
  if (tables.length === 0) return out
  const real = new Map(tables.map((t) => [prefixedTable(prefix, t), t]))
  const expiry = await querySource<RowDataPacket>(
    conn,
    url,
    "SHOW SESSION VARIABLES LIKE 'information_schema_stats_expiry'",
  )
  if (expiry.length > 0 && Number(expiry[0]?.Value) !== 0) {
    await querySource(conn, url, 'SET SESSION information_schema_stats_expiry = 0')
  }
  await querySource(conn, url, "SET @dhm_time_zone = @@session.time_zone, time_zone = '+00:00'")
  try {
    const rows = await querySource<RowDataPacket>(
      conn,
      url,
      `SELECT TABLE_NAME AS name, UNIX_TIMESTAMP(UPDATE_TIME) AS changed FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)`,
      [[...real.keys()]],
    )
    for (const r of rows) {
      const table = real.get(String(r.name))
      if (table !== undefined) out.set(table, r.changed === null ? null : Math.floor(Number(r.changed)))
    }
  } finally {
    await querySource(conn, url, 'SET time_zone = @dhm_time_zone')
  }
  return out
}

/**
 * pgloader as a peer of `dhm migrate` (bench/run.ts, issue #19): the same source tables copied
 * MariaDB → Postgres by the tool DBAs reach for, tables and indexes as pgloader makes them, no
 * transformation. Its defaults run out of heap at 100k articles: it needs a bigger dynamic space
 * (`--dynamic-space-size`, an SBCL runtime option) and `prefetch rows = 10000`.
 */
import { execFileSync } from 'node:child_process'
import mysql from 'mysql2/promise'
import pg from 'pg'

/** The Debian package, named when the binary is missing. */
export const PGLOADER_PACKAGE = 'pgloader'

/** MB of heap for pgloader's Lisp image (its default is too small at 100k articles). */
export const PGLOADER_HEAP_MB = 4096

/** Whether a pgloader binary is on the PATH. */
export function hasPgloader(): boolean {
  try {
    execFileSync('pgloader', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** The arguments of the child process that runs the command file. */
export const pgloaderArgs = (commandFile: string) => [
  '--dynamic-space-size',
  String(PGLOADER_HEAP_MB),
  commandFile,
]

/**
 * The load command: `tables` of `sourceUrl` into the public schema of `targetUrl` (an empty
 * database), with pgloader's usual table, index and sequence handling.
 */
export function pgloaderCommand(sourceUrl: string, targetUrl: string, tables: readonly string[]): string {
  const database = decodeURIComponent(new URL(sourceUrl).pathname.slice(1))
  const quote = (s: string) => `'${s.replace(/'/g, "''")}'`
  return `LOAD DATABASE
  FROM ${sourceUrl}
  INTO ${targetUrl}
WITH include drop, create tables, create indexes, reset sequences, foreign keys,
     prefetch rows = 10000
INCLUDING ONLY TABLE NAMES MATCHING ${tables.map(quote).join(', ')}
ALTER SCHEMA ${quote(database)} RENAME TO 'public';
`
}

/**
 * Tables whose row count in the copy differs from the source (empty: pgloader copied everything).
 * Counts are read after the load, from both sides.
 */
export async function compareRowCounts(
  sourceUrl: string,
  targetUrl: string,
  tables: readonly string[],
): Promise<{ rows: number; mismatches: string[] }> {
  const source = await mysql.createConnection({ uri: sourceUrl })
  const target = new pg.Client({ connectionString: targetUrl })
  await target.connect()
  try {
    let rows = 0
    const mismatches: string[] = []
    for (const t of tables) {
      const [[s]] = (await source.query(`SELECT COUNT(*) AS n FROM \`${t}\``)) as unknown as [{ n: number }[]]
      const expected = Number(s?.n ?? 0)
      const copied = await target
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM public.${pg.escapeIdentifier(t)}`)
        .then((r) => r.rows[0]?.n ?? 0)
        .catch(() => -1)
      rows += Math.max(copied, 0)
      if (copied !== expected) mismatches.push(`${t}: ${copied < 0 ? 'missing' : copied} of ${expected}`)
    }
    return { rows, mismatches }
  } finally {
    await source.end()
    await target.end()
  }
}

import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import pg from 'pg'
import { redactSecrets, redactValues } from '../config/redact.js'
import { InternalError } from '../errors.js'
import { explainTargetError, openTarget, withSessionSettings } from './target-db.js'

/** What a run counted, stored as JSON: RunCounts (report/run-stats.ts) for migrate and sync, its own summary for `dhm files`. */
export type RecordedCounts = object

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted'

/**
 * The first key of every run's advisory lock, `pg_advisory_lock(RUN_LOCK_NAMESPACE, <run id>)`
 * ('dhmr'). Two-int advisory locks show in pg_locks as classid = this, objid = the run id,
 * objsubid = 2, so they never collide with the sync lock (one bigint key, objsubid = 1).
 */
export const RUN_LOCK_NAMESPACE = 0x64686d72

/**
 * Session settings of a run's own connection. The server probes an idle client every 10 s after
 * 30 s of silence and drops it after 3 missed answers, so a run whose host lost power or its
 * network frees its lock (and shows as interrupted) within about a minute, not after the kernel's
 * two hours. Its statements are short: none waits on a lock for more than 2 s.
 */
export const LIVENESS_SESSION_SETTINGS = {
  tcp_keepalives_idle: '30',
  tcp_keepalives_interval: '10',
  tcp_keepalives_count: '3',
  lock_timeout: '2s',
} as const

/**
 * SQL true when the run of migration_run row `<alias>` is alive: its process still holds the run's
 * advisory lock. (pg_locks is readable by every role, so `dhm status` can tell.)
 */
export function runIsAliveSql(alias: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = ${RUN_LOCK_NAMESPACE}::oid AND l.objid = ${alias}.id::oid)`
}

/** A run recorded in migration_run whose process is alive, as its advisory lock proves. */
export interface RunHandle {
  readonly id: number
  /**
   * Record the run as interrupted at once, from the run's own idle connection (a second Ctrl-C:
   * the batch in progress is abandoned). Best effort: waits at most 2 s on a row lock; rejects with
   * the reason when it could not. `counts`: what the committed batches counted, when the run does
   * not record them itself as it goes. False when the run had already recorded its outcome.
   */
  recordInterrupted(counts?: RecordedCounts): Promise<boolean>
  /** Close the run's connection, which frees its lock. Call after {@link finishRun}. */
  release(): Promise<void>
}

/**
 * Record the start of a run in migration_run (the history `dhm status` shows) and hold its advisory
 * lock on a connection of its own for as long as the process lives.
 *
 * Why a lock, not a pid and a heartbeat: a pid means nothing on another host and may be reused, and
 * a heartbeat needs a threshold that a slow batch can cross. A session lock is held exactly as long
 * as the run's connection: when the process dies (kill -9, OOM, power loss: see the keepalives
 * above) Postgres frees it, so "running without its lock" proves the run is dead. The row is
 * inserted and the lock taken in one transaction: no one ever sees the row without its lock.
 */
export async function startRun(
  targetUrl: string,
  site: string,
  command: string,
  params: Record<string, unknown>,
): Promise<RunHandle> {
  const client = new pg.Client({
    ...withSessionSettings(targetUrl, LIVENESS_SESSION_SETTINGS),
    application_name: `dhm ${command} ${site}`,
  })
  // Without a listener a dropped connection (server restart) would crash the process. The run goes
  // on (its batches reconnect); until it ends it shows as interrupted, then finishRun corrects it.
  client.on('error', () => undefined)
  let id: number
  try {
    await client.connect()
    await client.query('BEGIN')
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO migration_run (site, command, status, params) VALUES ($1, $2, 'running', $3::jsonb)
       RETURNING id`,
      [site, command, JSON.stringify(redactValues(params))],
    )
    const row = rows[0]
    if (!row) throw new InternalError('INSERT INTO migration_run … RETURNING id returned no row')
    id = row.id
    // Session-level: it outlives the COMMIT, and goes with the connection.
    await client.query('SELECT pg_advisory_lock($1, $2)', [RUN_LOCK_NAMESPACE, id])
    await client.query('COMMIT')
  } catch (cause) {
    await client.end().catch(() => undefined)
    throw cause instanceof InternalError ? cause : explainTargetError(cause, targetUrl)
  }
  let released = false
  let recording: Promise<boolean> | null = null
  return {
    id,
    recordInterrupted(counts) {
      if (released) return Promise.resolve(false)
      recording ??= client
        .query(
          `UPDATE migration_run SET status = 'interrupted', finished_at = now(),
             counts = COALESCE($2::jsonb, counts)
           WHERE id = $1 AND status = 'running'`,
          [id, counts ? JSON.stringify(counts) : null],
        )
        .then((result) => result.rowCount === 1)
      return recording
    },
    async release() {
      released = true
      // A recording in flight finishes first (it shares the connection).
      await recording?.catch(() => undefined)
      await client.end().catch(() => undefined)
    },
  }
}

/**
 * Record a run's outcome. Plain SQL on the run's pool, not the Prisma client: this was dhm's only
 * Prisma query, and the client's first query costs about 0.45 CPU-s (it instantiates Prisma's
 * query compiler, a WebAssembly module), a quarter of what a sync that finds nothing costs in all.
 */
export async function finishRun(
  db: Pick<pg.Pool, 'query'>,
  id: number,
  status: RunStatus,
  /** What the command counted (RecordedCounts). */
  counts: RecordedCounts,
  extra: { highWaterMark?: number | null; error?: string } = {},
): Promise<void> {
  const recorded = { ...counts, ...(extra.error ? { error: redactSecrets(extra.error) } : {}) }
  const setMark = extra.highWaterMark !== undefined
  await db.query(
    `UPDATE migration_run SET status = $2, finished_at = now(), counts = $3::jsonb
       ${setMark ? ', high_water_mark = $4' : ''}
     WHERE id = $1`,
    [id, status, JSON.stringify(recorded), ...(setMark ? [extra.highWaterMark] : [])],
  )
}

/** Add keys to a run's params (what the next sync compares with: see readSyncBaseline). */
export async function addRunParams(
  pool: pg.Pool,
  id: number,
  params: Record<string, unknown>,
): Promise<void> {
  await pool.query('UPDATE migration_run SET params = params || $2::jsonb WHERE id = $1', [
    id,
    JSON.stringify(params),
  ])
}

/**
 * Runs still `running` whose process is gone (no one holds their lock: killed, crashed, or a host
 * that went down) become `interrupted`. Called by migrate and sync before they start; safe beside
 * live runs of any command and site, whose locks are held.
 */
export async function markDeadRuns(pool: pg.Pool): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE migration_run r SET status = 'interrupted'
     WHERE r.status = 'running' AND NOT ${runIsAliveSql('r')}`,
  )
  return rowCount ?? 0
}

/**
 * The mapping a run ran with, as migration_run.params records it: the file as it was given, the
 * sha256 of its bytes (its fingerprint) and the bundles it read. Null where a run did not record
 * it (migrate runs recorded only the file before the fingerprint and bundles were added).
 */
export interface RunMapping {
  readonly file: string | null
  readonly hash: string | null
  readonly bundles: readonly string[] | null
}

/** What a migrate or sync records about its mapping in migration_run.params (see {@link RunMapping}). */
export async function mappingParams(
  file: string,
  bundles: readonly string[],
): Promise<{ mapping: string; mappingHash: string; bundles: readonly string[] }> {
  const mappingHash = createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
  return { mapping: file, mappingHash, bundles }
}

/** The columns of a migration_run row that {@link runMappingOf} reads. */
export const RUN_MAPPING_COLUMNS =
  "params->>'mapping' AS mapping_file, params->>'mappingHash' AS mapping_hash, params->'bundles' AS bundles"

export interface RunMappingColumns {
  mapping_file: string | null
  mapping_hash: string | null
  bundles: string[] | null
}

export function runMappingOf(row: RunMappingColumns): RunMapping {
  return { file: row.mapping_file, hash: row.mapping_hash, bundles: row.bundles }
}

/**
 * Whether `run` ran another mapping file than `current`: another path (both resolved against the
 * working directory, as the files were given) with other bytes. The same file edited is the same
 * mapping changed, not another one; an identical copy writes identical rows. A run that recorded
 * no file cannot be told apart: not another mapping.
 */
export function isAnotherMapping(run: RunMapping, current: RunMapping): boolean {
  if (run.file === null || current.file === null) return false
  if (run.hash !== null && run.hash === current.hash) return false
  return resolve(run.file) !== resolve(current.file)
}

/** The newest run of a site by another mapping (see {@link findRunOfAnotherMapping}). */
export interface OtherMappingRun {
  readonly id: number
  readonly command: string
  readonly status: RunStatus
  readonly startedAt: Date
  readonly mapping: RunMapping
}

/**
 * The newest migrate or sync of `site` on this target that ran another mapping than `current`
 * (see {@link isAnotherMapping}); null when there is none, or no run log yet (a target without the
 * schema). Read only. A run left running by a process that died shows as interrupted.
 */
export async function findRunOfAnotherMapping(
  db: pg.Pool | pg.ClientBase,
  site: string,
  current: RunMapping,
): Promise<OtherMappingRun | null> {
  const { rows: table } = await db.query<{ exists: boolean }>(
    "SELECT to_regclass('migration_run') IS NOT NULL AS exists",
  )
  if (!table[0]?.exists) return null
  // The newest run of each (file, fingerprint) recorded for the site: a handful of rows.
  const { rows } = await db.query<
    RunMappingColumns & { id: number; command: string; status: RunStatus; started_at: Date }
  >(
    `SELECT DISTINCT ON (params->>'mapping', params->>'mappingHash') id, command,
       CASE WHEN status = 'running' AND NOT ${runIsAliveSql('r')} THEN 'interrupted' ELSE status END AS status,
       started_at, ${RUN_MAPPING_COLUMNS}
     FROM migration_run r
     WHERE site = $1 AND command IN ('migrate', 'sync')
     ORDER BY params->>'mapping', params->>'mappingHash', id DESC`,
    [site],
  )
  const other = rows
    .filter((row) => isAnotherMapping(runMappingOf(row), current))
    .sort((a, b) => b.id - a.id)[0]
  if (!other) return null
  return {
    id: other.id,
    command: other.command,
    status: other.status,
    startedAt: other.started_at,
    mapping: runMappingOf(other),
  }
}

/** The sites that have runs in this target, for saying which exist when a command finds none of its own (status --site, export). */
export async function readRunSites(targetUrl: string): Promise<string[]> {
  const target = await openTarget(targetUrl)
  try {
    const { rows } = await target.pool
      .query<{ site: string }>('SELECT DISTINCT site FROM migration_run ORDER BY site')
      .catch((error: unknown) => {
        throw explainTargetError(error, targetUrl)
      })
    return rows.map((r) => r.site)
  } finally {
    await target.close()
  }
}

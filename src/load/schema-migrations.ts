// Applies prisma/migrations to the target Postgres database exactly the way `prisma migrate deploy` does,
// without Prisma's native schema engine (which cannot be downloaded on every machine). Because the bookkeeping is byte-for-byte Prisma's (same advisory lock,
// same _prisma_migrations table and checksums), a database migrated by this module is later accepted
// by the real `prisma migrate deploy`, and the other way round.

import { createHash, randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import {
  FailedMigrationPresentError,
  MigrationApplyError,
  MigrationChecksumMismatchError,
  MigrationsDirectoryError,
  SchemaNotEmptyError,
} from './schema-migration-errors.js'
import { explainTargetError, isPostgresError } from './target-db.js'

/** The advisory lock key Prisma's schema engine takes on Postgres for every migrate command. */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369

/** Prisma's own DDL for its bookkeeping table (Postgres connector), character for character. */
const MIGRATIONS_TABLE_DDL = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`

/** One migration folder from disk. */
export interface MigrationOnDisk {
  /** Folder name, e.g. `20261127000000_init`; migrations run in byte order of these names. */
  name: string
  /** Absolute path of its migration.sql. */
  file: string
  /** The script, exactly as stored. */
  sql: string
  /** Lowercase hex sha256 of the migration.sql bytes: what Prisma stores in `_prisma_migrations.checksum`. */
  checksum: string
}

/**
 * The package's own `prisma/migrations`, resolved from this file rather than from the working directory,
 * so `dhm` applies the migrations it ships with no matter where it is started from (and no absolute
 * machine path ends up in the code).
 */
export function defaultMigrationsDir(): string {
  return fileURLToPath(new URL('../../prisma/migrations', import.meta.url))
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/**
 * Reads every `<name>/migration.sql` below `dir`, sorted by folder name.
 *
 * Why sort by byte order: Prisma sorts migration folder names as Rust strings (bytewise), and the
 * timestamp prefix makes that the authoring order; `localeCompare` could differ for names with `_`/case.
 * The checksum is taken over the raw bytes (not the decoded text) because that is what Prisma hashes.
 */
export async function readMigrationsDirectory(
  dir: string = defaultMigrationsDir(),
): Promise<MigrationOnDisk[]> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    throw new MigrationsDirectoryError(dir, (error as Error).message, { cause: error })
  }
  const lock = entries.find((e) => e.isFile() && e.name === 'migration_lock.toml')
  if (lock) {
    const toml = await readFile(path.join(dir, lock.name), 'utf8')
    const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(toml)?.[1]
    if (provider !== undefined && provider !== 'postgresql') {
      throw new MigrationsDirectoryError(
        dir,
        `migration_lock.toml says provider = "${provider}", but these migrations are applied to PostgreSQL`,
      )
    }
  }
  const names = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const migrations: MigrationOnDisk[] = []
  for (const name of names) {
    const file = path.join(dir, name, 'migration.sql')
    let bytes: Buffer
    try {
      bytes = await readFile(file)
    } catch (error) {
      throw new MigrationsDirectoryError(
        dir,
        `${name} has no readable migration.sql (${(error as Error).message})`,
        {
          cause: error,
        },
      )
    }
    migrations.push({ name, file, sql: bytes.toString('utf8'), checksum: sha256Hex(bytes) })
  }
  return migrations
}

/** Prisma accepts a script whose line endings were converted by git (CRLF <-> LF) as unchanged. */
function checksumMatches(migration: MigrationOnDisk, stored: string): boolean {
  if (migration.checksum === stored) return true
  const converted = migration.sql.includes('\r\n')
    ? migration.sql.replaceAll('\r\n', '\n')
    : migration.sql.replaceAll('\n', '\r\n')
  return sha256Hex(Buffer.from(converted, 'utf8')) === stored
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file)
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file
}

interface MigrationRow {
  id: string
  checksum: string
  finished_at: Date | null
  migration_name: string
  logs: string | null
  rolled_back_at: Date | null
  started_at: Date
}

interface Plan {
  hasTable: boolean
  pending: MigrationOnDisk[]
  alreadyApplied: number
  unknownApplied: string[]
}

async function hasMigrationsTable(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = '_prisma_migrations'`,
  )
  return rows.length > 0
}

/** Objects that make Prisma call a schema "not empty" (tables, views, sequences, enums). */
async function existingObjects(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     UNION ALL
     SELECT t.typname AS name
       FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = current_schema() AND t.typtype = 'e'
     ORDER BY name`,
  )
  return rows.map((r) => r.name)
}

/**
 * Is the connection's schema one dhm may migrate? True when it has a migration history, false when it
 * is empty; throws {@link SchemaNotEmptyError} (Prisma P3005) when it holds other objects and no
 * history. Read only: `dhm check --target` asks it too, so it reports what migrate would refuse.
 */
export async function assertSchemaIsDhms(client: pg.ClientBase): Promise<boolean> {
  if (await hasMigrationsTable(client)) return true
  const objects = await existingObjects(client)
  if (objects.length > 0) throw new SchemaNotEmptyError(objects)
  return false
}

/**
 * Works out what a deploy would do, refusing the same situations Prisma refuses (P3005, P3009) plus an
 * edited applied migration. Read-only: safe for `--dry-run` and used under the lock by `applyMigrations`.
 */
async function planMigrations(client: pg.ClientBase, migrations: MigrationOnDisk[]): Promise<Plan> {
  if (!(await assertSchemaIsDhms(client))) {
    return { hasTable: false, pending: migrations, alreadyApplied: 0, unknownApplied: [] }
  }
  const { rows } = await client.query<MigrationRow>(
    'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at ' +
      'FROM _prisma_migrations ORDER BY started_at ASC',
  )
  const live = rows.filter((r) => r.rolled_back_at === null)
  const failed = live.find((r) => r.finished_at === null)
  if (failed) throw new FailedMigrationPresentError(failed.migration_name, failed.started_at, failed.logs)

  const appliedByName = new Map(live.map((r) => [r.migration_name, r]))
  const pending: MigrationOnDisk[] = []
  let alreadyApplied = 0
  for (const migration of migrations) {
    const row = appliedByName.get(migration.name)
    if (!row) {
      pending.push(migration)
      continue
    }
    if (!checksumMatches(migration, row.checksum)) {
      throw new MigrationChecksumMismatchError(
        migration.name,
        displayPath(migration.file),
        row.checksum,
        migration.checksum,
      )
    }
    alreadyApplied++
  }
  const onDisk = new Set(migrations.map((m) => m.name))
  const unknownApplied = [...appliedByName.keys()].filter((name) => !onDisk.has(name))
  return { hasTable: true, pending, alreadyApplied, unknownApplied }
}

/** Renders a failed script the way Prisma's `logs` column does: code, message, and where it happened. */
function renderFailure(migration: MigrationOnDisk, error: unknown): string {
  const e = error as Partial<pg.DatabaseError> & Error
  const lines = [`Migration \`${migration.name}\` failed to apply cleanly to the database.`]
  if (e.code) lines.push(`Database error code: ${e.code}`)
  lines.push('', 'Database error:', `ERROR: ${e.message}`)
  if (e.detail) lines.push(`DETAIL: ${e.detail}`)
  if (e.hint) lines.push(`HINT: ${e.hint}`)
  const position = Number(e.position)
  if (Number.isInteger(position) && position > 0) {
    const before = migration.sql.slice(0, position - 1)
    const lineNo = before.split('\n').length
    const text = migration.sql.split('\n')[lineNo - 1] ?? ''
    lines.push('', `Position: ${displayPath(migration.file)} line ${lineNo}:`, `  ${text.trimEnd()}`)
  }
  return lines.join('\n')
}

/**
 * Brings the database up to date with prisma/migrations, doing exactly what `prisma migrate deploy`
 * does on Postgres.
 *
 * Why not call Prisma: `migrate deploy` needs the native schema-engine binary, which cannot be
 * downloaded on every machine (offline CI, locked-down servers), while a fresh clone must still get a
 * working schema from `dhm` itself. Why copy Prisma's bookkeeping exactly instead of inventing our own:
 * so that the same database can later be handed to the real `prisma migrate deploy` / `migrate status`
 * (which only trust `_prisma_migrations`), and a database Prisma migrated is accepted here.
 *
 * What it does, in Prisma's order: takes `pg_advisory_lock(72707369)` on one connection for the whole
 * run (so two concurrent deploys serialize and each migration runs once), creates `_prisma_migrations`
 * with Prisma's DDL if missing, then per pending migration in name order inserts a row (uuid v4,
 * checksum, applied_steps_count 0), runs migration.sql as one multi-statement script, and sets
 * applied_steps_count + 1 and finished_at. Unlike Prisma, these steps share one transaction (unless the
 * script controls transactions itself), so a killed run never leaves a half-recorded migration. A failing script leaves its row with finished_at NULL and the
 * error in `logs`, then throws {@link MigrationApplyError}; later runs refuse with
 * {@link FailedMigrationPresentError} (P3009) until someone resolves it, as Prisma does.
 *
 * Refuses without changing anything when the schema has objects but no `_prisma_migrations`
 * ({@link SchemaNotEmptyError}, P3005), or when an applied migration.sql was edited
 * ({@link MigrationChecksumMismatchError}; Prisma's deploy would silently ignore that, but then the
 * database no longer matches what the migrations say).
 *
 * The script runs outside an explicit transaction (like Prisma); Postgres runs a multi-statement simple
 * query atomically unless the script itself uses BEGIN/COMMIT or statements like CREATE INDEX
 * CONCURRENTLY. Objects are created in the connection's current schema (search_path), Prisma's `?schema=`.
 */
export async function applyMigrations(
  pool: pg.Pool,
  opts: { migrationsDir?: string; log?: (line: string) => void } = {},
): Promise<{ applied: string[]; alreadyApplied: number }> {
  const dir = opts.migrationsDir ?? defaultMigrationsDir()
  const log = opts.log ?? (() => {})
  const migrations = await readMigrationsDirectory(dir)
  log(`${migrations.length} migration${migrations.length === 1 ? '' : 's'} found in ${displayPath(dir)}`)

  const client = await pool.connect()
  let connectionBroken = false
  // A session killed between statements is reported as an 'error' event, which must not crash the process.
  const onError = () => {
    connectionBroken = true
  }
  client.on('error', onError)
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY])
    try {
      const plan = await planMigrations(client, migrations)
      for (const name of plan.unknownApplied) {
        log(`warning: migration ${name} is applied to the database but missing from ${displayPath(dir)}`)
      }
      if (!plan.hasTable) await client.query(MIGRATIONS_TABLE_DDL)
      if (plan.pending.length === 0) log('No pending migrations to apply.')
      const applied: string[] = []
      for (const migration of plan.pending) {
        log(`Applying migration \`${migration.name}\``)
        if (canRunInTransaction(migration.sql)) await applyAtomically(client, migration)
        else await applyLikePrisma(client, migration)
        applied.push(migration.name)
      }
      if (applied.length > 0) log(`All ${applied.length} pending migration(s) applied.`)
      return { applied, alreadyApplied: plan.alreadyApplied }
    } finally {
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY])
      } catch {
        // Closing the session releases the lock; make sure the pool does not reuse it.
        connectionBroken = true
      }
    }
  } finally {
    client.off('error', onError)
    client.release(connectionBroken || undefined)
  }
}

const INSERT_ROW =
  'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)'
const COUNT_STEP = 'UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1 WHERE id = $1'
const FINISH_ROW = 'UPDATE _prisma_migrations SET finished_at = now() WHERE id = $1'

/**
 * Scripts with their own transaction control or statements Postgres refuses inside a transaction block.
 * Dollar-quoted bodies (a plpgsql function's BEGIN … END) are not looked at.
 */
export function canRunInTransaction(sql: string): boolean {
  return !/\b(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|CONCURRENTLY|VACUUM|ALTER\s+SYSTEM|(CREATE|DROP)\s+(DATABASE|TABLESPACE))\b/i.test(
    sql.replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, "''"),
  )
}

/**
 * The bookkeeping row, the script and finished_at in one transaction, so a run killed at any point
 * (kill -9, a lost connection) leaves either nothing or the whole migration, never a started row that
 * Prisma reads as failed (P3009) and that would need `prisma migrate resolve` by hand. The end states are
 * Prisma's: a finished row, or after a failing script, a row with the error in `logs` and nothing applied.
 */
async function applyAtomically(client: pg.PoolClient, migration: MigrationOnDisk): Promise<void> {
  const id = randomUUID()
  let scriptError: { error: unknown } | null = null
  await client.query('BEGIN')
  try {
    await client.query(INSERT_ROW, [id, migration.checksum, migration.name])
    try {
      await client.query(migration.sql)
    } catch (error) {
      scriptError = { error }
      throw error
    }
    await client.query(COUNT_STEP, [id])
    await client.query(FINISH_ROW, [id])
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    const failed = scriptError as { error: unknown } | null // set inside the try; TS cannot see it
    if (failed === null) throw error
    const logs = renderFailure(migration, failed.error)
    await client.query(INSERT_ROW, [id, migration.checksum, migration.name])
    await recordFailure(client, id, logs)
    throw new MigrationApplyError(migration.name, logs, { cause: failed.error })
  }
}

/** Prisma's own sequence, for scripts that manage transactions themselves: each step commits on its own. */
async function applyLikePrisma(client: pg.PoolClient, migration: MigrationOnDisk): Promise<void> {
  const id = randomUUID()
  await client.query(INSERT_ROW, [id, migration.checksum, migration.name])
  try {
    await client.query(migration.sql)
  } catch (error) {
    const logs = renderFailure(migration, error)
    await recordFailure(client, id, logs)
    throw new MigrationApplyError(migration.name, logs, { cause: error })
  }
  await client.query(COUNT_STEP, [id])
  await client.query(FINISH_ROW, [id])
}

/** Stores the failure in `logs`; if the script left an aborted transaction open, roll it back first. */
async function recordFailure(client: pg.PoolClient, id: string, logs: string): Promise<void> {
  const update = () => client.query('UPDATE _prisma_migrations SET logs = $1 WHERE id = $2', [logs, id])
  try {
    await update()
  } catch (error) {
    if ((error as { code?: string }).code !== '25P02') throw error
    await client.query('ROLLBACK')
    await update()
  }
}

/**
 * {@link applyMigrations} before a run writes to `targetUrl`: a database that is not dhm's (P3005)
 * or a Postgres refusal (no privilege to create the tables) becomes one line naming the target
 * (explainTargetError), not a stack trace. Returns the names applied.
 */
export async function applyTargetMigrations(pool: pg.Pool, targetUrl: string): Promise<string[]> {
  try {
    return (await applyMigrations(pool, { log: () => undefined })).applied
  } catch (error) {
    throw error instanceof SchemaNotEmptyError || isPostgresError(error)
      ? explainTargetError(error, targetUrl)
      : error
  }
}

/**
 * Names of the migrations `applyMigrations` would apply, without taking the lock or writing anything.
 *
 * Why it exists: `--dry-run` must tell the operator what will change before anything does; it throws
 * the same refusals (P3005, P3009, edited migration) so a dry run predicts a failing deploy too. The
 * answer can be stale by the time a real run happens if another process migrates in between.
 */
export async function listPendingMigrations(
  pool: pg.Pool,
  dir: string = defaultMigrationsDir(),
): Promise<string[]> {
  const migrations = await readMigrationsDirectory(dir)
  const client = await pool.connect()
  try {
    const plan = await planMigrations(client, migrations)
    return plan.pending.map((m) => m.name)
  } finally {
    client.release()
  }
}

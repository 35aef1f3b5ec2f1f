// Applies prisma/migrations to throw-away databases on the local PostgreSQL (TEST_DATABASE_URL, default
// postgresql://postgres@127.0.0.1:5432/postgres) and checks the bookkeeping matches `prisma migrate deploy`.

import { createHash, randomBytes } from 'node:crypto'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkSchema, prismaMigrationStatus } from '../../scripts/schema-diff.js'
import {
  FailedMigrationPresentError,
  MigrationApplyError,
  MigrationChecksumMismatchError,
  SchemaNotEmptyError,
} from '../../src/load/schema-migration-errors.js'
import {
  applyMigrations,
  defaultMigrationsDir,
  listPendingMigrations,
  readMigrationsDirectory,
} from '../../src/load/schema-migrations.js'
import { uniqueName } from '../helpers/databases.js'

const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

function urlFor(database: string): string {
  const u = new URL(serverUrl)
  u.pathname = `/${database}`
  return u.toString()
}

const admin = new pg.Client({ connectionString: urlFor('postgres') })
const databases: string[] = []
const pools: pg.Pool[] = []
let tmp = ''

/** A fresh, uniquely named database and a pool on it; dropped in afterAll. */
async function freshDatabase(): Promise<pg.Pool> {
  const name = uniqueName('schema')
  await admin.query(`CREATE DATABASE "${name}"`)
  databases.push(name)
  const pool = new pg.Pool({ connectionString: urlFor(name), max: 4 })
  // afterAll terminates the database's sessions: a client still closing then gets a FATAL, which a
  // pool without a listener throws as an uncaught exception (seen once in CI).
  pool.on('error', () => undefined)
  pools.push(pool)
  return pool
}

/** A copy of the real migrations folder that a test may edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = path.join(tmp, randomBytes(4).toString('hex'))
  await cp(defaultMigrationsDir(), dir, { recursive: true })
  return dir
}

beforeAll(async () => {
  await admin.connect()
  tmp = await mkdtemp(path.join(tmpdir(), 'dhm-schema-migrations-'))
})

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()))
  for (const name of databases) {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name])
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`)
  }
  await admin.end()
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

describe('applyMigrations', () => {
  let pool: pg.Pool

  beforeAll(async () => {
    pool = await freshDatabase()
  })

  it('creates the schema and records each migration like prisma migrate deploy', async () => {
    const onDisk = await readMigrationsDirectory()
    expect(onDisk.length).toBeGreaterThan(0)
    expect(await listPendingMigrations(pool)).toEqual(onDisk.map((m) => m.name))

    const lines: string[] = []
    const result = await applyMigrations(pool, { log: (line) => lines.push(line) })
    expect(result).toEqual({ applied: onDisk.map((m) => m.name), alreadyApplied: 0 })
    expect(lines.some((l) => l.includes(onDisk[0]?.name ?? '?'))).toBe(true)

    const { rows: tables } = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    )
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        '_prisma_migrations',
        'article',
        'article_term',
        'media_file',
        'migration_message',
        'migration_run',
        'term',
      ]),
    )

    const { rows } = await pool.query(
      'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, applied_steps_count ' +
        'FROM _prisma_migrations ORDER BY migration_name',
    )
    expect(rows).toHaveLength(onDisk.length)
    for (const [i, migration] of onDisk.entries()) {
      const row = rows[i]
      const bytes = await readFile(path.join(defaultMigrationsDir(), migration.name, 'migration.sql'))
      expect(row.migration_name).toBe(migration.name)
      expect(row.checksum).toBe(createHash('sha256').update(bytes).digest('hex'))
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(row.finished_at).toBeInstanceOf(Date)
      expect(row.logs).toBeNull()
      expect(row.rolled_back_at).toBeNull()
      expect(row.applied_steps_count).toBe(1)
    }
  })

  it("is accepted by Prisma's own schema engine (migrate status: up to date)", {
    timeout: 30_000,
  }, async () => {
    const database = (await pool.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db
    const status = await prismaMigrationStatus(urlFor(database ?? '?'))
    expect(status).toEqual({
      editedMigrationNames: [],
      failedMigrationNames: [],
      hasMigrationsTable: true,
      history: null,
    })
  })

  it('applies nothing the second time', async () => {
    const onDisk = await readMigrationsDirectory()
    expect(await applyMigrations(pool)).toEqual({ applied: [], alreadyApplied: onDisk.length })
    expect(await listPendingMigrations(pool)).toEqual([])
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM _prisma_migrations')
    expect(rows[0].n).toBe(onDisk.length)
  })

  it('leaves what Prisma does not model as the write-cost migration set it: C keys, no text statistics', async () => {
    await applyMigrations(pool)
    const { rows: collations } = await pool.query<{ column: string; collation: string }>(
      `SELECT a.attname AS column, c.collname AS collation FROM pg_attribute a
       JOIN pg_collation c ON c.oid = a.attcollation
       WHERE a.attrelid = 'run_change'::regclass AND a.attname IN ('table_name', 'row_key') ORDER BY 1`,
    )
    expect(collations).toEqual([
      { column: 'row_key', collation: 'C' },
      { column: 'table_name', collation: 'C' },
    ])
    const { rows: noStatistics } = await pool.query<{ column: string }>(
      `SELECT attname AS column FROM pg_attribute
       WHERE attrelid = 'article'::regclass AND attnum > 0 AND attstattarget = 0 ORDER BY 1`,
    )
    expect(noStatistics.map((r) => r.column)).toEqual([
      'body',
      'body_summary',
      'body_tags',
      'document',
      'head_tags',
      'social',
      'summary',
    ])
  })

  it('refuses when an applied migration.sql was edited, naming the file', async () => {
    const dir = await copyOfMigrations()
    const [first] = await readMigrationsDirectory(dir)
    if (!first) throw new Error('no migrations')
    await writeFile(first.file, `${first.sql}\n-- edited\n`)
    const attempt = applyMigrations(pool, { migrationsDir: dir })
    await expect(attempt).rejects.toBeInstanceOf(MigrationChecksumMismatchError)
    await expect(attempt).rejects.toThrow(
      `${first.name}/migration.sql was edited after migration ${first.name}`,
    )
    await expect(listPendingMigrations(pool, dir)).rejects.toBeInstanceOf(MigrationChecksumMismatchError)
  })

  it('serializes concurrent runs on a fresh database with the advisory lock', async () => {
    const fresh = await freshDatabase()
    const onDisk = await readMigrationsDirectory()
    const [a, b] = await Promise.all([applyMigrations(fresh), applyMigrations(fresh)])
    expect([...a.applied, ...b.applied].sort()).toEqual(onDisk.map((m) => m.name))
    expect(a.applied.length === 0 || b.applied.length === 0).toBe(true)
    const { rows } = await fresh.query(
      'SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY migration_name',
    )
    expect(rows).toHaveLength(onDisk.length)
    for (const row of rows) expect(row.n).toBe(1)
  })

  it('records a failing migration, then refuses further runs (P3009)', async () => {
    const fresh = await freshDatabase()
    const dir = await copyOfMigrations()
    const broken = '29991231000000_broken'
    await mkdir(path.join(dir, broken))
    await writeFile(
      path.join(dir, broken, 'migration.sql'),
      'CREATE TABLE ok_one (id int);\nSELECT * FROM nope;\n',
    )

    const attempt = applyMigrations(fresh, { migrationsDir: dir })
    await expect(attempt).rejects.toBeInstanceOf(MigrationApplyError)
    await expect(attempt).rejects.toThrow(broken)
    const { rows } = await fresh.query(
      'SELECT finished_at, logs, applied_steps_count FROM _prisma_migrations WHERE migration_name = $1',
      [broken],
    )
    expect(rows).toHaveLength(1)
    expect(rows[0].finished_at).toBeNull()
    expect(rows[0].applied_steps_count).toBe(0)
    expect(rows[0].logs).toContain('42P01')
    // The script ran as one implicit transaction: its first statement was rolled back too.
    const { rows: ok } = await fresh.query(`SELECT to_regclass('ok_one') AS t`)
    expect(ok[0].t).toBeNull()

    await expect(applyMigrations(fresh, { migrationsDir: dir })).rejects.toBeInstanceOf(
      FailedMigrationPresentError,
    )
    await expect(applyMigrations(fresh)).rejects.toThrow(/P3009|migrate resolve/)
  })

  it('refuses a non-empty schema without _prisma_migrations (P3005)', async () => {
    const fresh = await freshDatabase()
    await fresh.query('CREATE TABLE something_else (id int)')
    const attempt = applyMigrations(fresh)
    await expect(attempt).rejects.toBeInstanceOf(SchemaNotEmptyError)
    await expect(attempt).rejects.toThrow('something_else')
    const { rows } = await fresh.query(`SELECT to_regclass('_prisma_migrations') AS t`)
    expect(rows[0].t).toBeNull()
  })
})

describe('schema:check', () => {
  it('passes on the committed migrations', { timeout: 30_000 }, async () => {
    const result = await checkSchema({ databaseUrl: serverUrl })
    expect(result.migrations).toBeGreaterThan(0)
  })
})

// A run killed while it applies a schema migration (npm run test:chaos found this window): the next
// run must apply the migration, not refuse with P3009 as if the script had failed.

import { randomBytes } from 'node:crypto'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { applyMigrations, defaultMigrationsDir } from '../../src/load/schema-migrations.js'
import { dropPgDb, pgUrl, uniqueName } from '../helpers/databases.js'

const db = uniqueName('schema_crash')
let tmp = ''
let pool: pg.Pool

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'dhm-schema-crash-'))
  const admin = new pg.Client({ connectionString: pgUrl('postgres') })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(db)}`)
  await admin.end()
  pool = new pg.Pool({ connectionString: pgUrl(db), max: 2 })
  // Sessions are terminated when the database is dropped: a closing client's FATAL is not a failure.
  pool.on('error', () => undefined)
  pool.on('error', () => undefined) // the killed session's client, if idle in the pool
})

afterAll(async () => {
  await pool.end()
  await dropPgDb(db)
  await rm(tmp, { recursive: true, force: true })
})

it('a session killed mid-migration leaves nothing behind; the next run applies everything', async () => {
  const dir = path.join(tmp, randomBytes(4).toString('hex'))
  await cp(defaultMigrationsDir(), dir, { recursive: true })
  const slow = '29991231000000_slow'
  await mkdir(path.join(dir, slow))
  await writeFile(
    path.join(dir, slow, 'migration.sql'),
    'CREATE TABLE slow_one (id int);\nSELECT pg_sleep(5);\nCREATE TABLE slow_two (id int);\n',
  )

  const first = applyMigrations(pool, { migrationsDir: dir }).catch((e: unknown) => e)
  const side = new pg.Client({ connectionString: pgUrl('postgres') })
  await side.connect()
  try {
    let killed = 0
    for (let i = 0; i < 400 && killed === 0; i++) {
      const { rows } = await side.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE datname = $1 AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()`,
        [db],
      )
      killed = rows[0]?.n ?? 0
      if (killed === 0) await sleep(25)
    }
    expect(killed).toBe(1)
  } finally {
    await side.end()
  }
  expect(await first).toBeInstanceOf(Error)

  const { rows: left } = await pool.query<{ migration_name: string; finished: boolean }>(
    'SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name',
  )
  // The earlier migrations committed; of the killed one there is no trace (no row Prisma would call failed).
  expect(left.every((r) => r.finished)).toBe(true)
  expect(left.map((r) => r.migration_name)).not.toContain(slow)
  const { rows: tables } = await pool.query(`SELECT to_regclass('slow_one') AS t`)
  expect(tables[0]?.t).toBeNull()

  await writeFile(path.join(dir, slow, 'migration.sql'), 'CREATE TABLE slow_one (id int);\n')
  // A checksum change is fine: the killed migration was never recorded.
  const second = await applyMigrations(pool, { migrationsDir: dir })
  expect(second.applied).toEqual([slow])
})

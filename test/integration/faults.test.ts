// Issue #8, faults: `dhm migrate` as a real process while its connections are cut or it is told to
// stop. Each fault run is rerun if needed, and the target must then equal a clean run's.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { applyMigrations } from '../../src/load/schema-migrations.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaQuery,
  mariaUrl,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../helpers/databases.js'
import { type DhmProcess, startDhm } from '../helpers/dhm-process.js'
import { diffSnapshots, snapshotTarget, type TargetSnapshot } from '../helpers/target-snapshot.js'
import { waitFor } from '../helpers/wait-for.js'

const ARTICLES = 600
const BATCH = 37

describe('faults during dhm migrate', () => {
  const sourceDb = uniqueName('faults_src')
  const source = mariaUrl(sourceDb)
  const targets: string[] = []
  let reports = ''
  let clean: TargetSnapshot

  const migrate = (target: string, extra: string[] = []) => [
    'migrate',
    '--source',
    source,
    '--target',
    target,
    '--batch-size',
    String(BATCH),
    '--reports-dir',
    reports,
    ...extra,
  ]
  const newTarget = (what: string) => {
    const name = uniqueName(`faults_${what}`)
    targets.push(name)
    return { name, url: pgUrl(name) }
  }
  /** The nid that opens the run's second batch (nodes are read in nid order, BATCH at a time). */
  let secondBatchNid = 0

  /**
   * A target whose run stops, deterministically, inside its second batch: the schema is applied
   * up front, and a side transaction holds an uncommitted article row with a nid of that batch. The
   * run commits its first batch, COPYs the second into article and waits on the unique index for
   * the side transaction; `parked` resolves once pg_stat_activity shows that wait. `release` rolls
   * the row back (it leaves no trace) and lets the batch go on.
   */
  const parkedTarget = async (what: string) => {
    const { name, url } = newTarget(what)
    await createPgDb(name)
    const pool = new pg.Pool({ connectionString: url, max: 1 })
    try {
      await applyMigrations(pool, { log: () => undefined })
    } finally {
      await pool.end()
    }
    const side = new pg.Client({ connectionString: url })
    await side.connect()
    await side.query('BEGIN')
    await side.query(
      `INSERT INTO article (site, legacy_nid, bundle, language, title, published, is_live, authors, bylines,
         published_at, tracking, created_at, updated_at, content_hash, document)
       VALUES ('bne', $1, 'article', 'en', 'held by the test', true, true, '{}', '{}', now(), false, now(),
         now(), repeat('0', 64), '{}')`,
      [secondBatchNid],
    )
    /** Backends of the run waiting, inside a batch, on the side transaction's row. */
    const waiting = () =>
      pgQuery<{ pid: number }>(
        pgUrl('postgres'),
        `SELECT pid FROM pg_stat_activity
         WHERE datname = $1 AND wait_event_type = 'Lock' AND wait_event = 'transactionid'
           AND query LIKE 'COPY article %'`,
        [name],
      )
    let released = false
    return {
      name,
      url,
      /** Resolves when the run waits inside its second batch (its first is committed). */
      parked: async (run: DhmProcess) => {
        await waitFor(async () => {
          if (run.child.exitCode !== null)
            throw new Error(`the run exited (${run.child.exitCode}) instead of parking:\n${run.stderr()}`)
          return (await waiting()).length === 1
        }, `${name}: the run parked in its second batch`)
        expect(await articleCount(url)).toBe(BATCH)
      },
      waiting,
      release: async () => {
        if (released) return
        released = true
        await side.query('ROLLBACK')
        await side.end()
      },
    }
  }
  const parkedTargets: { release(): Promise<void> }[] = []
  const park = async (what: string) => {
    const t = await parkedTarget(what)
    parkedTargets.push(t)
    return t
  }
  const articleCount = async (url: string) =>
    Number(
      (await pgQuery<{ n: number }>(url, 'SELECT count(*)::int AS n FROM article').catch(() => []))[0]?.n ??
        0,
    )

  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), 'dhm-faults-'))
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: ARTICLES, seed: 8 })
    const ref = newTarget('clean')
    const run = await startDhm(migrate(ref.url, ['--quiet'])).done
    expect(run.code, run.stderr).toBe(0)
    clean = await snapshotTarget(ref.url)
    expect(clean.counts.article).toBe(ARTICLES)
    const [second] = await mariaQuery<{ nid: number }>(
      source,
      `SELECT nid FROM node WHERE type = 'article' ORDER BY nid LIMIT 1 OFFSET ${BATCH}`,
    )
    secondBatchNid = Number(second?.nid)
  })

  afterAll(async () => {
    for (const t of parkedTargets) await t.release()
    await dropMariaDb(sourceDb)
    await Promise.all(targets.map((t) => dropPgDb(t)))
    await rm(reports, { recursive: true, force: true })
  })

  it('(a) Postgres sessions killed mid-batch: the batch is retried and the run completes', async () => {
    const target = await park('pgkill')
    const run = startDhm(migrate(target.url))
    // Terminate the run's session while it is inside its second batch, twice, as a Postgres restart
    // or a failover would: each time, the retried batch parks on the same row again.
    for (let kill = 1; kill <= 2; kill++) {
      await target.parked(run)
      const [backend] = await target.waiting()
      const [killed] = await pgQuery<{ ok: boolean }>(
        pgUrl('postgres'),
        'SELECT pg_terminate_backend($1) AS ok',
        [backend?.pid],
      )
      expect(killed?.ok, `kill ${kill}`).toBe(true)
      await waitFor(async () => (await target.waiting()).length === 0, `kill ${kill} took effect`)
    }
    await target.parked(run)
    await target.release()
    const done = await run.done
    expect(done.code, done.stderr).toBe(0)
    expect(done.stderr).toMatch(
      /target connection lost during a batch \(.+\); retrying in 0\.5s \(attempt 2 of 4\)/,
    )
    expect(done.stderr).toMatch(/retrying in \d(\.\d)?s \(attempt 3 of 4\)/)
    expect(done.stdout).toMatch(/^read 600, /)
    expect(diffSnapshots(await snapshotTarget(target.url), clean)).toEqual([])
    const [runRow] = await pgQuery<{ status: string }>(target.url, 'SELECT status FROM migration_run')
    expect(runRow?.status).toBe('succeeded')
  })

  it('(b) the MariaDB connection killed mid-read: a clean failure, and a rerun equals a clean run', async () => {
    const target = await park('mykill')
    const { url } = target
    const run = startDhm(migrate(url))
    await target.parked(run) // its snapshot transaction is open: more batches to read
    const side = await mysql.createConnection({ uri: MARIADB_SERVER })
    try {
      const [rows] = await side.query<mysql.RowDataPacket[]>(
        'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
        [sourceDb],
      )
      expect(rows.length).toBeGreaterThan(0)
      for (const row of rows) await side.query(`KILL ${Number(row.id)}`)
    } finally {
      await side.end()
    }
    await target.release()
    const failed = await run.done
    expect(failed.code).toBe(1)
    const last = failed.stderr.trim().split('\n').at(-1)?.replaceAll(sourceDb, '<source>')
    expect(last).toMatch(
      /^dhm: lost the connection to the Drupal database at mysql:\/\/root@127\.0\.0\.1:3306\/<source> mid-read \(.+\); its snapshot is gone, so this run stops\. Rerun dhm migrate to resume: committed batches are kept and unchanged articles are skipped\.$/,
    )
    expect(failed.stderr).not.toContain('    at ') // no stack trace: an expected, explained failure
    const [runRow] = await pgQuery<{ status: string; error: string }>(
      url,
      "SELECT status, counts->>'error' AS error FROM migration_run",
    )
    expect(runRow?.status).toBe('failed')
    expect(runRow?.error).toContain('Rerun dhm migrate to resume')
    const partial = await articleCount(url)
    expect(partial).toBeGreaterThanOrEqual(BATCH)
    expect(partial).toBeLessThan(ARTICLES)

    const rerun = await startDhm(migrate(url, ['--json', '--quiet'])).done
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(JSON.parse(rerun.stdout)).toMatchObject({ read: ARTICLES, inserted: ARTICLES - partial })
    expect(diffSnapshots(await snapshotTarget(url), clean)).toEqual([])
  })

  it('(c) SIGTERM: the current batch commits, the run is recorded as interrupted, exit 1; rerun completes', async () => {
    const target = await park('sigterm')
    const { url } = target
    const run = startDhm(migrate(url))
    await target.parked(run)
    run.child.kill('SIGTERM')
    await expect.poll(run.stderr, { timeout: 5000 }).toContain('SIGTERM: stopping after the current batch')
    await target.release() // the batch in progress commits, then the run stops
    const stopped = await run.done
    expect(stopped.code).toBe(1)
    expect(stopped.stderr).toContain('SIGTERM: stopping after the current batch (send it again to stop now)')
    expect(stopped.stderr.trim().split('\n').at(-1)).toBe(
      'dhm: migrate interrupted; committed batches are kept; rerun to resume.',
    )
    const [runRow] = await pgQuery<{ status: string; read: number; finished: boolean }>(
      url,
      "SELECT status, (counts->>'read')::int AS read, finished_at IS NOT NULL AS finished FROM migration_run",
    )
    expect(runRow).toMatchObject({ status: 'interrupted', finished: true })
    const partial = await articleCount(url)
    expect(partial).toBe(2 * BATCH) // the batch it was in when told to stop, and nothing after
    expect(partial).toBe(runRow?.read) // every batch it counted is committed, nothing more

    const rerun = await startDhm(migrate(url, ['--json', '--quiet'])).done
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(JSON.parse(rerun.stdout)).toMatchObject({ read: ARTICLES, inserted: ARTICLES - partial })
    expect(diffSnapshots(await snapshotTarget(url), clean)).toEqual([])
    const statuses = await pgQuery<{ status: string }>(url, 'SELECT status FROM migration_run ORDER BY id')
    expect(statuses.map((s) => s.status)).toEqual(['interrupted', 'succeeded'])
  })

  it('(d) a second SIGINT stops at once, still records the run as interrupted and says so; rerun completes', async () => {
    const target = await park('sigint2')
    const { url } = target
    const run = startDhm(migrate(url))
    await target.parked(run)
    run.child.kill('SIGINT')
    // Two signals sent at once may arrive as one; a person presses Ctrl-C again after the first.
    await expect.poll(run.stderr, { timeout: 5000 }).toContain('SIGINT: stopping after the current batch')
    run.child.kill('SIGINT')
    const stopped = await run.done
    await target.release()
    expect(stopped.code).toBe(1)
    const [runRow] = await pgQuery<{ id: number; status: string; read: number; finished: boolean }>(
      url,
      "SELECT id, status, (counts->>'read')::int AS read, finished_at IS NOT NULL AS finished FROM migration_run",
    )
    expect(stopped.stderr.trim().split('\n').at(-1)).toBe(
      'dhm: migrate stopped at once (second SIGINT): the batch in progress is rolled back, committed batches ' +
        `are kept; run ${runRow?.id} recorded as interrupted. Rerun to resume.`,
    )
    expect(runRow).toMatchObject({ status: 'interrupted', finished: true })
    // It stopped inside the second batch: that one is rolled back, the first is kept and counted.
    expect(runRow?.read).toBe(BATCH)
    expect(await articleCount(url)).toBe(BATCH)

    const rerun = await startDhm(migrate(url, ['--json', '--quiet'])).done
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(diffSnapshots(await snapshotTarget(url), clean)).toEqual([])
    const statuses = await pgQuery<{ status: string }>(url, 'SELECT status FROM migration_run ORDER BY id')
    expect(statuses.map((s) => s.status)).toEqual(['interrupted', 'succeeded'])
  })

  it('(e) a run whose process died (SIGKILL) shows as interrupted, not running, and the next run records it so', async () => {
    const target = await park('sigkill')
    const { url } = target
    const status = async () => {
      const r = await startDhm(['status', '--target', url, '--json']).done
      expect(r.stderr).toBe('')
      return (JSON.parse(r.stdout) as { status: string }[]).map((row) => row.status)
    }
    const run = startDhm(migrate(url))
    await target.parked(run)
    expect(await status()).toEqual(['running'])
    run.child.kill('SIGKILL')
    await run.done
    await target.release()
    // The row still says running; its lock went with the process's connection.
    await expect.poll(status, { timeout: 5000 }).toEqual(['interrupted'])
    expect(await pgQuery(url, 'SELECT status FROM migration_run')).toEqual([{ status: 'running' }])

    const rerun = await startDhm(migrate(url)).done
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.stderr).toContain('1 run(s) left running by a process that died: marked interrupted')
    const statuses = await pgQuery<{ status: string }>(url, 'SELECT status FROM migration_run ORDER BY id')
    expect(statuses.map((s) => s.status)).toEqual(['interrupted', 'succeeded'])
    expect(await status()).toEqual(['succeeded', 'interrupted'])
  })
})

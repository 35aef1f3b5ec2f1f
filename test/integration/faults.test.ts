// Issue #8, faults: `dhm migrate` as a real process while its connections are cut or it is told to
// stop. Each fault run is rerun if needed, and the target must then equal a clean run's.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import {
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../helpers/databases.js'
import { startDhm } from '../helpers/dhm-process.js'
import { diffSnapshots, snapshotTarget, type TargetSnapshot } from '../helpers/target-snapshot.js'

const ARTICLES = 600
const BATCH = 37
/** The test hook's pause after each committed batch: gives the fault a window mid-run. */
const SLOW = { DHM_TEST_BATCH_DELAY_MS: '120' }

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
  const articleCount = async (url: string) =>
    Number(
      (await pgQuery<{ n: number }>(url, 'SELECT count(*)::int AS n FROM article').catch(() => []))[0]?.n ??
        0,
    )
  /** Wait until the run has committed at least one batch. */
  const firstBatch = async (url: string) => {
    for (let i = 0; i < 400; i++) {
      if ((await articleCount(url)) >= BATCH) return
      await sleep(25)
    }
    throw new Error('the run committed no batch within 10 s')
  }

  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), 'dhm-faults-'))
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: ARTICLES, seed: 8 })
    const ref = newTarget('clean')
    const run = await startDhm(migrate(ref.url, ['--quiet'])).done
    expect(run.code, run.stderr).toBe(0)
    clean = await snapshotTarget(ref.url)
    expect(clean.counts.article).toBe(ARTICLES)
  })

  afterAll(async () => {
    await dropMariaDb(sourceDb)
    await Promise.all(targets.map((t) => dropPgDb(t)))
    await rm(reports, { recursive: true, force: true })
  })

  it('(a) Postgres sessions killed mid-batch: the batch is retried and the run completes', async () => {
    const { name, url } = newTarget('pgkill')
    const run = startDhm(migrate(url), SLOW)
    await firstBatch(url)
    // A side connection terminates every session of the target that is inside a statement or a
    // transaction (a batch), twice, as a Postgres restart or a failover would.
    const side = new pg.Client({ connectionString: pgUrl('postgres') })
    await side.connect()
    let kills = 0
    try {
      for (let i = 0; i < 2000 && kills < 2 && run.child.exitCode === null; i++) {
        if ((await articleCount(url)) > ARTICLES - 3 * BATCH) break // leave the final bookkeeping alone
        const { rows } = await side.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
           WHERE datname = $1 AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')`,
          [name],
        )
        if ((rows[0]?.n ?? 0) > 0) {
          kills++
          await sleep(300)
        } else {
          await sleep(5)
        }
      }
    } finally {
      await side.end()
    }
    const done = await run.done
    expect(kills, 'sessions were killed mid-batch').toBeGreaterThan(0)
    expect(done.code, done.stderr).toBe(0)
    expect(done.stderr).toMatch(
      /target connection lost during a batch \(.+\); retrying in 0\.5s \(attempt 2 of 4\)/,
    )
    expect(done.stdout).toMatch(/^read 600, /)
    expect(diffSnapshots(await snapshotTarget(url), clean)).toEqual([])
    const [runRow] = await pgQuery<{ status: string }>(url, 'SELECT status FROM migration_run')
    expect(runRow?.status).toBe('succeeded')
  })

  it('(b) the MariaDB connection killed mid-read: a clean failure, and a rerun equals a clean run', async () => {
    const { url } = newTarget('mykill')
    const run = startDhm(migrate(url), SLOW)
    await firstBatch(url)
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
    const { url } = newTarget('sigterm')
    const run = startDhm(migrate(url), SLOW)
    await firstBatch(url)
    run.child.kill('SIGTERM')
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
    expect(partial).toBeLessThan(ARTICLES)
    expect(partial).toBe(runRow?.read) // every batch it counted is committed, nothing more

    const rerun = await startDhm(migrate(url, ['--json', '--quiet'])).done
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(JSON.parse(rerun.stdout)).toMatchObject({ read: ARTICLES, inserted: ARTICLES - partial })
    expect(diffSnapshots(await snapshotTarget(url), clean)).toEqual([])
    const statuses = await pgQuery<{ status: string }>(url, 'SELECT status FROM migration_run ORDER BY id')
    expect(statuses.map((s) => s.status)).toEqual(['interrupted', 'succeeded'])
  })

  it('(d) a second SIGINT stops at once, still records the run as interrupted and says so; rerun completes', async () => {
    const { url } = newTarget('sigint2')
    const run = startDhm(migrate(url), SLOW)
    await firstBatch(url)
    run.child.kill('SIGINT')
    // Two signals sent at once may arrive as one; a person presses Ctrl-C again after the first.
    await expect.poll(run.stderr, { timeout: 5000 }).toContain('SIGINT: stopping after the current batch')
    run.child.kill('SIGINT')
    const stopped = await run.done
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
    // The counts are those of the batches the run saw commit (a batch whose COMMIT was already on its
    // way when the process exited may land too).
    const partial = await articleCount(url)
    expect(partial).toBeGreaterThanOrEqual(runRow?.read ?? -1)
    expect(partial).toBeLessThanOrEqual((runRow?.read ?? 0) + BATCH)

    const rerun = await startDhm(migrate(url, ['--json', '--quiet'])).done
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(diffSnapshots(await snapshotTarget(url), clean)).toEqual([])
    const statuses = await pgQuery<{ status: string }>(url, 'SELECT status FROM migration_run ORDER BY id')
    expect(statuses.map((s) => s.status)).toEqual(['interrupted', 'succeeded'])
  })

  it('(e) a run whose process died (SIGKILL) shows as interrupted, not running, and the next run records it so', async () => {
    const { url } = newTarget('sigkill')
    const status = async () => {
      const r = await startDhm(['status', '--target', url, '--json']).done
      expect(r.stderr).toBe('')
      return (JSON.parse(r.stdout) as { status: string }[]).map((row) => row.status)
    }
    const run = startDhm(migrate(url), SLOW)
    await firstBatch(url)
    expect(await status()).toEqual(['running'])
    run.child.kill('SIGKILL')
    await run.done
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

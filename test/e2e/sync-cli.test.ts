// `dhm sync` as cron runs it: real processes, started together or killed with SIGKILL mid-run.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
import { articleHashes, connectMaria } from '../helpers/drupal-edits.js'
import { holdLock } from '../helpers/held-lock.js'

const ARTICLES = 2000
/** The fixture's fixed clock: every generated node.changed is at or before it. */
const BASE = 1696118400

describe('dhm sync, from the command line', () => {
  const sourceDb = uniqueName('sync_e2e_src')
  const targetDb = uniqueName('sync_e2e_tgt')
  const freshDb = uniqueName('sync_e2e_fresh')
  const source = mariaUrl(sourceDb)
  const target = pgUrl(targetDb)
  const fresh = pgUrl(freshDb)
  let reports = ''
  const sync = (extra: string[] = []) => [
    'sync',
    '--source',
    source,
    '--target',
    target,
    '--reports-dir',
    reports,
    ...extra,
  ]

  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), 'dhm-sync-e2e-'))
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: ARTICLES, seed: 21 })
    const first = await startDhm(sync(['--json', '--quiet'])).done
    expect(first.stderr).toBe('')
    expect(JSON.parse(first.stdout)).toMatchObject({ read: ARTICLES, inserted: ARTICLES })
  })

  afterAll(async () => {
    await dropMariaDb(sourceDb)
    await Promise.all([dropPgDb(targetDb), dropPgDb(freshDb)])
    await rm(reports, { recursive: true, force: true })
  })

  it('(3) two syncs started together: one works, the other exits 5 at once and does nothing', async () => {
    const before = await pgQuery(
      target,
      "SELECT count(*)::int AS n FROM migration_run WHERE command = 'sync'",
    )
    // The test holds migration_run: whichever sync takes the sync lock first waits there (recording its
    // start), still holding it, while the other one tries.
    const held = await holdLock(target, 'LOCK TABLE migration_run IN EXCLUSIVE MODE')
    const runs = [startDhm(sync(['--json', '--quiet'])), startDhm(sync(['--json', '--quiet']))] as const
    try {
      const first = await Promise.race(runs.map((r) => r.done))
      expect(first.code, first.stderr).toBe(5)
    } finally {
      await held.release()
    }
    const [a, b] = await Promise.all([runs[0]?.done, runs[1]?.done])
    const outcomes = [a, b].sort((x, y) => (x.code ?? 0) - (y.code ?? 0))
    const [winner, loser] = outcomes
    expect(outcomes.map((o) => o.code)).toEqual([0, 5])
    expect(Object.keys(JSON.parse(winner?.stdout ?? '{}'))).toEqual([
      'read',
      'inserted',
      'updated',
      'unchanged',
      'rejected',
      'filtered',
      'deleted',
      'changes',
      'scans',
      'seconds',
    ])
    expect(Object.keys(JSON.parse(winner?.stdout ?? '{}').changes)).toEqual([
      'node',
      'term',
      'alias',
      'link',
      'file',
      'user',
      'list-label',
    ])
    expect(loser?.stdout).toBe('')
    expect(loser?.stderr).toBe(
      `dhm: another dhm sync is running against ${target} (site bne); this run did nothing. ` +
        'If no sync is running, the lock is freed automatically when its connection closes.\n',
    )
    const after = await pgQuery(target, "SELECT count(*)::int AS n FROM migration_run WHERE command = 'sync'")
    expect(after[0]?.n).toBe(Number(before[0]?.n) + 1)
  })

  it('(4) a sync killed with SIGKILL mid-batch, then rerun, gives what a fresh full migration gives', async () => {
    // Editors touch every article: a change set of 2000 nodes.
    const conn = await connectMaria(source)
    await conn.query(
      "UPDATE node SET title = CONCAT(title, ' [rev]'), changed = ? + (nid % 7) WHERE type = 'article'",
      [BASE + 600],
    )
    await conn.query(
      "UPDATE node_revision r JOIN node n ON n.vid = r.vid SET r.title = n.title WHERE n.type = 'article'",
    )
    await conn.end()

    // The test holds a later batch's article: the sync commits the batches before it, then waits.
    const held = await holdLock(
      target,
      // (OFFSET in a subquery: a FOR UPDATE query locks the rows its OFFSET skips, too)
      `SELECT id FROM article WHERE id = (SELECT id FROM article WHERE site = 'bne' ORDER BY legacy_nid OFFSET 500 LIMIT 1)
       FOR UPDATE`,
    )
    const killed = startDhm(sync(['--quiet', '--batch-size', '100']))
    let progress: { id: number; read: number } | undefined
    try {
      await held.parked(killed, 'the sync to wait inside a later batch')
      const [run] = await pgQuery<{ id: number; read: number | null }>(
        target,
        `SELECT id, (counts->>'read')::int AS read FROM migration_run
         WHERE command = 'sync' AND status = 'running' ORDER BY id DESC LIMIT 1`,
      )
      if (run && (run.read ?? 0) >= 100) progress = { id: run.id, read: run.read ?? 0 }
      expect(progress, 'the sync committed its first batch').toBeDefined()
      killed.child.kill('SIGKILL')
      expect((await killed.done).signal).toBe('SIGKILL')
    } finally {
      await held.release()
    }

    const [dead] = await pgQuery<{ status: string; mark: number | null }>(
      target,
      'SELECT status, high_water_mark AS mark FROM migration_run WHERE id = $1',
      [progress?.id],
    )
    expect(dead).toEqual({ status: 'running', mark: null })
    const [partial] = await pgQuery<{ n: number }>(
      target,
      "SELECT count(*)::int AS n FROM article WHERE title LIKE '% [rev]'",
    )
    expect(partial?.n).toBeGreaterThanOrEqual(100)
    expect(partial?.n).toBeLessThan(ARTICLES)

    // The rerun needs no manual clearing: the lock died with the process.
    const rerun = await startDhm(sync(['--json', '--quiet'])).done
    expect(rerun.stderr).toBe('')
    expect(rerun.code).toBe(0)
    const summary = JSON.parse(rerun.stdout)
    expect(summary).toMatchObject({ inserted: 0, rejected: 0, deleted: 0 })
    expect(summary.updated + summary.unchanged).toBe(summary.read)
    expect(summary.updated).toBe(ARTICLES - (partial?.n ?? 0))
    const [marked] = await pgQuery<{ status: string }>(
      target,
      'SELECT status FROM migration_run WHERE id = $1',
      [progress?.id],
    )
    expect(marked?.status).toBe('interrupted')

    const migrate = await startDhm([
      'migrate',
      '--source',
      source,
      '--target',
      fresh,
      '--quiet',
      '--reports-dir',
      reports,
    ]).done
    expect(migrate.code).toBe(0)
    const expected = await articleHashes(fresh)
    expect(expected.size).toBe(ARTICLES)
    expect(await articleHashes(target)).toEqual(expected)
  })

  it('dhm status lists the runs, the killed one as interrupted', async () => {
    const r = await startDhm(['status', '--target', target, '--limit', '3']).done
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^run\s+site\s+command\s+status\s+started \(UTC\)\s+took\s+read\s+inserted/)
    expect(lines[1]).toMatch(/^\d+\s+bne\s+sync\s+succeeded\s/)
    expect(lines[2]).toMatch(/^\d+\s+bne\s+sync\s+interrupted\s/)
    const json = await startDhm(['status', '--target', target, '--json', '--limit', '1']).done
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ command: 'sync', status: 'succeeded' })
    const other = await startDhm(['status', '--target', target, '--site', 'nosuch']).done
    expect(other.stdout).toBe('no runs of site nosuch; this target has runs of: bne\n')
  })

  it('sync --full stopped by Ctrl-C says the next sync resumes its pass, and the next plain sync does', async () => {
    // A source edit the full pass must write, in its sixth batch; the test holds that article, so
    // the run waits inside the batch while Ctrl-C arrives.
    const conn = await connectMaria(source)
    const [rows] = await conn.query(
      "SELECT nid FROM node WHERE type = 'article' ORDER BY nid LIMIT 1 OFFSET 1000",
    )
    const edited = Number((rows as { nid: number }[])[0]?.nid)
    await conn.query("UPDATE node SET title = CONCAT(title, ' [ctrl-c]'), changed = ? WHERE nid = ?", [
      BASE + 900,
      edited,
    ])
    await conn.query(
      'UPDATE node_revision r JOIN node n ON n.vid = r.vid SET r.title = n.title WHERE n.nid = ?',
      [edited],
    )
    await conn.end()
    const held = await holdLock(
      target,
      "SELECT id FROM article WHERE site = 'bne' AND legacy_nid = $1 FOR UPDATE",
      [edited],
    )
    const run = startDhm(sync(['--full', '--batch-size', '200']))
    try {
      await held.parked(run, 'the full sync to wait inside its sixth batch')
      const [committed] = await pgQuery<{ read: number }>(
        target,
        `SELECT (counts->>'read')::int AS read FROM migration_run
         WHERE command = 'sync' AND status = 'running' ORDER BY id DESC LIMIT 1`,
      )
      expect(committed?.read, 'the pass committed its first batch').toBeGreaterThanOrEqual(200)
      run.child.kill('SIGINT')
      await expect.poll(run.stderr, { timeout: 30_000 }).toMatch(/SIGINT: stopping after the current batch/)
    } finally {
      await held.release()
    }
    const stopped = await run.done
    expect(stopped.code).toBe(1)
    const last = stopped.stderr.trim().split('\n').at(-1) ?? ''
    expect(last).toMatch(
      /^dhm: sync interrupted; committed batches are kept, the next sync resumes the full pass after nid \d+\.$/,
    )
    const nid = /after nid (\d+)/.exec(last)?.[1]
    // The pass commits its mark with its last batch: the mark in force is still the previous run's.
    expect(stopped.stdout).toMatch(
      /high-water mark \S+ \(still the previous run's: this one stopped before committing its own\), run \d+\n/,
    )

    const next = await startDhm(sync()).done
    expect(next.code, next.stderr).toBe(0)
    expect(next.stdout).toMatch(
      new RegExp(
        `^full \\(resuming the full sync of run \\d+ after nid ${nid}\\): \\d+ candidate node\\(s\\)`,
        'm',
      ),
    )
  })

  it('--help shows the cron example and exit code 5', async () => {
    const r = await startDhm(['sync', '--help']).done
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('dhm sync --quiet --json')
    expect(r.stdout).toContain('5  sync: another sync is already running against this target')
  })
})

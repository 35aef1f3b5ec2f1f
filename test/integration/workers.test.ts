// Issue #23: `dhm migrate --workers N` as real processes. A distributed run must leave the target
// exactly as a single-process run does, even when a worker is killed mid-range; several sites can
// be drained by the same workers; edits made in the source during the run are caught up.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
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
import { connectMaria, deleteNode, editTitle, rows } from '../helpers/drupal-edits.js'
import { holdLock } from '../helpers/held-lock.js'
import { diffSnapshots, snapshotTarget, type TargetSnapshot } from '../helpers/target-snapshot.js'
import { waitFor } from '../helpers/wait-for.js'

const ARTICLES = 600
const BATCH = 20
const RANGE = 100

interface RangeRun {
  id: number
  status: string
  index: number
  after: number
  through: number | null
  worker: string
  parent: number
}

describe('dhm migrate --workers', () => {
  const sourceDb = uniqueName('workers_src')
  const source = mariaUrl(sourceDb)
  const targets: string[] = []
  let dir = ''
  let clean: TargetSnapshot
  let cleanTarget = ''

  const newTarget = (what: string) => {
    const name = uniqueName(`workers_${what}`)
    targets.push(name)
    return pgUrl(name)
  }
  const migrate = (target: string, extra: string[]) => [
    'migrate',
    '--source',
    source,
    '--target',
    target,
    '--batch-size',
    String(BATCH),
    '--reports-dir',
    join(dir, 'reports'),
    ...extra,
  ]
  const distributed = (target: string, workers: number, extra: string[] = []) =>
    migrate(target, ['--workers', String(workers), '--range-size', String(RANGE), ...extra])
  // The term tree the relations pass writes (parents and weights; not in the target snapshot).
  const termTree = (target: string) =>
    pgQuery<{ tid: number; parent: number | null; weight: number }>(
      target,
      `SELECT t.legacy_tid AS tid, p.legacy_tid AS parent, t.weight FROM term t
       LEFT JOIN term p ON p.id = t.parent_id ORDER BY t.site, t.legacy_tid`,
    )
  const rangeRuns = (target: string) =>
    pgQuery<RangeRun>(
      target,
      `SELECT id, status, (params->'range'->>'index')::int AS index, (params->'range'->>'afterNid')::int AS after,
         (params->'range'->>'throughNid')::int AS through, params->'range'->>'worker' AS worker,
         (params->'range'->>'parentRunId')::int AS parent
       FROM migration_run WHERE command = 'migrate-range' ORDER BY id`,
    ).catch(() => [] as RangeRun[])

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dhm-workers-'))
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: ARTICLES, seed: 8 })
    const ref = newTarget('clean')
    cleanTarget = ref
    const run = await startDhm(migrate(ref, ['--quiet'])).done
    expect(run.code, run.stderr).toBe(0)
    clean = await snapshotTarget(ref)
    expect(clean.counts.article).toBe(ARTICLES)
  }, 120_000)

  afterAll(async () => {
    await dropMariaDb(sourceDb)
    await Promise.all(targets.map((t) => dropPgDb(t)))
    await rm(dir, { recursive: true, force: true })
  })

  it('3 workers, one killed with SIGKILL mid-range: its range is retried and the target equals a single-process run', async () => {
    const target = newTarget('kill')
    const run = startDhm(distributed(target, 3, ['--json']))
    // A range in progress, and the worker process that runs it (host:pid, the pid on this machine).
    let victim: RangeRun | undefined
    await waitFor(
      async () => {
        if (run.child.exitCode !== null) throw new Error(`the run ended first:\n${run.stderr()}`)
        victim = (await rangeRuns(target)).find((r) => r.status === 'running')
        return victim !== undefined
      },
      'a range in progress',
      60_000,
    )
    const pid = Number(victim?.worker.split(':').at(-1))
    process.kill(pid, 'SIGKILL')
    const done = await run.done
    expect(done.code, done.stderr).toBe(0)
    expect(done.stderr).toContain(`worker ${victim?.worker} died during range ${(victim?.index ?? 0) + 1}`)

    expect(diffSnapshots(await snapshotTarget(target), clean)).toEqual([])
    const runs = await rangeRuns(target)
    const killed = runs.find((r) => r.id === victim?.id)
    expect(killed?.status).toBe('interrupted')
    // The killed range was done again, by another worker, and counted once.
    const redone = runs.filter((r) => r.index === victim?.index && r.status === 'succeeded')
    expect(redone).toHaveLength(1)
    expect(redone[0]?.worker).not.toBe(victim?.worker)
    const summary = JSON.parse(done.stdout)
    expect(Object.keys(summary)).toEqual([
      'read',
      'inserted',
      'updated',
      'unchanged',
      'rejected',
      'filtered',
      'seconds',
    ])
    expect(summary.inserted + summary.unchanged).toBe(summary.read)
    expect(summary.read).toBeGreaterThanOrEqual(ARTICLES)
    const [parent] = await pgQuery<{ status: string; mark: number | null }>(
      target,
      "SELECT status, high_water_mark AS mark FROM migration_run WHERE command = 'migrate'",
    )
    expect(parent).toMatchObject({ status: 'succeeded' })
    expect(parent?.mark).not.toBeNull()
    // dhm status shows each range of the distributed run.
    const status = await startDhm(['status', '--target', target]).done
    expect(status.code, status.stderr).toBe(0)
    // One line per range: its newest attempt (here the retry that succeeded) and how many there were.
    expect(status.stdout).toMatch(/^ranges of run \d+ \(\d+\): \d+ succeeded$/m)
    expect(status.stdout).toMatch(
      new RegExp(`^  ${(victim?.index ?? 0) + 1} +\\S+ +succeeded +\\S+ +2 `, 'm'),
    )

    // The relations pass (term tree, references, menus) ran once, for the run, not once per range,
    // and wrote the tree a single-process run writes.
    const tree = await termTree(cleanTarget)
    expect(tree.filter((t) => t.parent !== null).length).toBeGreaterThan(0)
    expect(await termTree(target)).toEqual(tree)
    expect(done.stderr.match(/every range done; term tree, references and menus/g)).toHaveLength(1)
    // Its changes are the run's: the catch-up changed none of them, and one rollback undoes it all.
    const [parentRun] = await pgQuery<{ id: number }>(
      target,
      "SELECT id FROM migration_run WHERE command = 'migrate'",
    )
    const rollback = await startDhm(['rollback', '--run', String(parentRun?.id), '--target', target]).done
    expect(rollback.code, rollback.stderr).toBe(0)
    const left = (await snapshotTarget(target)).counts
    expect(left.article).toBe(0)
    expect(left.term).toBe(0)
  }, 180_000)

  it('two mappings (two sites) queued in one go are drained by the same workers', async () => {
    const target = newTarget('two')
    const other = join(dir, 'bne-copy.yaml')
    await writeFile(
      other,
      (await readFile('mappings/bne.yaml', 'utf8')).replace(/^site: bne$/m, 'site: bne-copy'),
    )
    const run = await startDhm(
      distributed(target, 2, ['--json', '--mapping', 'mappings/bne.yaml', '--mapping', other]),
    ).done
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(line).toMatchObject({ inserted: ARTICLES, rejected: 0 })
    expect(diffSnapshots(await snapshotTarget(target, 'bne'), clean)).toEqual([])
    expect((await snapshotTarget(target, 'bne-copy')).counts.article).toBe(ARTICLES)
    const runs = await rangeRuns(target)
    const sites = await pgQuery<{ site: string; n: number }>(
      target,
      "SELECT site, count(*)::int AS n FROM migration_run WHERE command = 'migrate-range' GROUP BY site ORDER BY site",
    )
    expect(sites.map((s) => s.site)).toEqual(['bne', 'bne-copy'])
    expect(new Set(runs.map((r) => r.worker)).size).toBeLessThanOrEqual(2)

    // Every range wrote its undo log under its distributed run: one rollback undoes the whole site.
    const [copy] = await pgQuery<{ id: number }>(
      target,
      "SELECT id FROM migration_run WHERE command = 'migrate' AND site = 'bne-copy'",
    )
    const rollback = await startDhm(['rollback', '--run', String(copy?.id), '--target', target]).done
    expect(rollback.code, rollback.stderr).toBe(0)
    expect(rollback.stdout).toContain(`article ${ARTICLES} removed`)
    expect((await snapshotTarget(target, 'bne-copy')).counts.article).toBe(0)
    expect(diffSnapshots(await snapshotTarget(target, 'bne'), clean)).toEqual([])
  }, 90_000)

  it('the catch-up pass picks up a source edit and a deletion made during the run', async () => {
    const target = newTarget('catchup')
    const run = startDhm(distributed(target, 2))
    // A range already migrated: edit a node in it and delete another, while the run goes on.
    let done: RangeRun | undefined
    await waitFor(
      async () => {
        if (run.child.exitCode !== null) throw new Error(`the run ended first:\n${run.stderr()}`)
        // A bounded range: the last one (open-ended) may hold fewer than two articles, and being the
        // smallest it often finishes first.
        done = (await rangeRuns(target)).find((r) => r.status === 'succeeded' && r.through !== null)
        return done !== undefined
      },
      'a bounded range migrated',
      60_000,
    )
    // Park the run before its catch-up: the coordinator records the start state on its run's row
    // once every range is done, and waits for this lock there (no race with the run's speed).
    const [parentRun] = await pgQuery<{ id: number }>(
      target,
      "SELECT id FROM migration_run WHERE command = 'migrate'",
    )
    const parked = await holdLock(target, 'SELECT id FROM migration_run WHERE id = $1 FOR UPDATE', [
      parentRun?.id,
    ])
    const conn = await connectMaria(source)
    let edited = 0
    let deleted = 0
    try {
      const nids = await rows<{ nid: number }>(
        conn,
        "SELECT nid FROM node WHERE type = 'article' AND nid > ? AND nid <= ? ORDER BY nid LIMIT 2",
        [done?.after, done?.through ?? 4_294_967_295],
      )
      expect(
        nids,
        `two articles in the range migrated first (${done?.after}, ${done?.through}]`,
      ).toHaveLength(2)
      edited = Number(nids[0]?.nid)
      deleted = Number(nids[1]?.nid)
      const [clock] = await rows<{ now: number }>(conn, 'SELECT UNIX_TIMESTAMP() AS now')
      await editTitle(conn, edited, Number(clock?.now), ' (edited during the run)')
      await deleteNode(conn, deleted)
    } finally {
      await conn.end()
    }
    const [parent] = await pgQuery<{ status: string }>(
      target,
      "SELECT status FROM migration_run WHERE command = 'migrate'",
    )
    expect(parent?.status, 'the edits were made while the run was going on').toBe('running')
    // Meanwhile no other run of the site starts: the distributed run holds the site's sync lock.
    const second = await startDhm(distributed(target, 1)).done
    expect(second.code).toBe(5)
    expect(second.stderr).toContain(
      'a dhm sync or another distributed migrate of site bne is running against postgresql://postgres@127.0.0.1:5432/',
    )
    const sync = await startDhm(['sync', '--source', source, '--target', target, '--quiet']).done
    expect(sync.code).toBe(5)
    await parked.release()
    const finished = await run.done
    expect(finished.code, finished.stderr).toBe(0)
    // The deleted node is unpublished either by the re-read (its alias went with it: a side change)
    // or by the deletion scan, depending on which range finished first: the end state is what counts.
    expect(finished.stdout).toMatch(/catch-up: \d+ changed node\(s\) re-read, [01] deleted/)
    const articles = await pgQuery<{ nid: number; title: string; published: boolean }>(
      target,
      'SELECT legacy_nid AS nid, title, published FROM article WHERE legacy_nid = ANY($1::int[]) ORDER BY legacy_nid',
      [[edited, deleted]],
    )
    expect(articles.find((r) => r.nid === edited)?.title).toMatch(/\(edited during the run\)$/)
    expect(articles.find((r) => r.nid === deleted)?.published).toBe(false)
  }, 90_000)
})

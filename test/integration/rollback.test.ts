// `dhm rollback` against real databases: a generated Drupal 7 site in MariaDB, migrated and synced
// into Postgres, rolled back, and compared table by table (a checksum of every row of every table
// dhm writes, in plain SQL) with the state before the run.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { RollbackRefusedError, runRollback } from '../../src/pipeline/run-rollback.js'
import { runSync } from '../../src/pipeline/run-sync.js'
import { runVerify } from '../../src/pipeline/run-verify.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'
import { runDhm, startDhm } from '../helpers/dhm-process.js'
import {
  addArticleLike,
  articleNids,
  type Conn,
  changeSection,
  connectMaria,
  deleteNode,
  editTitle,
  renameTerm,
  setStatus,
} from '../helpers/drupal-edits.js'
import { holdLock } from '../helpers/held-lock.js'

const MAPPING_FILE = 'mappings/bne.yaml'
/** The fixture's fixed clock (2023-10-01): every generated node.changed is at or before it. */
const LATER = 1696118400 + 3600

const mariaDb = uniqueName('rb_src')
const migratedDb = uniqueName('rb_mig')
const syncedDb = uniqueName('rb_sync')
const sourceUrl = mariaUrl(mariaDb)
let migratedUrl = ''
let syncedUrl = ''
let workDir = ''
let conn: Conn

/** The tables a run writes; each one's checksum covers every column of every row. */
const TABLES = [
  'article',
  'article_term',
  'term',
  'media_file',
  'redirect',
  'article_link',
  'author',
  'article_author',
  'article_reference',
  'menu_link',
] as const

/** md5 of every row of every content table (ordered by the whole row), and row counts. */
async function checksums(url: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of TABLES) {
    const [row] = await pgQuery<{ sum: string; n: number }>(
      url,
      `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum, count(*)::int AS n
       FROM ${table} t`,
    )
    out[table] = `${row?.n} rows, ${row?.sum}`
  }
  return out
}

async function sync(targetUrl: string) {
  return runSync({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    batchSize: 50,
    reportsDir: workDir,
  })
}

async function migrate(targetUrl: string) {
  return runMigration({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    batchSize: 50,
    reportsDir: workDir,
  })
}

async function verify(targetUrl: string) {
  const { report } = await runVerify({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    reportsDir: workDir,
  })
  return report
}

async function runStatus(url: string, id: number) {
  const [row] = await pgQuery<{ status: string; high_water_mark: number | null }>(
    url,
    'SELECT status, high_water_mark FROM migration_run WHERE id = $1',
    [id],
  )
  return row
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'dhm-rollback-test-'))
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 200, seed: 5 })
  conn = await connectMaria(sourceUrl)
  migratedUrl = await createPgDb(migratedDb)
  syncedUrl = await createPgDb(syncedDb)
})

afterAll(async () => {
  await conn?.end()
  await dropMariaDb(mariaDb)
  await Promise.all([dropPgDb(migratedDb), dropPgDb(syncedDb)])
  if (workDir) await rm(workDir, { recursive: true, force: true })
})

describe('dhm rollback (200 articles, seed 5, batches of 50)', () => {
  it('a migrate rolled back leaves the target as empty as it started; twice is a no-op', async () => {
    const m = await migrate(migratedUrl)
    expect(m.summary.inserted).toBe(200)
    const runId = m.runId as number
    const empty = Object.fromEntries(TABLES.map((t) => [t, `0 rows, ${'d41d8cd98f00b204e9800998ecf8427e'}`]))
    const written = await checksums(migratedUrl)
    expect(written).not.toEqual(empty)

    const plan = await runRollback({ targetUrl: migratedUrl, runId, dryRun: true })
    expect(plan.outcome).toBe('planned')
    expect(plan.counts.article).toEqual({ removed: 200, restored: 0 })
    expect(await checksums(migratedUrl)).toEqual(written)

    const r = await runRollback({ targetUrl: migratedUrl, runId })
    expect(r.outcome).toBe('rolled-back')
    expect(await checksums(migratedUrl)).toEqual(empty)
    expect(await runStatus(migratedUrl, runId)).toMatchObject({ status: 'rolled-back' })
    expect(await pgQuery(migratedUrl, 'SELECT 1 FROM run_change')).toEqual([])

    const again = await runRollback({ targetUrl: migratedUrl, runId })
    expect(again.outcome).toBe('already')
    expect(await checksums(migratedUrl)).toEqual(empty)
  })

  it('the CLI: exit 0 with what it did, exit 2 with what to do for a run it cannot roll back', async () => {
    const [run] = await pgQuery<{ id: number }>(migratedUrl, 'SELECT max(id) AS id FROM migration_run')
    const done = await runDhm(['rollback', '--run', String(run?.id), '--target', migratedUrl])
    expect(done).toMatchObject({
      code: 0,
      stdout: `run ${run?.id} (migrate of bne) was already rolled back; nothing to do\n`,
    })
    const unknown = await runDhm(['rollback', '--run', '999', '--target', migratedUrl])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr.replace(migratedUrl, '<target>')).toMatchInlineSnapshot(`
      "dhm: run 999 is not in the run log of <target>. Run "dhm status" to list the runs.
      "
    `)
  })

  it('runs older than the retention lose their undo log when a run starts; their rollback is refused', async () => {
    const m = await migrate(migratedUrl)
    const runId = m.runId as number
    const status = await runDhm(['status', '--target', migratedUrl])
    expect(status.stdout).toMatch(/\nundo log \(dhm rollback\): \d+ kB; runs keep theirs for 30 days/)
    await pgQuery(
      migratedUrl,
      "UPDATE migration_run SET started_at = now() - interval '8 days' WHERE id = $1",
      [runId],
    )
    const old = { ...process.env }
    process.env.DHM_UNDO_RETENTION_DAYS = '7'
    try {
      await migrate(migratedUrl)
    } finally {
      process.env = old
    }
    expect(await pgQuery(migratedUrl, 'SELECT 1 FROM run_change WHERE run_id = $1', [runId])).toEqual([])
    await expect(runRollback({ targetUrl: migratedUrl, runId })).rejects.toThrow(
      `run ${runId} cannot be rolled back: its undo log was pruned`,
    )
  })

  describe('syncs', () => {
    let firstSync = 0
    let beforeSecond: Record<string, string> = {}
    let secondSync = 0
    let markBefore: number | null = null

    it('a sync rolled back gives every table back as it was before that sync', async () => {
      const first = await sync(syncedUrl)
      firstSync = first.runId
      markBefore = first.highWaterMark
      beforeSecond = await checksums(syncedUrl)

      const live = await articleNids(conn, 'n.status = 1')
      const pick = (i: number) => live[i * 3] as number
      for (let i = 0; i < 4; i++) await editTitle(conn, pick(i), LATER + i)
      await changeSection(conn, pick(4), LATER)
      await setStatus(conn, pick(5), 0, LATER)
      await deleteNode(conn, pick(6))
      await addArticleLike(conn, pick(7), LATER, 'A new article')
      const [term] = await pgQuery<{ legacy_tid: number }>(
        syncedUrl,
        'SELECT t.legacy_tid FROM term t JOIN article_term at ON at.term_id = t.id LIMIT 1',
      )
      await renameTerm(conn, term?.legacy_tid as number, 'Renamed by the test')

      const verifyBefore = await verify(syncedUrl)
      expect(verifyBefore.differencesTotal).toBeGreaterThan(0)

      const second = await sync(syncedUrl)
      secondSync = second.runId
      expect(second.summary.inserted).toBe(1)
      expect(second.summary.updated).toBeGreaterThanOrEqual(6)
      expect(second.summary.deleted).toBe(1)
      expect(await checksums(syncedUrl)).not.toEqual(beforeSecond)

      const r = await runRollback({ targetUrl: syncedUrl, runId: secondSync })
      expect(r.outcome).toBe('rolled-back')
      expect(r.counts.article.removed).toBe(1)
      expect(await checksums(syncedUrl)).toEqual(beforeSecond)
      // dhm verify sees the target as it was before the sync: the same differences, counted the same.
      const verifyAfter = await verify(syncedUrl)
      expect(verifyAfter.counts).toEqual(verifyBefore.counts)
      expect(verifyAfter.differencesTotal).toBe(verifyBefore.differencesTotal)
      // The high-water mark goes back with the run: the next sync reads the same changes again.
      expect(await runStatus(syncedUrl, secondSync)).toEqual({ status: 'rolled-back', high_water_mark: null })
      const redo = await sync(syncedUrl)
      expect(redo.previousMark).toBe(markBefore)
      expect(redo.summary).toMatchObject({ inserted: 1, deleted: 1 })
      expect(redo.summary.updated).toBe(second.summary.updated)
    })

    it('a rollback of a run that later runs changed rows of is refused with their list, unless --force', async () => {
      // The first sync wrote every row; the redo sync changed some of them again.
      const last = await pgQuery<{ id: number }>(syncedUrl, 'SELECT max(id) AS id FROM migration_run')
      const redoId = last[0]?.id as number
      const before = await checksums(syncedUrl)
      const refused = await runRollback({ targetUrl: syncedUrl, runId: firstSync }).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(RollbackRefusedError)
      expect((refused as RollbackRefusedError).laterRuns).toEqual([redoId])
      expect((refused as Error).message).toMatchInlineSnapshot(
        `"run 1 cannot be rolled back: later run(s) 3 changed some of the same rows. Roll those back first, newest first (dhm rollback --run 3), or give --force to restore the state before run 1 over their changes. Nothing was changed."`,
      )
      expect(await checksums(syncedUrl)).toEqual(before)

      const plan = await runRollback({ targetUrl: syncedUrl, runId: firstSync, dryRun: true })
      expect(plan.laterRuns).toEqual([redoId])

      // Newest first: the redo, then the first sync; the target is empty again.
      await runRollback({ targetUrl: syncedUrl, runId: redoId })
      expect(await checksums(syncedUrl)).toEqual(beforeSecond)
      await runRollback({ targetUrl: syncedUrl, runId: firstSync })
      expect(Object.values(await checksums(syncedUrl)).every((s) => s.startsWith('0 rows'))).toBe(true)
    })

    it('a sync killed after some batches is rolled back to the state before it', async () => {
      const first = await sync(syncedUrl)
      expect(first.summary.inserted).toBe(200)
      const before = await checksums(syncedUrl)
      // Touch every article, so the next sync has 4 batches to write.
      for (const nid of await articleNids(conn)) await editTitle(conn, nid, LATER + 7200)
      // The test holds an article of the second batch: the sync commits the first, then waits.
      const held = await holdLock(
        syncedUrl,
        // (OFFSET in a subquery: a FOR UPDATE query locks the rows its OFFSET skips, too)
        `SELECT id FROM article WHERE id = (SELECT id FROM article WHERE site = 'bne' ORDER BY legacy_nid OFFSET 60 LIMIT 1)
       FOR UPDATE`,
      )
      const child = startDhm(
        [
          'sync',
          '--mapping',
          MAPPING_FILE,
          '--source',
          sourceUrl,
          '--target',
          syncedUrl,
          '--batch-size',
          '50',
          '--reports-dir',
          workDir,
          '--quiet',
        ],
        { DHM_HEAP_CAP: '0' },
      )
      const running = async () =>
        (
          await pgQuery<{ n: number }>(
            syncedUrl,
            "SELECT count(*)::int AS n FROM migration_run WHERE command = 'sync' AND status = 'running' AND (counts->>'read')::int > 0",
          )
        )[0]?.n === 1
      try {
        await held.parked(child, 'the sync to wait inside its second batch')
        expect(await running()).toBe(true)
        child.child.kill('SIGKILL')
        await child.done
      } finally {
        await held.release()
      }
      const [killed] = await pgQuery<{ id: number }>(syncedUrl, 'SELECT max(id) AS id FROM migration_run')
      const killedId = killed?.id as number
      expect(await checksums(syncedUrl)).not.toEqual(before)

      const r = await runRollback({ targetUrl: syncedUrl, runId: killedId })
      expect(r.outcome).toBe('rolled-back')
      expect(r.counts.article.restored).toBe(50)
      expect(await checksums(syncedUrl)).toEqual(before)
    })

    it('--force restores over later runs, and never removes or cascades into rows dhm did not write', async () => {
      const [full] = await pgQuery<{ id: number }>(
        syncedUrl,
        "SELECT max(id) AS id FROM migration_run WHERE status = 'succeeded'",
      )
      const fullId = full?.id as number
      const later = await sync(syncedUrl)
      expect(later.summary.updated).toBe(200)
      // An editor adds a redirect in the new system (not through dhm) to an article the full sync wrote.
      const [kept] = await pgQuery<{ id: number; legacy_nid: number }>(
        syncedUrl,
        'SELECT id, legacy_nid FROM article ORDER BY legacy_nid LIMIT 1',
      )
      await pgQuery(
        syncedUrl,
        `INSERT INTO redirect (site, source_path, language, article_id, legacy_nid)
         VALUES ('bne', 'written/by/an/editor', 'und', $1, $2)`,
        [kept?.id, kept?.legacy_nid],
      )
      await expect(runRollback({ targetUrl: syncedUrl, runId: fullId })).rejects.toThrow(
        `later run(s) ${later.runId} changed`,
      )
      const r = await runRollback({ targetUrl: syncedUrl, runId: fullId, force: true })
      expect(r.laterRuns).toEqual([later.runId])
      expect(r.kept).toMatchObject({ article: 1 })
      expect(await pgQuery(syncedUrl, 'SELECT id FROM article')).toEqual([{ id: kept?.id }])
      expect(await pgQuery(syncedUrl, 'SELECT source_path FROM redirect')).toEqual([
        { source_path: 'written/by/an/editor' },
      ])
      expect(await pgQuery(syncedUrl, 'SELECT 1 FROM article_term')).toEqual([])
    })
  })
})

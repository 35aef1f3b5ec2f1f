// An interrupted `dhm sync --full` is finished by the next sync, even a plain one: the rest of its
// pass, what changed before the point where it stopped, and the deletion scan of a full sync.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runSync, type SyncOptions, type SyncResult } from '../../src/pipeline/run-sync.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'
import {
  articleHashes,
  articleNids,
  type Conn,
  connectMaria,
  deleteNode,
  editTitle,
  rows,
} from '../helpers/drupal-edits.js'

const MAPPING_FILE = 'mappings/bne.yaml'
const ARTICLES = 300
const BATCH = 50
/** The fixture's fixed clock (2023-10-01): every generated node.changed is at or before it. */
const LATER = 1696118400 + 3600

const mariaDb = uniqueName('resume_src')
const syncedDb = uniqueName('resume_dst')
const freshDb = uniqueName('resume_fresh')
const sourceUrl = mariaUrl(mariaDb)
let syncedUrl = ''
let freshUrl = ''
let workDir = ''
let conn: Conn

async function sync(opts: Partial<SyncOptions> = {}): Promise<SyncResult> {
  return runSync({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl: syncedUrl,
    batchSize: BATCH,
    reportsDir: workDir,
    ...opts,
  })
}

/** A --full sync stopped (as by Ctrl-C) once `batches` batches have committed. */
async function interruptedFullSync(batches: number): Promise<SyncResult> {
  const stop = new AbortController()
  return sync({
    full: true,
    signal: stop.signal,
    onEvent: (event) => {
      if (event.kind === 'progress' && event.counts.read >= batches * BATCH) stop.abort()
    },
  })
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'dhm-resume-test-'))
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: ARTICLES, seed: 12 })
  conn = await connectMaria(sourceUrl)
  syncedUrl = await createPgDb(syncedDb)
  freshUrl = await createPgDb(freshDb)
})

afterAll(async () => {
  await conn?.end()
  await dropMariaDb(mariaDb)
  await Promise.all([dropPgDb(syncedDb), dropPgDb(freshDb)])
  if (workDir) await rm(workDir, { recursive: true, force: true })
})

describe('an interrupted sync --full (300 articles, batches of 50)', () => {
  it('is finished by the next plain sync, from where it stopped, and then syncs are incremental again', async () => {
    const nids = await articleNids(conn)
    // One edit after the fixture's clock puts the mark there, clear of the fixture's own stamps.
    await editTitle(conn, nids[5] as number, LATER)
    expect((await sync()).status).toBe('succeeded')
    const stopAfter = nids[2 * BATCH - 1] as number

    // A node deleted before the full sync starts: only its deletion scan, which it does not reach, sees it.
    const gone = nids[250] as number
    await deleteNode(conn, gone)
    const stopped = await interruptedFullSync(2)
    expect(stopped).toMatchObject({ status: 'interrupted', mode: 'full', fullPassAfterNid: stopAfter })
    expect(stopped.summary.read).toBe(2 * BATCH)
    expect(stopped.deletions).toBeNull()

    // Meanwhile: an edit before the stopping point (node.changed moves), and an edit after it that a
    // full pass catches but an incremental sync would not (node.changed stays).
    const before = nids[10] as number
    const after = nids[200] as number
    await editTitle(conn, before, LATER + 60)
    const [unchangedStamp] = await rows<{ changed: number }>(conn, 'SELECT changed FROM node WHERE nid = ?', [
      after,
    ])
    await editTitle(conn, after, Number(unchangedStamp?.changed), ' (silently)')

    const resumed = await sync()
    expect(resumed.status).toBe('succeeded')
    expect(resumed.mode).toBe('full')
    expect(resumed.fullReason).toBe(`resuming the full sync of run ${stopped.runId} after nid ${stopAfter}`)
    // The rest of the pass (the 199 articles left after the stopping point) and,
    // before it, what changed since the mark minus the overlap: the edited one and the one edited
    // at the mark. The deletion scan of a full sync compares every nid.
    expect(resumed.summary).toMatchObject({ read: 2 + 199, updated: 2, unchanged: 199, deleted: 1 })
    expect(resumed.deletions?.scanned).toBeGreaterThanOrEqual(ARTICLES - 1)

    // The target is what a fresh full migration gives (the deleted article kept, unpublished).
    await runMigration({
      mapping: await loadMapping(MAPPING_FILE),
      mappingFile: MAPPING_FILE,
      sourceUrl,
      targetUrl: freshUrl,
      reportsDir: workDir,
    })
    const fresh = await articleHashes(freshUrl)
    const synced = await articleHashes(syncedUrl)
    expect(new Map([...synced].filter(([nid]) => nid !== gone))).toEqual(fresh)
    const [deleted] = await pgQuery(syncedUrl, 'SELECT published FROM article WHERE legacy_nid = $1', [gone])
    expect(deleted).toEqual({ published: false })

    const next = await sync()
    expect(next.mode).toBe('incremental')
    expect(next.summary).toMatchObject({ inserted: 0, updated: 0, deleted: 0 })
  })

  it('--full, or a resumed pass stopped again, each leave the next sync where they stopped', async () => {
    const nids = await articleNids(conn)
    const first = await interruptedFullSync(1)
    expect(first.fullPassAfterNid).toBe(nids[BATCH - 1])
    // The resumed pass re-reads what changed up to there (the two nodes edited within the overlap of
    // the mark), then goes on; stopped after one more batch, it stands a batch further.
    const stop = new AbortController()
    const second = await sync({
      signal: stop.signal,
      onEvent: (event) => {
        if (event.kind === 'progress' && event.counts.read >= BATCH) stop.abort()
      },
    })
    expect(second).toMatchObject({
      status: 'interrupted',
      mode: 'full',
      fullPassAfterNid: nids[2 * BATCH - 1],
    })
    expect(second.summary.read).toBe(2 + BATCH)
    const third = await sync()
    expect(third.fullReason).toBe(
      `resuming the full sync of run ${second.runId} after nid ${nids[2 * BATCH - 1]}`,
    )
    expect(third.summary.read).toBe(2 + nids.length - 2 * BATCH)
    expect((await sync()).mode).toBe('incremental')
  })
})

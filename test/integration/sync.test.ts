// `dhm sync` against real databases: a generated Drupal 7 site in MariaDB, edited by the test the way
// editors would (plain SQL, test/helpers/drupal-edits.ts), synced into Postgres and compared, article
// by article (content hash), with a fresh full migration of the same source.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import type { DeletePolicy } from '../../src/load/apply-deletions.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runSync, type SyncResult } from '../../src/pipeline/run-sync.js'
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
  addArticleLike,
  articleHashes,
  articleNids,
  type Conn,
  changeSection,
  connectMaria,
  deleteNode,
  editTitle,
  movePublicationDate,
  moveWorkflow,
  rows,
  setStatus,
} from '../helpers/drupal-edits.js'

const MAPPING_FILE = 'mappings/bne.yaml'
/** The fixture's fixed clock (2023-10-01): every generated node.changed is at or before it. */
const BASE = 1696118400
const LATER = BASE + 3600

const mariaDb = uniqueName('sync_src')
const syncedDb = uniqueName('sync_dst')
const freshDb = uniqueName('sync_fresh')
const filteredDb = uniqueName('sync_filt')
const sourceUrl = mariaUrl(mariaDb)
let syncedUrl = ''
let freshUrl = ''
let filteredUrl = ''
let workDir = ''
let filteredMapping = ''
let conn: Conn

async function sync(
  targetUrl: string,
  opts: { onDelete?: DeletePolicy; overlapSeconds?: number; full?: boolean; mappingFile?: string } = {},
): Promise<SyncResult> {
  const mappingFile = opts.mappingFile ?? MAPPING_FILE
  return runSync({
    mapping: await loadMapping(mappingFile),
    mappingFile,
    sourceUrl,
    targetUrl,
    batchSize: 50,
    reportsDir: workDir,
    ...(opts.onDelete ? { onDelete: opts.onDelete } : {}),
    ...(opts.overlapSeconds !== undefined ? { overlapSeconds: opts.overlapSeconds } : {}),
    ...(opts.full ? { full: true } : {}),
  })
}

async function article(url: string, nid: number) {
  const [row] = await pgQuery<{ published: boolean; is_live: boolean; deleted: boolean; title: string }>(
    url,
    `SELECT published, is_live, deleted_at IS NOT NULL AS deleted, title FROM article
     WHERE site = 'bne' AND legacy_nid = $1`,
    [nid],
  )
  return row
}

const changes = (r: SyncResult) => {
  const { inserted, updated, rejected, deleted } = r.summary
  return { inserted, updated, rejected, deleted }
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'dhm-sync-test-'))
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 300, seed: 11 })
  conn = await connectMaria(sourceUrl)
  syncedUrl = await createPgDb(syncedDb)
  freshUrl = await createPgDb(freshDb)
  filteredUrl = await createPgDb(filteredDb)
  filteredMapping = path.join(workDir, 'bne-published-only.yaml')
  const bne = await readFile(MAPPING_FILE, 'utf8')
  await writeFile(
    filteredMapping,
    bne.replace('filters: []', 'filters:\n  - { path: node.status, equals: 1 }'),
  )
})

afterAll(async () => {
  await conn?.end()
  await dropMariaDb(mariaDb)
  await Promise.all([dropPgDb(syncedDb), dropPgDb(freshDb), dropPgDb(filteredDb)])
  if (workDir) await rm(workDir, { recursive: true, force: true })
})

describe('dhm sync (300 articles, seed 11, batches of 50)', () => {
  const edited: number[] = []
  const added: number[] = []
  const deleted: number[] = []

  it('the first sync on an empty target reads everything, like --full', async () => {
    const r = await sync(syncedUrl)
    expect(r.mode).toBe('full')
    expect(r.fullReason).toBe('first sync of this site on this target')
    expect(r.summary).toMatchObject({ read: 300, inserted: 300, updated: 0, rejected: 0, deleted: 0 })
    // The mark is the newest node.changed of an article or workflow stamp (the fixture spreads them below its clock).
    const [newest] = await rows<{ mark: number }>(
      conn,
      `SELECT GREATEST((SELECT MAX(changed) FROM node WHERE type = 'article'),
         (SELECT MAX(stamp) FROM workflow_node)) AS mark`,
    )
    const mark = Number(newest?.mark)
    expect(mark).toBeGreaterThan(BASE - 86_400)
    expect(mark).toBeLessThanOrEqual(BASE)
    expect(r.highWaterMark).toBe(mark)
    // Content rules run and are counted as in migrate (the bne fixture has media tokens and node links).
    expect(r.counts.content['media-token']).toBeGreaterThan(0)
    expect(r.counts.content['link-node']).toBeGreaterThan(0)
  })

  it('(1) 10 edits, 3 new and 2 deleted articles: one sync gives what a fresh full migration gives', async () => {
    const live = await articleNids(
      conn,
      `n.status = 1 AND EXISTS (SELECT 1 FROM field_revision_field_website_sections f
         WHERE f.entity_id = n.nid AND f.revision_id = n.vid AND f.delta = 0)
       AND EXISTS (SELECT 1 FROM workflow_node w WHERE w.nid = n.nid AND w.sid = 3)
       AND EXISTS (SELECT 1 FROM publication_date p WHERE p.nid = n.nid AND p.published_at > 0)`,
    )
    expect(live.length).toBeGreaterThan(100)
    const pick = (i: number) => live[i * 3] as number
    // 5 title edits, 2 section moves, 1 unpublish: node.changed moves.
    for (let i = 0; i < 5; i++) await editTitle(conn, pick(i), LATER + i)
    await changeSection(conn, pick(5), LATER)
    await changeSection(conn, pick(6), LATER)
    await setStatus(conn, pick(7), 0, LATER)
    // A workflow transition back to draft and a new publication date: node.changed does not move.
    await moveWorkflow(conn, pick(8), 2, LATER + 60)
    await movePublicationDate(conn, pick(9), 86_400)
    edited.push(...Array.from({ length: 10 }, (_, i) => pick(i)))
    for (let i = 0; i < 3; i++)
      added.push(await addArticleLike(conn, pick(20 + i), LATER, `New article ${i}`))
    deleted.push(pick(30), pick(31))
    for (const nid of deleted) await deleteNode(conn, nid)

    const before = await articleHashes(syncedUrl)
    const r = await sync(syncedUrl)
    expect(r.mode).toBe('incremental')
    expect(changes(r)).toMatchObject({ inserted: 3, rejected: 0, deleted: 2 })
    expect(r.highWaterMark).toBe(LATER + 60)
    // Updated = exactly the articles whose content hash moved: the 10 edited ones, plus any whose
    // content depends on another node (a body link to a deleted article) when the mapping says so.
    const after = await articleHashes(syncedUrl)
    const moved = [...before].filter(([nid, hash]) => !deleted.includes(nid) && after.get(nid) !== hash)
    expect(r.summary.updated).toBe(moved.length)
    expect(moved.map(([nid]) => nid)).toEqual(expect.arrayContaining(edited))

    await runMigration({
      mapping: await loadMapping(MAPPING_FILE),
      mappingFile: MAPPING_FILE,
      sourceUrl,
      targetUrl: freshUrl,
      reportsDir: workDir,
    })
    const fresh = await articleHashes(freshUrl)
    const synced = await articleHashes(syncedUrl)
    expect(fresh.size).toBe(301)
    // Every article of the fresh migration, with the same content hash...
    expect(new Map([...synced].filter(([nid]) => fresh.has(nid)))).toEqual(fresh)
    // ...and the deleted ones kept, unpublished (the default policy).
    expect([...synced.keys()].filter((nid) => !fresh.has(nid))).toEqual(deleted)
    for (const nid of deleted) {
      expect(await article(syncedUrl, nid)).toMatchObject({
        published: false,
        is_live: false,
        deleted: false,
      })
    }
    expect(await article(syncedUrl, pick(7))).toMatchObject({ published: false, is_live: false })
  })

  it('(2) a second sync right after reports 0 changes', async () => {
    const r = await sync(syncedUrl)
    expect(changes(r)).toEqual({ inserted: 0, updated: 0, rejected: 0, deleted: 0 })
    expect(r.summary.read).toBe(r.summary.unchanged)
    expect(r.highWaterMark).toBe(LATER + 60)
  })

  it('(5) a node whose changed equals the stored mark is not skipped, even with no overlap', async () => {
    const [run] = await pgQuery<{ mark: number }>(
      syncedUrl,
      "SELECT high_water_mark AS mark FROM migration_run WHERE command = 'sync' ORDER BY id DESC LIMIT 1",
    )
    const mark = Number(run?.mark)
    const nid = edited[0] as number
    await editTitle(conn, nid, mark, ' (again)')
    const r = await sync(syncedUrl, { overlapSeconds: 0 })
    expect(changes(r)).toEqual({ inserted: 0, updated: 1, rejected: 0, deleted: 0 })
    expect((await article(syncedUrl, nid))?.title).toMatch(/ \(updated\) \(again\)$/)
  })

  it('soft-delete and hard-delete policies for a node gone from the source; reruns change nothing', async () => {
    const [nid] = await articleNids(conn, 'n.nid NOT IN (?)', [[...edited, ...added]])
    await deleteNode(conn, nid as number)
    // The policy applies to every article whose node is gone: the 2 unpublished ones of (1) too.
    expect(changes(await sync(syncedUrl, { onDelete: 'soft-delete' }))).toMatchObject({ deleted: 3 })
    expect(await article(syncedUrl, nid as number)).toMatchObject({ deleted: true })
    expect(changes(await sync(syncedUrl, { onDelete: 'soft-delete' }))).toMatchObject({ deleted: 0 })

    const r = await sync(syncedUrl, { onDelete: 'hard-delete' })
    expect(changes(r)).toEqual({ inserted: 0, updated: 0, rejected: 0, deleted: 3 })
    expect(await article(syncedUrl, nid as number)).toBeUndefined()
    const terms = await pgQuery(
      syncedUrl,
      'SELECT count(*)::int AS n FROM article_term at LEFT JOIN article a ON a.id = at.article_id WHERE a.id IS NULL',
    )
    expect(terms).toEqual([{ n: 0 }])
    const fresh = await articleHashes(freshUrl)
    const synced = await articleHashes(syncedUrl)
    expect([...fresh.keys()].filter((n) => !synced.has(n))).toEqual([nid])
    expect([...synced.keys()].filter((n) => !fresh.has(n))).toEqual([])
  })

  it('a node the mapping filters now exclude gets the policy (counted as filtered) and comes back', async () => {
    const first = await sync(filteredUrl, { mappingFile: filteredMapping, onDelete: 'soft-delete' })
    expect(first.mode).toBe('full')
    const [published] = await rows<{ n: number }>(
      conn,
      "SELECT COUNT(*) AS n FROM node WHERE type = 'article' AND status = 1",
    )
    expect(first.summary.inserted).toBe(Number(published?.n))
    const [nid] = await articleNids(conn, 'n.status = 1 AND n.nid NOT IN (?)', [edited])
    await setStatus(conn, nid as number, 0, LATER + 120)
    const hidden = await sync(filteredUrl, { mappingFile: filteredMapping, onDelete: 'soft-delete' })
    // Filtered counts every excluded node read (the overlap window re-reads the one unpublished in (1));
    // only the newly excluded one had a row to soft-delete.
    expect(hidden.summary).toMatchObject({ filtered: 2, deleted: 0, updated: 0 })
    expect(hidden.counts.filteredRemoved).toBe(1)
    expect(await article(filteredUrl, nid as number)).toMatchObject({ deleted: true })

    await setStatus(conn, nid as number, 1, LATER + 180)
    const back = await sync(filteredUrl, { mappingFile: filteredMapping, onDelete: 'soft-delete' })
    expect(back.summary).toMatchObject({ filtered: 1, updated: 1 })
    expect(await article(filteredUrl, nid as number)).toMatchObject({ deleted: false, published: true })
  })

  it('records each run with its mark; an edited mapping file makes the next sync full', async () => {
    const runs = await pgQuery<{ status: string; mark: number | null }>(
      filteredUrl,
      "SELECT status, high_water_mark AS mark FROM migration_run WHERE command = 'sync' ORDER BY id",
    )
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded'])
    expect(runs.map((r) => r.mark)).toEqual([LATER + 60, LATER + 120, LATER + 180])
    await writeFile(filteredMapping, `${await readFile(filteredMapping, 'utf8')}\n# edited\n`)
    const r = await sync(filteredUrl, { mappingFile: filteredMapping, onDelete: 'soft-delete' })
    expect(r.fullReason).toBe('the mapping file changed since the last sync')
    const again = await sync(filteredUrl, { mappingFile: filteredMapping, onDelete: 'soft-delete' })
    expect(again.fullReason).toBeNull()
  })

  it('another mapping file of the same bundles makes the next sync full, and the reason names both files', async () => {
    const r = await sync(filteredUrl, { onDelete: 'soft-delete' })
    expect(r.fullReason).toBe(
      `the last sync of site bne ran another mapping file (${filteredMapping}, bundles article) than this one ` +
        `(${MAPPING_FILE}, bundles article); if both stay in use, syncs of mappings that share a site make ` +
        'each other read everything (the high-water mark is per site): give each mapping its own site',
    )
  })
})

describe('dhm sync with a node.changed in the future', () => {
  const futureSrc = uniqueName('sync_future_src')
  const futureDst = uniqueName('sync_future_dst')
  const futureSource = mariaUrl(futureSrc)
  let futureTarget = ''
  let editor: Conn

  beforeAll(async () => {
    await generateFixture({ url: MARIADB_SERVER, database: futureSrc, articles: 30, seed: 4 })
    editor = await connectMaria(futureSource)
    futureTarget = await createPgDb(futureDst)
  })

  afterAll(async () => {
    await editor?.end()
    await dropMariaDb(futureSrc)
    await dropPgDb(futureDst)
  })

  /** A sync of the future fixture; the phase messages it printed go to `phases` when given. */
  const syncFuture = async (phases?: string[]) =>
    runSync({
      mapping: await loadMapping(MAPPING_FILE),
      mappingFile: MAPPING_FILE,
      sourceUrl: futureSource,
      targetUrl: futureTarget,
      batchSize: 50,
      reportsDir: workDir,
      onEvent: (e) => {
        if (e.kind === 'phase') phases?.push(e.message)
      },
    })

  it('keeps the mark at the source clock, so an edit made today is still picked up', async () => {
    const [ahead, edited] = await articleNids(editor)
    // 2037-01-01: a wrong clock or an import; the mark must not follow it.
    await editor.query('UPDATE node SET changed = 2114380800 WHERE nid = ?', [ahead])
    const events: string[] = []
    const first = await syncFuture(events)
    const [clock] = await rows<{ now: number }>(editor, 'SELECT UNIX_TIMESTAMP() AS now')
    const now = Math.floor(Number(clock?.now))
    expect(first.highWaterMark).toBeLessThanOrEqual(now)
    expect(first.highWaterMark).toBeGreaterThan(now - 60)
    expect(events.join('\n')).toContain(
      'a node.changed or workflow stamp is in the future (2037-01-01T00:00:00.000Z',
    )

    await editTitle(editor, edited as number, now)
    const second = await syncFuture()
    expect(changes(second)).toEqual({ inserted: 0, updated: 1, rejected: 0, deleted: 0 })
    const [row] = await pgQuery<{ title: string }>(
      futureTarget,
      "SELECT title FROM article WHERE site = 'bne' AND legacy_nid = $1",
      [edited],
    )
    expect(row?.title).toMatch(/ \(updated\)$/)
  })
})

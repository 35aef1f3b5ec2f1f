// The deletion scan of `dhm sync` (applyDeletions) against real databases, with small ranges so that
// one fixture has many: ranges whose sums agree are skipped, a range whose count still agrees but
// whose nids differ is caught, and the exhaustive (full sync) scan finds the same articles. A second
// mapping that shares the site (blogs next to the articles) never has its articles retired.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSourcePool, type SourcePool } from '../../src/extract/source-db.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { applyDeletions, type DeletionScan } from '../../src/pipeline/deletion-scan.js'
import { runSync } from '../../src/pipeline/run-sync.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'
import { articleNids, type Conn, connectMaria, deleteNode, rows } from '../helpers/drupal-edits.js'

const MAPPING_FILE = 'mappings/bne.yaml'
const RANGE = 100
const LEAF = 10

const mariaDb = uniqueName('syncdel_src')
const targetDb = uniqueName('syncdel_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let conn: Conn
let sourcePool: SourcePool
let targetPool: pg.Pool
let workDir = ''

async function scan(opts: Partial<DeletionScan> = {}) {
  const source = await sourcePool.getConnection()
  try {
    return await applyDeletions(source, targetPool, {
      mapping: await loadMapping(MAPPING_FILE),
      policy: 'unpublish',
      rangeSize: RANGE,
      leafSize: LEAF,
      sourceUrl,
      ...opts,
    })
  } finally {
    source.release()
  }
}

async function article(nid: number) {
  const [row] = await pgQuery<{ published: boolean; is_live: boolean }>(
    targetUrl,
    "SELECT published, is_live FROM article WHERE site = 'bne' AND legacy_nid = $1",
    [nid],
  )
  return row
}

beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 300, seed: 12 })
  conn = await connectMaria(sourceUrl)
  sourcePool = createSourcePool(sourceUrl, 1)
  targetUrl = await createPgDb(targetDb)
  targetPool = new pg.Pool({ connectionString: targetUrl, max: 2 })
  // Sessions are terminated when the database is dropped: a closing client's FATAL is not a failure.
  targetPool.on('error', () => undefined)
  await runSync({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    batchSize: 100,
    reportsDir: 'reports',
  })
})

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true })
  await conn?.end()
  await sourcePool?.end()
  await targetPool?.end()
  await dropMariaDb(mariaDb)
  await dropPgDb(targetDb)
})

describe('deletion scan (300 articles, seed 12, ranges of 100 nids, sub-ranges of 10)', () => {
  let gone = 0
  let missing = 0

  it('compares sums only when nothing was deleted', async () => {
    const [{ n } = { n: 0 }] = await pgQuery<{ n: number }>(
      targetUrl,
      "SELECT count(DISTINCT legacy_nid / 100)::int AS n FROM article WHERE site = 'bne'",
    )
    expect(await scan()).toEqual({
      deleted: 0,
      scanned: 0,
      ranges: n,
      differingRanges: 0,
      differingLeaves: 0,
    })
  })

  it('finds a deleted node in a range whose count still agrees (the target lacks another nid of it)', async () => {
    // Two articles of one sub-range: one deleted from the source, the other's row removed from the target
    // (as if it had been rejected): both sides count the same number of nids in the range.
    // The deleted one is published, so that unpublishing it changes its row.
    const nids = await articleNids(conn)
    const published = new Set(await articleNids(conn, 'n.status = 1'))
    const pair = nids.find((nid, i) => {
      const next = nids[i + 1]
      return next !== undefined && published.has(nid) && Math.floor(nid / LEAF) === Math.floor(next / LEAF)
    }) as number
    gone = pair
    missing = nids[nids.indexOf(pair) + 1] as number
    await deleteNode(conn, gone)
    await pgQuery(targetUrl, "DELETE FROM article WHERE site = 'bne' AND legacy_nid = $1", [missing])

    const r = await scan()
    expect(r).toMatchObject({ deleted: 1, differingRanges: 1, differingLeaves: 1 })
    expect(r.scanned).toBeLessThanOrEqual(LEAF)
    expect(await article(gone)).toEqual({ published: false, is_live: false })
    expect(await article(missing)).toBeUndefined()
  })

  it('a rerun changes nothing; the range still differs (the unpublished row stays) and costs one sub-range', async () => {
    const r = await scan()
    expect(r).toMatchObject({ deleted: 0, differingRanges: 1, differingLeaves: 1 })
    expect(r.scanned).toBeLessThanOrEqual(LEAF)
  })

  it('the exhaustive scan (full sync) compares every nid and finds the same article', async () => {
    const [{ n } = { n: 0 }] = await pgQuery<{ n: number }>(
      targetUrl,
      "SELECT count(*)::int AS n FROM article WHERE site = 'bne'",
    )
    expect(await scan({ exhaustive: true, policy: 'hard-delete' })).toMatchObject({
      deleted: 1,
      scanned: n,
      differingLeaves: 0,
    })
    expect(await article(gone)).toBeUndefined()
    // Without the gone row, the only difference left is the nid the target never got: no deletion.
    expect(await scan({ policy: 'hard-delete' })).toMatchObject({ deleted: 0, differingLeaves: 1 })
  })
})

describe('two mappings that share a site (bne articles, bne blogs)', () => {
  let blogMapping = ''
  const blogs = () =>
    pgQuery<{ nid: number; published: boolean; is_live: boolean }>(
      targetUrl,
      "SELECT legacy_nid AS nid, published, is_live FROM article WHERE site = 'bne' AND bundle = 'blog' ORDER BY 1",
    )
  const articles = () =>
    pgQuery<{ nid: number; published: boolean; is_live: boolean }>(
      targetUrl,
      "SELECT legacy_nid AS nid, published, is_live FROM article WHERE site = 'bne' AND bundle = 'article' ORDER BY 1",
    )

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'dhm-syncdel-'))
    blogMapping = path.join(workDir, 'bne-blog.yaml')
    const bne = await readFile(MAPPING_FILE, 'utf8')
    await writeFile(blogMapping, bne.replace('bundles: [article]', 'bundles: [blog]'))
  })

  it("syncing the blogs (a full sync: another mapping synced last) leaves the site's articles alone", async () => {
    const before = await articles()
    const r = await runSync({
      mapping: await loadMapping(blogMapping),
      mappingFile: blogMapping,
      sourceUrl,
      targetUrl,
      batchSize: 100,
      reportsDir: workDir,
    })
    const [source] = await rows<{ n: number; published: number }>(
      conn,
      "SELECT COUNT(*) AS n, CAST(SUM(status) AS SIGNED) AS published FROM node WHERE type = 'blog'",
    )
    expect(r.mode).toBe('full')
    expect(r.fullReason).toBe(
      'the last sync of site bne ran another mapping file (mappings/bne.yaml, bundles article) than this one ' +
        `(${blogMapping}, bundles blog); if both stay in use, syncs of mappings that share a site make each ` +
        'other read everything (the high-water mark is per site): give each mapping its own site',
    )
    expect(r.summary).toMatchObject({ inserted: Number(source?.n), deleted: 0 })
    expect(r.deletions).toMatchObject({ deleted: 0, scanned: Number(source?.n) })
    expect(await articles()).toEqual(before)
    expect((await blogs()).filter((b) => b.published)).toHaveLength(Number(source?.published))
  })

  it("the articles' scans, incremental and exhaustive, and a full sync never retire a blog", async () => {
    const before = await blogs()
    expect(await scan()).toMatchObject({ deleted: 0 })
    expect(await scan({ exhaustive: true })).toMatchObject({ deleted: 0 })
    const full = await runSync({
      mapping: await loadMapping(MAPPING_FILE),
      mappingFile: MAPPING_FILE,
      sourceUrl,
      targetUrl,
      batchSize: 100,
      full: true,
      reportsDir: workDir,
    })
    expect(full.summary).toMatchObject({ deleted: 0 })
    expect(await blogs()).toEqual(before)
  })

  it('a blog deleted in the source is retired by the blog mapping only', async () => {
    const published = await blogs().then((b) => b.filter((x) => x.published).map((x) => x.nid))
    const gone = published[0] as number
    await deleteNode(conn, gone)
    expect(await scan()).toMatchObject({ deleted: 0 })
    expect(await scan({ mapping: await loadMapping(blogMapping) })).toMatchObject({ deleted: 1 })
    expect((await blogs()).find((b) => b.nid === gone)).toEqual({
      nid: gone,
      published: false,
      is_live: false,
    })
  })
})

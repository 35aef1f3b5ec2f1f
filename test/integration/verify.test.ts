// `dhm verify` against real databases: a generated Drupal 7 fixture migrated into a fresh Postgres,
// then changed on purpose on both sides. Expectations are literal or read with plain SQL written
// here; the nids to tamper with are picked by SQL too. Nodes deleted in the source are deleted as
// Drupal does (test/helpers/drupal-edits.ts) and retired with sync's own delete policy.

import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { applyDeletePolicy } from '../../src/load/apply-deletions.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runVerify, type VerifyOptions, type VerifyResult } from '../../src/pipeline/run-verify.js'
import type { VerifyReport } from '../../src/report/verify-report.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaQuery,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'
import { connectMaria, deleteNode } from '../helpers/drupal-edits.js'

const MAPPING_FILE = 'mappings/bne.yaml'
const ARTICLES = 200
/** Odd on purpose: source batches and target ranges cut through the data at arbitrary nids. */
const BATCH_SIZE = 37

const mariaDb = uniqueName('verify_src')
const pgDb = uniqueName('verify_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let reportsDir = ''
let loaded = 0
let rejectedByMigrate = 0

async function verify(opts: Partial<VerifyOptions> = {}): Promise<VerifyResult> {
  return runVerify({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    batchSize: BATCH_SIZE,
    reportsDir,
    ...opts,
  })
}

const brief = (r: VerifyResult) =>
  r.report.differences
    .filter((d) => d.class !== 'rejected')
    .map((d) => ({ nid: d.legacyNid, class: d.class, fields: d.fields }))

/** Article nids no body links to, ascending: deleting a link target rightly changes the linking article. */
async function unlinkedNids(): Promise<number[]> {
  const rows = await mariaQuery<{ nid: number }>(
    sourceUrl,
    `SELECT n.nid FROM node n WHERE n.type = 'article' AND NOT EXISTS (
       SELECT 1 FROM field_revision_body b WHERE b.body_value LIKE CONCAT('%node/', n.nid, '"%')) ORDER BY n.nid`,
  )
  return rows.map((r) => Number(r.nid))
}

/** Sync's own `--on-delete` policy, applied to these nids as `dhm sync` applies it. */
async function applyPolicy(nids: number[], policy: 'unpublish' | 'soft-delete'): Promise<number> {
  const client = new pg.Client({ connectionString: targetUrl })
  await client.connect()
  try {
    return await applyDeletePolicy(client, 'bne', nids, policy)
  } finally {
    await client.end()
  }
}

/** The article nid whose target row has at least `sections` sections, the n-th from the start. */
async function articleNid(where: string, offset = 0): Promise<number> {
  const rows = await pgQuery<{ nid: number }>(
    targetUrl,
    `SELECT legacy_nid AS nid FROM article WHERE deleted_at IS NULL AND ${where} ORDER BY legacy_nid OFFSET $1 LIMIT 1`,
    [offset],
  )
  const nid = rows[0]?.nid
  if (nid === undefined) throw new Error(`the fixture has no article with ${where}`)
  return nid
}

beforeAll(async () => {
  reportsDir = await mkdtemp(path.join(tmpdir(), 'dhm-verify-test-'))
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: ARTICLES, seed: 11 })
  targetUrl = await createPgDb(pgDb)
  const migrated = await runMigration({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    batchSize: BATCH_SIZE,
    reportsDir,
  })
  loaded = migrated.summary.inserted
  rejectedByMigrate = migrated.summary.rejected
})

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (reportsDir) await rm(reportsDir, { recursive: true, force: true })
})

describe('dhm verify', () => {
  it('finds nothing to report on a freshly migrated target', async () => {
    const [articles] = await mariaQuery<{ n: number }>(
      sourceUrl,
      "SELECT COUNT(*) AS n FROM node WHERE type = 'article'",
    )
    const [rows] = await pgQuery<{ n: number }>(targetUrl, 'SELECT count(*)::int AS n FROM article')
    const r = await verify()
    expect(r.report.counts).toEqual({
      read: Number(articles?.n),
      matched: rows?.n,
      missing: 0,
      extra: 0,
      changed: 0,
      edited: 0,
      rejected: rejectedByMigrate,
      filtered: 0,
      retired: 0,
    })
    expect(r.report.counts.matched).toBe(loaded)
    expect(brief(r)).toEqual([])
    expect(r.exitCode).toBe(rejectedByMigrate > 0 ? 3 : 0)
    // Coverage is the same on both sides when nothing differs.
    for (const c of r.report.coverage) expect([c.field, c.target]).toEqual([c.field, c.source])
  })

  it('reports exactly a deleted target row, a changed title, a removed section and a node deleted in the source', async () => {
    const deletedInTarget = await articleNid('true', 3)
    const retitled = await articleNid('true', 10)
    const resectioned = await articleNid(
      `jsonb_array_length(document->'sections') >= 2 AND legacy_nid NOT IN (${deletedInTarget}, ${retitled})`,
      5,
    )
    const inTarget = new Set(
      (await pgQuery<{ nid: number }>(targetUrl, 'SELECT legacy_nid AS nid FROM article')).map((r) => r.nid),
    )
    const deletedInSource = (await unlinkedNids()).find(
      (nid) => nid > 20 && inTarget.has(nid) && ![deletedInTarget, retitled, resectioned].includes(nid),
    )
    if (deletedInSource === undefined) throw new Error('the fixture has no unlinked article')
    const [original] = await mariaQuery<{ title: string }>(
      sourceUrl,
      'SELECT title FROM node WHERE nid = ?',
      [retitled],
    )
    const [lastSection] = await pgQuery<{ name: string; tid: number }>(
      targetUrl,
      "SELECT document->'sections'->-1->>'name' AS name, (document->'sections'->-1->>'tid')::int AS tid FROM article WHERE legacy_nid = $1",
      [resectioned],
    )

    // Target: as an app writing through the article model would (columns, document, hash).
    await pgQuery(
      targetUrl,
      'DELETE FROM article_term WHERE article_id = (SELECT id FROM article WHERE legacy_nid = $1)',
      [deletedInTarget],
    )
    await pgQuery(targetUrl, 'DELETE FROM article WHERE legacy_nid = $1', [deletedInTarget])
    await pgQuery(
      targetUrl,
      `UPDATE article SET title = $2, document = jsonb_set(document, '{title}', to_jsonb($2::text)),
         content_hash = encode(sha256('retitled'::bytea), 'hex') WHERE legacy_nid = $1`,
      [retitled, 'Edited in the new CMS <b>'],
    )
    await pgQuery(
      targetUrl,
      `UPDATE article SET document = jsonb_set(document, '{sections}', (document->'sections') - (-1)),
         content_hash = encode(sha256('resectioned'::bytea), 'hex') WHERE legacy_nid = $1`,
      [resectioned],
    )
    await pgQuery(
      targetUrl,
      `DELETE FROM article_term t USING article a WHERE t.article_id = a.id AND a.legacy_nid = $1
         AND t.role = 'section' AND t.position = jsonb_array_length(a.document->'sections')`,
      [resectioned],
    )
    // Source (the test's own database): the node row goes, as Drupal's node_delete does first.
    await mariaQuery(sourceUrl, 'DELETE FROM node WHERE nid = ?', [deletedInSource])

    const r = await verify()
    expect(brief(r)).toEqual(
      [
        { nid: deletedInTarget, class: 'missing', fields: [] },
        { nid: retitled, class: 'changed', fields: ['title'] },
        { nid: resectioned, class: 'changed', fields: ['sections'] },
        { nid: deletedInSource, class: 'extra', fields: [] },
      ].sort((a, b) => a.nid - b.nid),
    )
    expect(r.report.counts).toMatchObject({ matched: loaded - 4, missing: 1, extra: 1, changed: 2 })
    expect(r.report.fieldChanges).toEqual({ title: 1, sections: 1 })
    expect(r.exitCode).toBe(4)

    const title = r.report.differences.find((d) => d.legacyNid === retitled)?.changes[0]
    expect(title).toEqual({
      field: 'title',
      target: '"Edited in the new CMS <b>"',
      source: JSON.stringify(original?.title),
      detail: null,
    })
    const sections = r.report.differences.find((d) => d.legacyNid === resectioned)?.changes[0]
    expect(sections?.detail).toBe(
      `missing in target: ${JSON.stringify([`${lastSection?.name} (${lastSection?.tid})`])}`,
    )

    // The report files.
    const json = JSON.parse(await readFile(r.files.json, 'utf8')) as VerifyReport
    expect(json.schemaVersion).toBe(1)
    expect(json.counts).toEqual(r.report.counts)
    expect(json.differences.filter((d) => d.class !== 'rejected')).toHaveLength(4)
    expect(json.params).toMatchObject({ source: sourceUrl, batchSize: BATCH_SIZE, ids: null })
    expect(json.timings.totalSeconds).toBeGreaterThan(0)
    expect(json.coverage.find((c) => c.field === 'title')).toEqual({
      field: 'title',
      source: loaded - 1,
      sourceTotal: loaded - 1,
      target: loaded - 1,
      targetTotal: loaded - 1,
    })
    const ndjson = (await readFile(path.join(r.reportDir, 'differences.ndjson'), 'utf8')).trim().split('\n')
    expect(ndjson).toHaveLength(r.report.differencesTotal)
    const md = await readFile(r.files.markdown, 'utf8')
    expect(md).toContain('| missing in target | 1 |')
    expect(md).toContain('| title | 1 |')
    expect(md).toContain('Edited in the new CMS &lt;b>')
    const html = await readFile(r.files.html, 'utf8')
    expect(html).toContain('Edited in the new CMS &lt;b&gt;')
    expect(html).not.toContain('<b>')
  })

  it('--ids looks at those nids only, in the source and in the target', async () => {
    const before = await verify()
    const [first, second] = brief(before)
    if (!first || !second) throw new Error('expected the previous test to leave differences')
    const matchedNid = await articleNid('true', 40)
    const r = await verify({ ids: [first.nid, matchedNid, second.nid] })
    expect(brief(r)).toEqual([first, second])
    expect(r.report.counts.matched).toBe(1)
  })

  it('--sample picks the same nids every run', async () => {
    const a = await verify({ sample: 25 })
    const b = await verify({ sample: 25 })
    expect(a.report.counts.read).toBe(25)
    expect(b.report.counts).toEqual(a.report.counts)
    expect(b.report.differences).toEqual(a.report.differences)
  })

  it('soft-deleted target rows are missing when the source has the node, and retired when it does not', async () => {
    const before = brief(await verify())
    const gone = before.find((d) => d.class === 'extra')?.nid as number
    const softDeleted = await articleNid(`legacy_nid NOT IN (${before.map((d) => d.nid).join(', ')})`, 50)
    await pgQuery(targetUrl, 'UPDATE article SET deleted_at = now() WHERE legacy_nid = ANY($1::int[])', [
      [softDeleted, gone],
    ])
    const r = await verify()
    expect(brief(r).find((d) => d.nid === softDeleted)).toEqual({
      nid: softDeleted,
      class: 'missing',
      fields: [],
    })
    expect(brief(r).filter((d) => d.class === 'extra')).toEqual([])
    expect(r.report.counts.retired).toBe(1)
    expect(r.report.retired).toEqual([
      {
        legacyNid: gone,
        title: expect.any(String),
        state: 'soft-deleted',
        reason: 'not in the source (deleted, or no longer of a mapped bundle)',
      },
    ])
  })

  it('an edit that left the stored hash as it was is found, with or without --deep', async () => {
    const edited = await articleNid("document->>'summary' IS NOT NULL", 7)
    const [{ summary } = { summary: '' }] = await pgQuery<{ summary: string }>(
      targetUrl,
      'SELECT summary FROM article WHERE legacy_nid = $1',
      [edited],
    )
    const setSummary = (text: string) =>
      pgQuery(
        targetUrl,
        `UPDATE article SET summary = $2, document = jsonb_set(document, '{summary}', to_jsonb($2::text)) WHERE legacy_nid = $1`,
        [edited, text],
      )
    await setSummary('hand edit')
    const expected = { nid: edited, class: 'changed', fields: ['summary'] }
    expect(brief(await verify()).find((d) => d.nid === edited)).toEqual(expected)
    expect(brief(await verify({ deep: true })).find((d) => d.nid === edited)).toEqual(expected)
    // Put back: a migration would not rewrite it (its stored hash is the source's), and the next
    // test compares verify with migrate --dry-run's plan.
    await setSummary(summary)
  })

  it('migrate --dry-run writes the same report as a plan', async () => {
    const dry = await runMigration({
      mapping: await loadMapping(MAPPING_FILE),
      mappingFile: MAPPING_FILE,
      sourceUrl,
      targetUrl,
      batchSize: BATCH_SIZE,
      reportsDir,
      dryRun: true,
    })
    const dir = dry.reportDir ?? ''
    const plan = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as VerifyReport
    const check = await verify()
    expect(plan.kind).toBe('plan')
    expect(plan.counts).toEqual(check.report.counts)
    expect(plan.differences).toEqual(check.report.differences)
    // The migration's own counts agree (it counts reviving a soft-deleted row as an update).
    expect(dry.summary.inserted + dry.summary.updated).toBe(plan.counts.missing + plan.counts.changed)
    expect(await readFile(path.join(dir, 'report.md'), 'utf8')).toContain('| would insert | 2 |')
    expect(existsSync(path.join(dir, 'report.html'))).toBe(true)
  })

  it("a node deleted in the source and unpublished by sync's delete policy is retired, not extra; a published one stays extra", async () => {
    const before = await verify()
    const taken = new Set([
      ...brief(before).map((d) => d.nid),
      ...before.report.retired.map((r) => r.legacyNid),
    ])
    const published = new Set(
      (
        await pgQuery<{ nid: number }>(
          targetUrl,
          'SELECT legacy_nid AS nid FROM article WHERE published AND is_live AND deleted_at IS NULL',
        )
      ).map((r) => r.nid),
    )
    const [unpublished, stillLive] = (await unlinkedNids()).filter(
      (nid) => nid > 20 && published.has(nid) && !taken.has(nid),
    )
    if (unpublished === undefined || stillLive === undefined)
      throw new Error('the fixture has too few unlinked articles')
    const [{ title } = { title: '' }] = await pgQuery<{ title: string }>(
      targetUrl,
      'SELECT title FROM article WHERE legacy_nid = $1',
      [unpublished],
    )
    const conn = await connectMaria(sourceUrl)
    try {
      await deleteNode(conn, unpublished)
      await deleteNode(conn, stillLive)
    } finally {
      await conn.end()
    }
    expect(await applyPolicy([unpublished], 'unpublish')).toBe(1)

    const r = await verify()
    expect(brief(r)).toEqual(
      [...brief(before), { nid: stillLive, class: 'extra', fields: [] }].sort((a, b) => a.nid - b.nid),
    )
    expect(r.report.counts).toMatchObject({
      extra: before.report.counts.extra + 1,
      retired: before.report.counts.retired + 1,
    })
    expect(r.report.retired.find((x) => x.legacyNid === unpublished)).toEqual({
      legacyNid: unpublished,
      title,
      state: 'unpublished',
      reason: 'not in the source (deleted, or no longer of a mapped bundle)',
    })
    const ndjson = (await readFile(path.join(r.reportDir, 'retired.ndjson'), 'utf8')).trim().split('\n')
    expect(ndjson.map((l) => (JSON.parse(l) as { legacyNid: number }).legacyNid)).toEqual(
      r.report.retired.map((x) => x.legacyNid),
    )
    expect(await readFile(r.files.markdown, 'utf8')).toContain(
      `| retired in target | ${r.report.counts.retired} |`,
    )

    // Once sync's policy has unpublished the other one too, neither is a difference any more.
    expect(await applyPolicy([stillLive], 'unpublish')).toBe(1)
    const after = await verify()
    expect(brief(after)).toEqual(brief(before))
    expect(after.report.counts.retired).toBe(before.report.counts.retired + 2)
  })

  it('articles of another mapping that shares the site are none of its business, and vice versa', async () => {
    const blogMapping = path.join(reportsDir, 'bne-blog.yaml')
    const bne = await readFile(MAPPING_FILE, 'utf8')
    await writeFile(blogMapping, bne.replace('bundles: [article]', 'bundles: [blog]'))
    const before = await verify()
    const blogs = await runMigration({
      mapping: await loadMapping(blogMapping),
      mappingFile: blogMapping,
      sourceUrl,
      targetUrl,
      batchSize: BATCH_SIZE,
      reportsDir,
    })
    // A blog no body links to goes from the source; its target row stays published.
    const [gone] = await mariaQuery<{ nid: number }>(
      sourceUrl,
      `SELECT n.nid FROM node n WHERE n.type = 'blog' AND n.status = 1 AND NOT EXISTS (
         SELECT 1 FROM field_revision_body b WHERE b.body_value LIKE CONCAT('%node/', n.nid, '"%')) ORDER BY n.nid LIMIT 1`,
    )
    const conn = await connectMaria(sourceUrl)
    try {
      await deleteNode(conn, Number(gone?.nid))
    } finally {
      await conn.end()
    }

    const r = await verify()
    expect(r.report.counts).toEqual(before.report.counts)
    expect(r.report.differences).toEqual(before.report.differences)
    expect(r.report.coverage).toEqual(before.report.coverage)
    const blogView = await verify({ mapping: await loadMapping(blogMapping), mappingFile: blogMapping })
    expect(blogView.report.counts).toMatchObject({
      matched: blogs.summary.inserted - 1,
      missing: 0,
      extra: 1,
      changed: 0,
      retired: 0,
    })
    expect(brief(blogView)).toEqual([{ nid: Number(gone?.nid), class: 'extra', fields: [] }])
  })
})

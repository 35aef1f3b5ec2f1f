// Fields owned by the new system (issue #22): after cut-over editors change an `owned` field in
// Postgres while cron still syncs from Drupal. The sync must keep the editor's value of that field
// and still write the rest of the article. Editors on both sides are played with plain SQL.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
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
import { runDhm } from '../helpers/dhm-process.js'
import { articleNids, type Conn, changeSection, connectMaria, editTitle } from '../helpers/drupal-edits.js'

/** The fixture's fixed clock (2023-10-01): every generated node.changed is at or before it. */
const BASE = 1696118400
const mariaDb = uniqueName('owned_src')
const pgDb = uniqueName('owned_dst')
const pgBodyDb = uniqueName('owned_body')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let workDir = ''
let mappingFile = ''
let conn: Conn

async function sync() {
  return runSync({
    mapping: await loadMapping(mappingFile),
    mappingFile,
    sourceUrl,
    targetUrl,
    batchSize: 20,
    reportsDir: workDir,
  })
}

async function verify(strict = false) {
  const r = await runVerify({
    mapping: await loadMapping(mappingFile),
    mappingFile,
    sourceUrl,
    targetUrl,
    batchSize: 20,
    reportsDir: workDir,
    strict,
  })
  const differences = r.report.differences.map((d) => ({
    nid: d.legacyNid,
    class: d.class,
    fields: d.fields,
  }))
  return { exitCode: r.exitCode, counts: r.report.counts, differences }
}

async function target(nid: number) {
  const [row] = await pgQuery<{ title: string; summary: string | null; sections: number[] }>(
    targetUrl,
    `SELECT a.title, a.summary,
       ARRAY(SELECT t.legacy_tid FROM article_term x JOIN term t ON t.id = x.term_id
             WHERE x.article_id = a.id AND x.role = 'section' ORDER BY x.position) AS sections
     FROM article a WHERE a.site = 'bne' AND a.legacy_nid = $1`,
    [nid],
  )
  if (!row) throw new Error(`node ${nid} is not in the target`)
  return row
}

const sourceTitle = async (nid: number) =>
  (await conn.query('SELECT title FROM node WHERE nid = ?', [nid]))[0] as { title: string }[]

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'dhm-owned-test-'))
  mappingFile = path.join(workDir, 'bne-owned.yaml')
  await writeFile(mappingFile, `${await readFile('mappings/bne.yaml', 'utf8')}\nowned: [title]\n`)
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 40, seed: 22 })
  conn = await connectMaria(sourceUrl)
  targetUrl = await createPgDb(pgDb)
  await runMigration({
    mapping: await loadMapping(mappingFile),
    mappingFile,
    sourceUrl,
    targetUrl,
    batchSize: 20,
  })
})

afterAll(async () => {
  await conn?.end()
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  await dropPgDb(pgBodyDb)
  if (workDir) await rm(workDir, { recursive: true, force: true })
})

describe('owned: [title] (bne, 40 articles)', () => {
  let nid = 0
  let other = 0

  it('an owned title edited in the target survives two syncs while the sections update from the source', async () => {
    const nids = await articleNids(conn, 'n.status = 1')
    nid = nids[0] as number
    other = nids[1] as number
    await pgQuery(targetUrl, "UPDATE article SET title = 'Edited in the new system' WHERE legacy_nid = $1", [
      nid,
    ])
    const before = await target(nid)

    for (const [round, stamp] of [
      [1, BASE + 3600],
      [2, BASE + 7200],
    ] as const) {
      await editTitle(conn, nid, stamp, ` (drupal ${round})`)
      await changeSection(conn, nid, stamp)
      await editTitle(conn, other, stamp, ` (drupal ${round})`)
      const r = await sync()
      expect(r.summary).toMatchObject({ updated: 2, rejected: 0 })
      const now = await target(nid)
      expect(now.title).toBe('Edited in the new system')
      expect(now.sections).not.toEqual(before.sections)
      before.sections = now.sections
      // The article nobody edited in the target takes the source's title, owned or not.
      expect((await target(other)).title).toBe((await sourceTitle(other))[0]?.title)
    }
    expect((await sourceTitle(nid))[0]?.title).toMatch(/\(drupal 1\) \(drupal 2\)$/)
  })

  it('verify lists the owned title as edited in target (exit 0; exit 4 with --strict)', async () => {
    const clean = await verify()
    expect(clean).toMatchObject({ exitCode: 0, counts: { edited: 1, changed: 0, missing: 0, extra: 0 } })
    expect(clean.differences).toEqual([{ nid, class: 'edited', fields: ['title'] }])
    expect((await verify(true)).exitCode).toBe(4)
    const status = await runDhm([
      'status',
      '--mapping',
      mappingFile,
      '--target',
      targetUrl,
      '--owned',
      '--json',
    ])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).editedInTarget).toEqual({ title: 1 })
  })

  it('a field that is not owned, edited in the target, is still changed', async () => {
    await pgQuery(targetUrl, "UPDATE article SET summary = 'Not owned' WHERE legacy_nid = $1", [other])
    const r = await verify()
    expect(r.exitCode).toBe(4)
    expect(r.counts).toMatchObject({ edited: 1, changed: 1 })
    expect(r.differences).toContainEqual({ nid: other, class: 'changed', fields: ['summary'] })
  })

  it("dhm release hands the title back: verify no longer lists it, and the next sync writes the source's title", async () => {
    const released = await runDhm([
      'release',
      '--mapping',
      mappingFile,
      '--target',
      targetUrl,
      '--field',
      'title',
      '--ids',
      `${nid},${other}`,
    ])
    expect(released.code).toBe(0)
    expect(released.stdout).toMatch(
      new RegExp(
        `^title: released 1 article\\(s\\) \\(${nid}\\); it holds dhm's value again and the next sync writes the source's\n` +
          "recorded as run \\d+: dhm rollback --run \\d+ gives the editors' values back\n$",
      ),
    )
    // What dhm last wrote: the source's title at the second sync.
    expect((await target(nid)).title).toMatch(/\(drupal 1\) \(drupal 2\)$/)
    const r = await verify()
    expect(r.counts).toMatchObject({ edited: 0, changed: 1 })

    await editTitle(conn, nid, BASE + 10800, ' (drupal 3)')
    // `other` is read again too (its node.changed is within the overlap of the last mark): its
    // summary, not owned and edited in the target above, no longer has the fingerprint dhm stored,
    // so the sync rewrites it with the source's.
    expect((await sync()).summary).toMatchObject({ updated: 2 })
    expect((await target(nid)).title).toBe((await sourceTitle(nid))[0]?.title)
    expect((await target(nid)).title).toMatch(/\(drupal 3\)$/)
    expect((await target(other)).summary).not.toBe('Not owned')
    expect((await verify()).exitCode).toBe(0)
  })
})

describe('owned: [body] (the document keeps the body value only for a mapping that owns body)', () => {
  it('a body edited in the target survives a sync that rewrites the rest of its article', async () => {
    const file = path.join(workDir, 'bne-owned-body.yaml')
    await writeFile(file, `${await readFile('mappings/bne.yaml', 'utf8')}\nowned: [body]\n`)
    const mapping = await loadMapping(file)
    const url = await createPgDb(pgBodyDb)
    await runMigration({ mapping, mappingFile: file, sourceUrl, targetUrl: url, batchSize: 20 })
    // What dhm wrote, for the edited-in-target test: the body value in the document too.
    const [written] = await pgQuery<{ same: boolean }>(
      url,
      "SELECT bool_and(document#>>'{body,value}' = body) AS same FROM article WHERE body IS NOT NULL",
    )
    expect(written?.same).toBe(true)

    const nid = (await articleNids(conn, 'n.status = 1'))[2] as number
    await pgQuery(url, "UPDATE article SET body = '<p>Edited in the new system</p>' WHERE legacy_nid = $1", [
      nid,
    ])
    await editTitle(conn, nid, BASE + 10800, ' (drupal 3)')
    const r = await runSync({
      mapping,
      mappingFile: file,
      sourceUrl,
      targetUrl: url,
      batchSize: 20,
      reportsDir: workDir,
    })
    expect(r.summary).toMatchObject({ rejected: 0 })
    const [row] = await pgQuery<{ body: string; title: string }>(
      url,
      "SELECT body, title FROM article WHERE site = 'bne' AND legacy_nid = $1",
      [nid],
    )
    expect(row?.body).toBe('<p>Edited in the new system</p>')
    expect(row?.title).toMatch(/\(drupal 3\)$/)
  })
})

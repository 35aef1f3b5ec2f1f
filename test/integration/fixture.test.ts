import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFixture, type FixtureSummary, generateFixture } from '../../src/fixture/generate-fixture.ts'
import { legacyArticleQuery } from '../../src/fixture/legacy-query.js'
import { uniqueName } from '../helpers/databases.js'

function serverUrl(): string {
  const url = new URL(process.env.DRUPAL_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306')
  url.pathname = ''
  return url.toString().replace(/\/$/, '')
}

const URL_ = serverUrl()
const DATABASE = uniqueName('fixture')
const ARTICLES = 300

let conn: Connection
let summary: FixtureSummary

async function rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const [result] = await conn.query<RowDataPacket[]>(sql, params)
  return result as T[]
}

async function scalar(sql: string): Promise<number> {
  const [first] = await rows<{ v: number | string }>(sql)
  return Number(first?.v)
}

async function checksums(): Promise<Record<string, string>> {
  const tables = Object.keys(summary.tables)
  const result = await rows<{ Table: string; Checksum: string | number }>(
    `CHECKSUM TABLE ${tables.map((t) => `\`${t}\``).join(', ')}`,
  )
  return Object.fromEntries(result.map((r) => [r.Table, String(r.Checksum)]))
}

describe('legacy Drupal 7 fixture', () => {
  beforeAll(async () => {
    summary = await generateFixture({ url: URL_, database: DATABASE, articles: ARTICLES, seed: 1 })
    conn = await mysql.createConnection({ uri: URL_, database: DATABASE, charset: 'UTF8MB4_GENERAL_CI' })
  }, 120_000)

  afterAll(async () => {
    await conn?.end()
    await dropFixture(URL_, DATABASE)
  }, 60_000)

  it('reports counts that match the tables', async () => {
    expect(summary.articles).toBe(ARTICLES)
    expect(summary.tables.node).toBe(summary.nodes)
    expect(await scalar('SELECT COUNT(*) AS v FROM field_revision_body')).toBe(
      summary.tables.field_revision_body,
    )
    expect(summary.liveArticles).toBe(
      await scalar(
        "SELECT COUNT(*) AS v FROM node n JOIN workflow_node wn ON wn.nid = n.nid WHERE n.type = 'article' AND n.status = 1 AND wn.sid = 3",
      ),
    )
  })

  it('has articles, pages and blogs interleaved by nid', async () => {
    const byType = await rows<{ type: string; c: number }>(
      'SELECT type, COUNT(*) AS c FROM node GROUP BY type',
    )
    const count = Object.fromEntries(byType.map((r) => [r.type, Number(r.c)]))
    expect(count.article).toBe(ARTICLES)
    expect(count.page).toBeGreaterThan(5)
    expect(count.blog).toBeGreaterThan(10)
    expect(count.page).toBe(summary.pages)
    expect(count.blog).toBe(summary.blogs)
  })

  it('answers the migration seed query for a live article in publication 1004', async () => {
    const [candidate] = await rows<{ nid: number }>(
      `SELECT n.nid FROM node n JOIN workflow_node wn ON wn.nid = n.nid
       JOIN field_data_field_publication_ p ON p.entity_id = n.nid AND p.field_publication__tid = 1004
       WHERE n.type = 'article' AND n.status = 1 AND wn.sid = 3 ORDER BY n.nid LIMIT 1`,
    )
    expect(candidate).toBeDefined()
    const result = await rows<{ id: number; publication_id: number; title: string }>(
      await legacyArticleQuery(),
      [candidate?.nid, 1004],
    )
    expect(result).toHaveLength(1)
    expect(Number(result[0]?.publication_id)).toBe(1004)
    expect(result[0]?.title).toBeTruthy()
  })

  it('gives every article a field_revision_body row at revision_id = node.vid (all but ~1% have a body)', async () => {
    const missing = await scalar(
      `SELECT COUNT(*) AS v FROM node n LEFT JOIN field_revision_body b
         ON b.entity_id = n.nid AND b.revision_id = n.vid AND b.deleted = 0 AND b.language = 'und'
       WHERE n.type = 'article' AND b.entity_id IS NULL`,
    )
    const withoutBody = await scalar(
      "SELECT COUNT(*) AS v FROM node n WHERE n.type = 'article' AND NOT EXISTS (SELECT 1 FROM field_data_body d WHERE d.entity_id = n.nid)",
    )
    expect(missing).toBe(withoutBody)
    expect(missing).toBeLessThan(ARTICLES * 0.03)
    // field_data_* holds only the current revision.
    expect(
      await scalar(
        'SELECT COUNT(*) AS v FROM field_data_body d JOIN node n ON n.nid = d.entity_id WHERE d.revision_id <> n.vid',
      ),
    ).toBe(0)
  })

  it('contains the edge cases the migration must handle', async () => {
    // Two publications.
    expect(
      await scalar(
        'SELECT COUNT(*) AS v FROM (SELECT entity_id FROM field_data_field_publication_ WHERE deleted = 0 GROUP BY entity_id HAVING COUNT(DISTINCT field_publication__tid) = 2) x',
      ),
    ).toBeGreaterThan(0)
    // Four sections.
    expect(
      await scalar(
        "SELECT COUNT(*) AS v FROM (SELECT entity_id FROM field_data_field_website_sections WHERE deleted = 0 AND language = 'und' GROUP BY entity_id HAVING COUNT(*) = 4) x",
      ),
    ).toBeGreaterThan(0)
    // A deleted = 1 row, in both data and revision tables.
    expect(
      await scalar(
        'SELECT (SELECT COUNT(*) FROM field_data_field_website_sections WHERE deleted = 1) + (SELECT COUNT(*) FROM field_data_field_subject WHERE deleted = 1) AS v',
      ),
    ).toBeGreaterThan(0)
    expect(
      await scalar(
        'SELECT (SELECT COUNT(*) FROM field_revision_field_website_sections WHERE deleted = 1) + (SELECT COUNT(*) FROM field_revision_field_subject WHERE deleted = 1) AS v',
      ),
    ).toBeGreaterThan(0)
    // A delta gap (e.g. 0, 2, 3).
    expect(
      await scalar(
        'SELECT COUNT(*) AS v FROM (SELECT entity_id FROM field_data_field_website_sections WHERE deleted = 0 GROUP BY entity_id HAVING MAX(delta) + 1 > COUNT(*)) x',
      ),
    ).toBeGreaterThan(0)
    // A D7 media token in a body, referencing an existing file.
    const [token] = await rows<{ body_value: string }>(
      // (fids from 900000000 on are the deliberately missing ones of the content-fidelity cases)
      `SELECT body_value FROM field_data_body
       WHERE body_value LIKE '%[[{"fid":%' AND body_value NOT LIKE '%"fid":"9000%' LIMIT 1`,
    )
    const fid = /"fid":"(\d+)"/.exec(token?.body_value ?? '')?.[1]
    expect(fid).toBeDefined()
    expect(await scalar(`SELECT COUNT(*) AS v FROM file_managed WHERE fid = ${Number(fid)}`)).toBe(1)
    expect(
      await scalar("SELECT COUNT(*) AS v FROM field_data_body WHERE body_value LIKE '%[[{&quot;fid&quot;%'"),
    ).toBeGreaterThan(0)
    // An older revision with a different title and its own field_revision rows.
    const [older] = await rows<{ nid: number; vid: number }>(
      'SELECT r.nid, r.vid FROM node_revision r JOIN node n ON n.nid = r.nid WHERE r.vid < n.vid AND r.title <> n.title LIMIT 1',
    )
    expect(older).toBeDefined()
    expect(
      await scalar(
        `SELECT COUNT(*) AS v FROM field_revision_body WHERE entity_id = ${older?.nid} AND revision_id = ${older?.vid}`,
      ),
    ).toBe(1)
    // A dangling story picture fid, a stray 'en' row, 4-byte characters.
    expect(
      await scalar(
        'SELECT COUNT(*) AS v FROM field_data_field_story_picture sp LEFT JOIN file_managed fm ON fm.fid = sp.field_story_picture_fid WHERE fm.fid IS NULL',
      ),
    ).toBeGreaterThan(0)
    expect(
      await scalar(
        "SELECT (SELECT COUNT(*) FROM field_data_field_website_callout WHERE language = 'en') + (SELECT COUNT(*) FROM field_data_body WHERE language = 'en') AS v",
      ),
    ).toBeGreaterThan(0)
    expect(
      await scalar("SELECT COUNT(*) AS v FROM field_data_body WHERE body_value LIKE '%📈%'"),
    ).toBeGreaterThan(0)
  })

  it('produces identical tables for the same seed, whatever the chunk size', async () => {
    const first = await checksums()
    const again = await generateFixture({
      url: URL_,
      database: DATABASE,
      articles: ARTICLES,
      seed: 1,
      chunkSize: 97,
    })
    expect(again.tables).toEqual(summary.tables)
    // The connection's database was dropped and re-created: reconnect.
    await conn.end()
    conn = await mysql.createConnection({ uri: URL_, database: DATABASE, charset: 'UTF8MB4_GENERAL_CI' })
    const second = await checksums()
    expect(Object.keys(first)).toHaveLength(Object.keys(summary.tables).length)
    expect(Object.values(first).every((v) => /^\d+$/.test(v))).toBe(true)
    expect(second).toEqual(first)
  }, 120_000)
})

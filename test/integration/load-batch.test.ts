// loadBatch's bulk path (COPY into a staging table, one INSERT … ON CONFLICT) against a real Postgres:
// awkward text survives the COPY encoding byte for byte, a row Postgres refuses is rejected alone
// with Postgres' reason, and a re-run sends nothing.

import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BatchResult, loadBatch } from '../../src/load/load-batch.js'
import { applyMigrations } from '../../src/load/schema-migrations.js'
import type { Article } from '../../src/model/article.js'
import { inTransaction } from '../../src/pipeline/run-migration.js'
import type { RowOutcome } from '../../src/transform/outcome.js'
import { createPgDb, dropPgDb, uniqueName } from '../helpers/databases.js'

const db = uniqueName('load_batch')
let url = ''
let pool: pg.Pool

beforeAll(async () => {
  url = await createPgDb(db)
  pool = new pg.Pool({ connectionString: url, max: 2 })
  await applyMigrations(pool, { log: () => undefined })
})

afterAll(async () => {
  await pool?.end()
  await dropPgDb(db)
})

const AWKWARD = 'tab\there, back\\slash, new\nline, CR\r, quote " and \\N, «ünïcödé» 🦊'

function article(nid: number, overrides: Partial<Article> = {}): Article {
  return {
    site: 'test',
    legacyNid: nid,
    bundle: 'article',
    language: 'en',
    title: `Article ${nid}`,
    slug: `article-${nid}`,
    published: true,
    workflowState: 3,
    isLive: true,
    authors: ['bne IntelliNews'],
    bylines: ['bne IntelliNews'],
    summary: null,
    social: null,
    publishedAt: '2023-01-02T03:04:05.000Z',
    publications: [],
    sections: [],
    subjects: [],
    image: null,
    pdf: null,
    body: null,
    tracking: false,
    headTags: null,
    bodyTags: null,
    createdAt: '2023-01-01T00:00:00.000Z',
    updatedAt: '2023-01-01T00:00:00.000Z',
    links: [],
    translations: [],
    redirects: [],
    bodyOriginal: null,
    media: [],
    ...overrides,
  } as Article
}

const ok = (a: Article, hash: string): RowOutcome =>
  ({
    kind: 'ok',
    ref: { nid: a.legacyNid, vid: a.legacyNid },
    article: a,
    contentHash: hash.padEnd(64, '0'),
    warnings: [],
    strayLanguageRows: 0,
  }) as RowOutcome

const load = (outcomes: RowOutcome[]): Promise<BatchResult> =>
  inTransaction(pool, url, (client) => loadBatch(client, 'test', null, outcomes))

describe('loadBatch (COPY path)', () => {
  it('keeps awkward text and arrays byte for byte, rejects only the row Postgres refuses', async () => {
    const batch = [
      ok(article(1, { title: AWKWARD, authors: [AWKWARD, 'x "y"', 'z\\w'], headTags: '\\' }), 'a1'),
      ok(article(2, { publishedAt: 'not a date' }), 'a2'),
      ok(article(3), 'a3'),
    ]
    const result = await load(batch)
    expect(result.inserted).toBe(2)
    expect(result.rejected.map((r) => r.nid)).toEqual([2])
    expect(result.rejected[0]?.issues[0]?.reason).toMatch(/^Postgres refused the row: .*timestamp/)

    const { rows } = await pool.query(
      "SELECT legacy_nid, title, authors, head_tags, document->>'title' AS doc_title FROM article ORDER BY legacy_nid",
    )
    expect(rows).toEqual([
      {
        legacy_nid: 1,
        title: AWKWARD,
        authors: [AWKWARD, 'x "y"', 'z\\w'],
        head_tags: '\\',
        doc_title: AWKWARD,
      },
      {
        legacy_nid: 3,
        title: 'Article 3',
        authors: ['bne IntelliNews'],
        head_tags: null,
        doc_title: 'Article 3',
      },
    ])
  })

  it('sends nothing for unchanged rows and updates a changed one', async () => {
    const again = await load([ok(article(1, { title: AWKWARD }), 'a1'), ok(article(3), 'a3')])
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 })
    const changed = await load([ok(article(3, { title: 'New title' }), 'b3')])
    expect(changed).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 })
    const { rows } = await pool.query('SELECT title FROM article WHERE legacy_nid = 3')
    expect(rows[0]?.title).toBe('New title')
  })
})

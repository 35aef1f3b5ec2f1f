// loadBatch against a real Postgres. Two paths: a batch none of whose articles the target has is
// COPYed straight into the tables; any other goes through a staging table and one INSERT … ON
// CONFLICT. Both write the same rows; awkward text survives the COPY encoding byte for byte, a row
// Postgres refuses is rejected alone with Postgres' reason, and a re-run sends nothing.

import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BatchResult, loadBatch } from '../../src/load/load-batch.js'
import { applyMigrations } from '../../src/load/schema-migrations.js'
import { inTransaction } from '../../src/load/transaction.js'
import type { Article } from '../../src/model/article.js'
import type { RowOutcome } from '../../src/transform/outcome.js'
import { createPgDb, dropPgDb, pgQuery, uniqueName } from '../helpers/databases.js'
import { waitFor } from '../helpers/wait-for.js'

const db = uniqueName('load_batch')
let url = ''
let pool: pg.Pool

beforeAll(async () => {
  url = await createPgDb(db)
  pool = new pg.Pool({ connectionString: url, max: 2 })
  // Sessions are terminated when the database is dropped: a closing client's FATAL is not a failure.
  pool.on('error', () => undefined)
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
    document: Buffer.from(JSON.stringify(a)),
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

const rich = (nid: number) =>
  article(nid, {
    title: 'Rich',
    publications: [{ tid: 7, name: 'bne', vocabulary: 'publication' }],
    sections: [
      { tid: 8, name: 'Europe', vocabulary: 'sections' },
      { tid: 9, name: 'Asia', vocabulary: 'sections' },
    ],
    subjects: [{ tid: 10, name: 'Oil', vocabulary: 'subjects' }],
    image: {
      file: {
        fid: 70,
        uri: 'public://a.jpg',
        url: 'https://x/a.jpg',
        filename: 'a.jpg',
        mime: 'image/jpeg',
        size: 5,
      },
      caption: 'c',
      credit: null,
      alt: null,
      title: null,
      width: 10,
      height: 20,
    },
    pdf: {
      file: {
        fid: 71,
        uri: 'public://a.pdf',
        url: null,
        filename: 'a.pdf',
        mime: 'application/pdf',
        size: 9,
      },
      description: 'd',
    },
    redirects: [{ path: `old/${nid}`, language: 'en', legacyNid: nid }],
  })

/** Everything the target holds for one article, ids replaced by legacy ids. */
async function stored(nid: number) {
  const { rows } = await pool.query(
    `SELECT a.title, a.content_hash, a.document - 'legacyNid' - 'slug' - 'redirects' AS document,
       (SELECT legacy_fid FROM media_file WHERE id = a.image_file_id) AS image,
       (SELECT legacy_fid FROM media_file WHERE id = a.pdf_file_id) AS pdf,
       ARRAY(SELECT x.role || ':' || x.position || ':' || t.legacy_tid FROM article_term x
             JOIN term t ON t.id = x.term_id WHERE x.article_id = a.id ORDER BY 1) AS terms,
       ARRAY(SELECT r.source_path FROM redirect r WHERE r.article_id = a.id) AS redirects
     FROM article a WHERE a.legacy_nid = $1`,
    [nid],
  )
  return rows[0]
}

describe('loadBatch (new articles COPYed straight into the tables)', () => {
  it('writes what the merge path writes: terms in order, files, redirects', async () => {
    await load([ok(rich(20), 'r')]) // nothing of the batch in the target: direct COPY
    await load([ok(rich(20), 'r'), ok(rich(21), 'r')]) // 20 is known: the batch is merged
    const [direct, merged] = [await stored(20), await stored(21)]
    expect(direct).toMatchObject({
      image: 70,
      pdf: 71,
      terms: ['publication:0:7', 'section:0:8', 'section:1:9', 'subject:0:10'],
      redirects: ['old/20'],
    })
    expect({ ...merged, redirects: ['old/20'] }).toEqual(direct)
  })

  it('a concurrent writer inserting the same articles first turns the batch into a merge, not an error', async () => {
    const first = await pool.connect()
    try {
      const { rows: me } = await first.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      await first.query('BEGIN')
      await loadBatch(first, 'test', null, [ok(article(30), 'c30'), ok(article(31), 'c31')])
      // The second writer sees neither article (not committed), so it COPYs them straight into
      // article, where the unique index makes it wait for the first writer's transaction. Only once
      // it waits there does the first commit: the COPY then fails with 23505 and the batch merges.
      const second = load([ok(article(30), 'c30'), ok(article(31, { title: 'Newer' }), 'n31')])
      await waitFor(async () => {
        // On a connection of its own: both of the pool's are taken by the two writers.
        const [row] = await pgQuery<{ n: number }>(
          url,
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> $1 AND wait_event_type = 'Lock'
             AND wait_event = 'transactionid' AND query LIKE 'COPY article %'`,
          [me[0]?.pid],
        )
        return row?.n === 1
      }, "the second writer's COPY waiting on the first writer's rows")
      await first.query('COMMIT')
      expect(await second).toMatchObject({ inserted: 0, updated: 1, unchanged: 1, rejected: [] })
    } finally {
      first.release()
    }
    const { rows } = await pool.query(
      'SELECT legacy_nid, title FROM article WHERE legacy_nid IN (30, 31) ORDER BY 1',
    )
    expect(rows).toEqual([
      { legacy_nid: 30, title: 'Article 30' },
      { legacy_nid: 31, title: 'Newer' },
    ])
  })
})

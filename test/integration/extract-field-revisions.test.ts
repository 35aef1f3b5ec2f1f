// With `fieldTables: revision`, a node's field items are the rows of its current revision (node.vid),
// not deleted, in its language or `und` (translatable fields) or `und` only: by delta, and the items
// of one delta in several languages by language. Rows of old revisions, deleted rows and rows of
// other node types in the batch's nid range are not part of any node. Expectations are plain SQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { D7NodeBundle } from '../../src/extract/d7-types.js'
import { extractArticleNodes } from '../../src/extract/extract-article-nodes.js'
import { openSourceSession } from '../../src/extract/source-session.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { dropMariaDb, MARIADB_SERVER, mariaQuery, mariaUrl, uniqueName } from '../helpers/databases.js'

const database = uniqueName('field_rev')
const url = () => mariaUrl(database)
const nodes: D7NodeBundle[] = []
/** The article whose caption has items of one delta in two languages, and one of another type after it. */
let article = 0

beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database, articles: 60, seed: 11 })
  const [chosen] = await mariaQuery<{ nid: number; vid: number }>(
    url(),
    "SELECT nid, vid FROM node WHERE type = 'article' AND language = 'en' ORDER BY nid LIMIT 1 OFFSET 10",
  )
  if (!chosen) throw new Error('the fixture has no article in English')
  article = Number(chosen.nid)
  const row = (revision: number, deleted: number, delta: number, language: string, value: string) => [
    'node',
    'article',
    deleted,
    article,
    revision,
    language,
    delta,
    value,
  ]
  // The caption becomes translatable; its items at the current revision are replaced by two deltas,
  // each in `und` and English, plus a deleted item, a row of an old revision and a stray language.
  await mariaQuery(
    url(),
    "UPDATE field_config SET translatable = 1 WHERE field_name = 'field_story_photo_caption'",
  )
  await mariaQuery(url(), 'DELETE FROM field_revision_field_story_photo_caption WHERE entity_id = ?', [
    article,
  ])
  await mariaQuery(
    url(),
    `INSERT INTO field_revision_field_story_photo_caption
     (entity_type, bundle, deleted, entity_id, revision_id, language, delta, field_story_photo_caption_value)
     VALUES ?`,
    [
      [
        row(chosen.vid, 0, 1, 'und', 'second, und'),
        row(chosen.vid, 0, 0, 'und', 'first, und'),
        row(chosen.vid, 0, 1, 'en', 'second, en'),
        row(chosen.vid, 0, 0, 'en', 'first, en'),
        row(chosen.vid, 1, 2, 'und', 'deleted'),
        row(chosen.vid, 0, 0, 'fr', 'stray language'),
        row(chosen.vid - 1, 0, 3, 'und', 'old revision'),
      ],
    ],
  )
  // A page right after the article, inside the batch's nid range, with a body of its own.
  const [page] = await mariaQuery<{ nid: number }>(
    url(),
    "SELECT nid FROM node WHERE type <> 'article' AND nid > ? ORDER BY nid LIMIT 1",
    [article],
  )
  if (!page) throw new Error('the fixture has no node of another type after the article')

  const mapping = await loadMapping('mappings/bne.yaml')
  const session = await openSourceSession(url(), mapping)
  try {
    for await (const batch of extractArticleNodes(session.conn, {
      mapping,
      layout: session.layout,
      sourceUrl: url(),
      batchSize: 25,
    })) {
      nodes.push(...batch)
    }
  } finally {
    await session.close()
  }
}, 120_000)

afterAll(async () => {
  await dropMariaDb(database)
})

/** The items of one field of every article as plain SQL reads them, in the order stated above. */
async function expectedItems(field: string, column: string, languages: string) {
  const rows = await mariaQuery<{ nid: number; delta: number; language: string; value: string | null }>(
    url(),
    `SELECT n.nid, f.delta, f.language, f.${column} AS value
     FROM field_revision_${field} f JOIN node n ON n.nid = f.entity_id AND n.vid = f.revision_id
     WHERE n.type = 'article' AND f.entity_type = 'node' AND f.deleted = 0 AND f.language IN (${languages})
     ORDER BY n.nid, f.delta, f.language`,
  )
  return rows.map((r) => ({
    nid: Number(r.nid),
    delta: Number(r.delta),
    language: r.language,
    value: r.value,
  }))
}

function extractedItems(field: string, column: string) {
  return nodes.flatMap((n) =>
    (n.fields[field] ?? []).map((item) => ({
      nid: n.nid,
      delta: item.delta,
      language: item.language,
      value: item.values[column] ?? null,
    })),
  )
}

describe('field values at the current revision', () => {
  it('reads every article once', async () => {
    const articles = await mariaQuery<{ n: number }>(
      url(),
      "SELECT COUNT(*) AS n FROM node WHERE type = 'article'",
    )
    expect(nodes.length).toBe(Number(articles[0]?.n))
  })

  it('a translatable field: by delta, then by language; no deleted, old-revision or stray-language item', async () => {
    expect(extractedItems('field_story_photo_caption', 'value').filter((i) => i.nid === article)).toEqual([
      { nid: article, delta: 0, language: 'en', value: 'first, en' },
      { nid: article, delta: 0, language: 'und', value: 'first, und' },
      { nid: article, delta: 1, language: 'en', value: 'second, en' },
      { nid: article, delta: 1, language: 'und', value: 'second, und' },
    ])
    expect(extractedItems('field_story_photo_caption', 'value')).toEqual(
      await expectedItems(
        'field_story_photo_caption',
        'field_story_photo_caption_value',
        "n.language, 'und'",
      ),
    )
  })

  it.each([
    { field: 'body', column: 'value' },
    { field: 'field_subject', column: 'tid' },
    { field: 'field_website_sections', column: 'tid' },
  ])('$field: the und items of each article, by delta', async ({ field, column }) => {
    const real = field === 'body' ? `body_${column}` : `${field}_${column}`
    const expected = await expectedItems(field, real, "'und'")
    expect(expected.length).toBeGreaterThan(0)
    expect(extractedItems(field, column)).toEqual(
      expected.map((e) => ({ ...e, value: column === 'tid' ? Number(e.value) : e.value })),
    )
  })
})

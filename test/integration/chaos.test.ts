// Issue #8, "Bad input": a bne fixture with every case of CHAOS_CASES planted, migrated twice.
// Every case must end as its row in the table says (rejected with the stated reason, normalized with
// a warning or a counted repair, loaded, filtered, or never read), and the counts must add up:
// read = loaded + unchanged + rejected + filtered. Expectations are literal values or plain SQL on
// the source; nothing here calls src/extract or src/transform.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inspectSource } from '../../src/extract/inspect-source.js'
import { closeSnapshot, createSourcePool, openSnapshot } from '../../src/extract/source-db.js'
import { CHAOS_BASE_NID, CHAOS_BASE_TID, CHAOS_CASES, type ChaosCase } from '../../src/fixture/chaos-cases.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { type MigrateResult, runMigration } from '../../src/pipeline/run-migration.js'
import { isBalanced, renderAccountedLine } from '../../src/report/run-stats.js'
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

const MAPPING_FILE = 'mappings/bne.yaml'
const ARTICLES = 150
const mariaDb = uniqueName('chaos_src')
const pgDb = uniqueName('chaos_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let reportsDir = ''
let first: MigrateResult
let second: MigrateResult

const n = (k: number) => CHAOS_BASE_NID + k

interface ArticleRow {
  legacy_nid: number
  title: string
  slug: string | null
  summary: string | null
  published: boolean
  workflow_state: number | null
  is_live: boolean
  created_at: Date
  updated_at: Date
  published_at: Date
  image_file_id: number | null
  image_alt: string | null
  image_caption: string | null
  pdf_file_id: number | null
  pdf_description: string | null
  body: string | null
  body_summary: string | null
  body_md5: string | null
  head_tags: string | null
}
interface Reject {
  nid: number
  issues: { field: string; reason: string }[]
}
interface Message {
  legacy_nid: number
  level: string
  field: string
  reason: string
}

const articles = new Map<number, ArticleRow>()
const terms = new Map<string, number[]>()
let rejects: Reject[] = []
let messages: Message[] = []

async function migrate(mappingFile = MAPPING_FILE, dryRun = false): Promise<MigrateResult> {
  return runMigration({
    mapping: await loadMapping(mappingFile),
    mappingFile,
    sourceUrl,
    targetUrl,
    batchSize: 60,
    reportsDir,
    ...(dryRun ? { dryRun: true } : {}),
  })
}

const src = <T>(sql: string, params: unknown[] = []) => mariaQuery<T>(sourceUrl, sql, params)
const dst = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  pgQuery<T>(targetUrl, sql, params)

beforeAll(async () => {
  reportsDir = await mkdtemp(path.join(tmpdir(), 'dhm-chaos-test-'))
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: ARTICLES, seed: 5, chaos: true })
  targetUrl = await createPgDb(pgDb)
  first = await migrate()
  second = await migrate()

  for (const row of await dst<ArticleRow & Record<string, unknown>>(
    `SELECT legacy_nid, title, slug, summary, published, workflow_state, is_live, created_at, updated_at,
       published_at, image_file_id, image_alt, image_caption, pdf_file_id, pdf_description, body,
       body_summary, md5(body) AS body_md5, head_tags
     FROM article WHERE legacy_nid > $1`,
    [CHAOS_BASE_NID],
  )) {
    articles.set(row.legacy_nid, row)
  }
  for (const r of await dst<{ legacy_nid: number; role: string; tids: number[] }>(
    `SELECT a.legacy_nid, at.role::text AS role, array_agg(t.legacy_tid ORDER BY at.position) AS tids
     FROM article_term at JOIN article a ON a.id = at.article_id JOIN term t ON t.id = at.term_id
     WHERE a.legacy_nid > $1 GROUP BY a.legacy_nid, at.role`,
    [CHAOS_BASE_NID],
  )) {
    terms.set(`${r.legacy_nid}:${r.role}`, r.tids)
  }
  const text = await readFile(path.join(first.reportDir ?? '', 'rejects.ndjson'), 'utf8')
  rejects = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Reject)
  messages = await dst<Message & Record<string, unknown>>(
    'SELECT legacy_nid, level, field, reason FROM migration_message WHERE run_id = $1 ORDER BY id',
    [first.runId],
  )
}, 60_000)

afterAll(async () => {
  await dropMariaDb(mariaDb)
  if (targetUrl) await dropPgDb(pgDb)
  if (reportsDir) await rm(reportsDir, { recursive: true, force: true })
})

const article = (nid: number): ArticleRow => {
  const a = articles.get(nid)
  if (!a) throw new Error(`node ${nid} was not loaded`)
  return a
}
const warningsOf = (nid: number) => messages.filter((m) => m.legacy_nid === nid && m.level === 'warning')
const expectWarning = (nid: number, field: string, reason: RegExp) =>
  expect(warningsOf(nid)).toContainEqual(
    expect.objectContaining({ field, reason: expect.stringMatching(reason) }),
  )
const rejectOf = (nid: number) => rejects.find((r) => r.nid === nid)
const termsOf = (nid: number, role: string) => terms.get(`${nid}:${role}`) ?? []
const iso = (d: Date | null) => d?.toISOString().replace('.000Z', 'Z') ?? null
const SEPT_1 = '2023-09-01T00:00:00Z'

/** One check per case, beyond the generic one for its `expected` kind. */
const CHECKS: Record<string, (c: ChaosCase) => Promise<void> | void> = {
  'title-empty': () =>
    expect(rejectOf(n(1))?.issues).toEqual([
      expect.objectContaining({ field: 'title', reason: 'title is empty' }),
    ]),
  'title-whitespace': () =>
    expect(rejectOf(n(2))?.issues).toEqual([
      expect.objectContaining({ field: 'title', reason: 'title is empty' }),
    ]),
  'title-nul-only': () =>
    expect(rejectOf(n(3))?.issues).toEqual([
      expect.objectContaining({ field: 'title', reason: 'title is empty' }),
    ]),
  'title-nul-inside': () => {
    expect(article(n(4)).title).toBe('Chaos title with a NUL')
    expect(first.counts.content['encoding-nul']).toBeGreaterThanOrEqual(3)
  },
  'title-255-emoji': async () => {
    const [row] = await src<{ title: string }>('SELECT title FROM node WHERE nid = ?', [n(5)])
    expect(article(n(5)).title).toBe(row?.title)
    expect([...article(n(5)).title]).toHaveLength(255)
  },
  'created-zero': () => {
    expect(iso(article(n(6)).created_at)).toBe(SEPT_1)
    expect(iso(article(n(6)).published_at)).toBe(SEPT_1)
    expectWarning(n(6), 'createdAt', /zero or missing date: using updatedAt/)
    expectWarning(n(6), 'publishedAt', /zero or missing date/)
  },
  'changed-zero': () => {
    expect(iso(article(n(7)).updated_at)).toBe(SEPT_1)
    expectWarning(n(7), 'updatedAt', /zero or missing date: using createdAt/)
  },
  'dates-all-zero': () =>
    expect(rejectOf(n(8))?.issues).toEqual([
      expect.objectContaining({ field: 'createdAt', reason: expect.stringMatching(/^no usable date/) }),
    ]),
  'created-future': () => {
    expect(iso(article(n(9)).created_at)).toBe('2037-01-01T00:00:00Z')
    expectWarning(n(9), 'createdAt', /is in the future; kept/)
  },
  'published-at-zero': () => {
    expect(iso(article(n(10)).published_at)).toBe(SEPT_1)
    expect(warningsOf(n(10))).toEqual([])
  },
  'published-at-negative': () => {
    expect(iso(article(n(11)).published_at)).toBe(SEPT_1)
    expectWarning(n(11), 'publishedAt', /negative unix time -1/)
  },
  'orphan-field-rows': async () => {
    expect(await src('SELECT nid FROM node WHERE nid = ?', [n(12)])).toEqual([])
    expect(await src('SELECT entity_id FROM field_data_body WHERE entity_id = ?', [n(12)])).toHaveLength(1)
  },
  'image-file-missing': () => {
    expect(article(n(13))).toMatchObject({ image_file_id: null, image_alt: 'Alt of a lost file' })
    expectWarning(n(13), 'image', /file 9000113 is referenced but missing from file_managed/)
  },
  'pdf-file-missing': () => {
    expect(article(n(14))).toMatchObject({ pdf_file_id: null, pdf_description: 'Annual report (lost)' })
    expectWarning(n(14), 'pdf', /file 9000114 is referenced but missing/)
  },
  'term-missing': () => {
    expect(termsOf(n(15), 'subject')).toEqual([3001])
    expectWarning(n(15), 'subjects', /term 9999 is referenced but missing/)
  },
  'delta-duplicate-language': () => {
    expect(termsOf(n(16), 'subject')).toEqual([3002])
    expectWarning(
      n(16),
      '(fields)',
      /1 row\(s\) of non-translatable fields in a language other than und ignored/,
    )
  },
  'delta-duplicate-revision': () => expect(termsOf(n(17), 'subject')).toEqual([3005]),
  'delta-gaps': () => expect(termsOf(n(18), 'section')).toEqual([2001, 2002, 2003]),
  'deleted-rows': () => {
    expect(article(n(19)).body).toBeNull()
    expect(termsOf(n(19), 'subject')).toEqual([3007])
  },
  'wrong-language-only': () => {
    expect(article(n(20)).summary).toBeNull()
    expectWarning(n(20), '(fields)', /non-translatable fields in a language other than und ignored/)
  },
  'body-5mb': async () => {
    const [row] = await src<{ md5: string; len: number }>(
      'SELECT MD5(body_value) AS md5, LENGTH(body_value) AS len FROM field_data_body WHERE entity_id = ?',
      [n(21)],
    )
    expect(Number(row?.len)).toBeGreaterThanOrEqual(5 * 1024 * 1024)
    expect(article(n(21)).body_md5).toBe(row?.md5)
  },
  'invalid-utf8-text': async () => {
    const [row] = await src<{ v: string }>(
      'SELECT field_story_photo_caption_value AS v FROM field_data_field_story_photo_caption WHERE entity_id = ?',
      [n(22)],
    )
    expect(row?.v).toBe('Caf?(?')
    expect(article(n(22)).image_caption).toBe('Caf?(?')
  },
  'invalid-utf8-blob': async () => {
    const inventory = await inspect()
    const field = inventory.bundles
      .find((b) => b.type === 'article')
      ?.fields.find((f) => f.name === 'field_chaos_legacy')
    expect(field?.label).toBe('Legacy \ufffd(\ufffd')
  },
  'php-unserialize-broken': async () => {
    const inventory = await inspect()
    const field = inventory.bundles
      .find((b) => b.type === 'article')
      ?.fields.find((f) => f.name === 'field_chaos_legacy')
    expect(field).toMatchObject({ type: 'text', vocabulary: null, rows: 0 })
  },
  'nul-in-summary': () => expect(article(n(23)).summary).toBe('Callout with a NUL.'),
  'nul-in-body': () => {
    expect(article(n(24)).body).toBe('<p>Body with a NUL.</p>')
    expect(article(n(24)).body_summary).toBe('Summary with a NUL.')
  },
  'nul-in-unrepaired-field': async () => {
    expect(article(n(25)).head_tags).toBe('<meta name="chaos" content="x">')
    expectWarning(n(25), 'headTags', /NUL character\(s\) removed/)
    expectWarning(n(25), 'redirects[0].path', /NUL character\(s\) removed/)
    const redirects = await dst('SELECT source_path FROM redirect WHERE legacy_nid = $1', [n(25)])
    expect(redirects).toEqual([{ source_path: 'news/2023/09/chaos-nul-old-alias' }])
  },
  'workflow-state-missing': () =>
    expect(article(n(26))).toMatchObject({ workflow_state: 99, is_live: false }),
  'alias-leading-slash': () => expect(article(n(27)).slug).toBe('news/2023/09/chaos-leading-slash'),
  'alias-spaces-unicode': () => expect(article(n(28)).slug).toBe('news/2023/09/Chaos Ünïcode ✓ alias'),
  'alias-orphan': async () => {
    expect(await src("SELECT pid FROM url_alias WHERE source = CONCAT('node/', ?)", [n(29)])).toHaveLength(1)
    expect(
      await dst("SELECT id FROM redirect WHERE source_path = 'news/2023/09/chaos-orphan-alias'"),
    ).toEqual([])
  },
  'term-loop': async () => {
    const loop = await src<{ tid: number; parent: number }>(
      'SELECT tid, parent FROM taxonomy_term_hierarchy WHERE tid IN (?) ORDER BY tid',
      [[CHAOS_BASE_TID + 1, CHAOS_BASE_TID + 2]],
    )
    expect(loop.map((r) => [Number(r.tid), Number(r.parent)])).toEqual([
      [CHAOS_BASE_TID + 1, CHAOS_BASE_TID + 2],
      [CHAOS_BASE_TID + 2, CHAOS_BASE_TID + 1],
    ])
    expect(termsOf(n(30), 'section')).toEqual([CHAOS_BASE_TID + 1, CHAOS_BASE_TID + 2])
  },
  'term-empty-name': () => {
    expect(termsOf(n(31), 'subject')).toEqual([3008])
    expectWarning(n(31), 'subjects', /term 9003 has an empty name/)
  },
  'file-uri-empty': () => {
    expect(article(n(32)).image_file_id).toBeNull()
    expectWarning(n(32), 'image', /file 9000132 has an empty uri/)
  },
  'file-temporary': () => {
    expect(article(n(33)).image_file_id).toBeNull()
    expectWarning(n(33), 'image', /file 9000133 is temporary/)
  },
  'tracking-invalid': () =>
    expect(rejectOf(n(34))?.issues).toEqual([
      expect.objectContaining({ field: 'tracking', reason: 'expected 0 or 1, got 2' }),
    ]),
  'status-invalid': () =>
    expect(rejectOf(n(35))?.issues).toEqual([
      expect.objectContaining({ field: 'published', reason: 'expected 0 or 1, got 2' }),
    ]),
  'body-script': () => {
    const body = article(n(36)).body ?? ''
    expect(body).toContain('Hello')
    expect(body).not.toMatch(/<script|onclick|javascript:/i)
    expect(first.counts.content['sanitize-script']).toBeGreaterThanOrEqual(1)
  },
  'caption-markdown-injection': () =>
    expect(article(n(37)).image_caption).toBe('[click me](javascript:alert(1)) | a | b |'),
  'vid-without-revision': () => {
    expect(article(n(38)).body).toBeNull()
    expect(termsOf(n(38), 'publication')).toEqual([])
    expectWarning(n(38), '(fields)', /node\.vid 9900038 has no node_revision row/)
  },
  'type-case': () => {
    expect(first.counts.filtered).toBe(1)
    expect(rejectOf(n(39))).toBeUndefined()
  },
  'type-unknown': async () => {
    // read = every node MariaDB matches with type IN ('article'): 'Article' is read, 'chaos_gallery' is not.
    const [row] = await src<{ c: number }>("SELECT COUNT(*) AS c FROM node WHERE type IN ('article')")
    expect(first.counts.read).toBe(Number(row?.c))
    expect(await src("SELECT nid FROM node WHERE type = 'chaos_gallery'")).toEqual([{ nid: n(40) }])
  },
  'tnid-dangling': () => expect(article(n(41)).title).toBe(`Chaos case node ${n(41)}`),
  'body-value-null': () =>
    expect(article(n(42))).toMatchObject({ body: '', body_summary: 'Only a summary.' }),
  'alias-shared': async () => {
    expect(article(n(43)).slug).toBe('news/2023/09/chaos-43-new')
    expect(article(n(44)).slug).toBe('news/2023/09/chaos-44-new')
    expect(
      await dst("SELECT legacy_nid FROM redirect WHERE source_path = 'news/2023/09/chaos-shared-old'"),
    ).toEqual([{ legacy_nid: n(44) }])
  },
  'mojibake-mixed': () => {
    expect(article(n(45))).toMatchObject({
      title: 'Šéfčovič’s plan for Україна',
      summary: '“Šefčovič” in привет mood 😀',
      body: '<p>Kyiv 😀 résumé: “CAFÉ” Česko</p>',
    })
    expect(first.counts.content['encoding-double-utf8']).toBeGreaterThanOrEqual(3)
  },
  'filter-matches-nothing': async () => {
    const yaml = (await readFile(MAPPING_FILE, 'utf8')).replace(
      'filters: []',
      'filters:\n  - { path: node.status, equals: 7 }',
    )
    const file = path.join(reportsDir, 'bne-filter-nothing.yaml')
    await writeFile(file, yaml)
    const result = await migrate(file, true)
    expect(result.counts).toMatchObject({
      read: first.counts.read,
      filtered: first.counts.read,
      inserted: 0,
      updated: 0,
    })
    expect(isBalanced(result.counts)).toBe(true)
  },
}

async function inspect() {
  const pool = createSourcePool(sourceUrl, 1)
  try {
    const conn = await openSnapshot(pool, sourceUrl)
    try {
      return await inspectSource(conn, sourceUrl)
    } finally {
      await closeSnapshot(conn)
    }
  } finally {
    await pool.end()
  }
}

describe('chaos fixture', () => {
  it('plants at least 30 cases, each with a check', () => {
    expect(CHAOS_CASES.length).toBeGreaterThanOrEqual(30)
    expect(Object.keys(CHECKS).sort()).toEqual(CHAOS_CASES.map((c) => c.id).sort())
  })

  it('accounts for every node read, on both runs', () => {
    for (const r of [first, second]) {
      expect(isBalanced(r.counts)).toBe(true)
      expect(renderAccountedLine(r.counts)).toMatch(
        /^accounted: read \d+ = loaded \d+ \+ unchanged \d+ \+ rejected \d+ \+ filtered \d+ ✓$/,
      )
    }
  })

  it('rejects exactly the cases marked rejected', () => {
    const expected = CHAOS_CASES.filter((c) => c.expected === 'rejected').flatMap((c) => c.nids)
    expect(rejects.map((r) => r.nid).sort()).toEqual([...expected].sort())
    expect(first.counts.rejected).toBe(expected.length)
    const errors = new Set(messages.filter((m) => m.level === 'error').map((m) => m.legacy_nid))
    expect([...errors].sort()).toEqual([...expected].sort())
  })

  it('is idempotent: the second run writes nothing', () => {
    expect(second.counts).toMatchObject({
      read: first.counts.read,
      inserted: 0,
      updated: 0,
      unchanged: first.counts.inserted,
      rejected: first.counts.rejected,
      filtered: first.counts.filtered,
    })
  })

  it.each(CHAOS_CASES.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    for (const nid of c.nids) {
      const loaded = articles.has(nid)
      const rejected = rejectOf(nid) !== undefined
      if (c.expected === 'rejected')
        expect({ nid, loaded, rejected }).toEqual({ nid, loaded: false, rejected: true })
      else if (c.expected === 'normalized' || c.expected === 'loaded')
        expect({ nid, loaded, rejected }).toEqual({ nid, loaded: true, rejected: false })
      else expect({ nid, loaded, rejected }).toEqual({ nid, loaded: false, rejected: false })
    }
    await CHECKS[c.id]?.(c)
  })
})

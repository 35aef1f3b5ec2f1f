// The `standard` profile (a stock Drupal 7 article type with translations, title_field and several
// aliases) migrated with test/fixtures/mappings/standard-extras.yaml (the shipped
// mappings/drupal7-standard.yaml plus the profile's contrib fields), checked against plain SQL on the
// source; and the shipped mapping on a site with only what the standard install profile creates.
// Nothing below calls src/extract or src/transform; the CLI is spawned for inspect/check/export.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runCheck } from '../../src/pipeline/run-check.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runSync } from '../../src/pipeline/run-sync.js'
import { runVerify } from '../../src/pipeline/run-verify.js'
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
import { runDhm } from '../helpers/dhm-process.js'
import { articleHashes } from '../helpers/drupal-edits.js'

const dhm = runDhm

const MAPPING = 'test/fixtures/mappings/standard-extras.yaml'
const mariaDb = uniqueName('std_src')
const pgDb = uniqueName('std_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let dir = ''

const src = <T>(sql: string, params: unknown[] = []) => mariaQuery<T>(sourceUrl, sql, params)

beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 48, profile: 'standard' })
  targetUrl = await createPgDb(pgDb)
  dir = await mkdtemp(join(tmpdir(), 'dhm-std-'))
  await runMigration({
    mapping: await loadMapping(MAPPING),
    mappingFile: MAPPING,
    sourceUrl,
    targetUrl,
    batchSize: 7,
    reportsDir: dir,
  })
})

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (dir) await rm(dir, { recursive: true, force: true })
})

interface Exported {
  legacyNid: number
  title: string
  slug: string | null
  language: string
  subjects: { name: string }[]
  image: { file: unknown; alt: string | null } | null
  translations: { language: string; legacyNid: number; title: string; slug: string | null }[]
  redirects: { path: string; language: string; legacyNid: number }[]
  links: { url: string; attributes: Record<string, unknown> }[]
}

describe('drupal7-standard: a stock Drupal 7 article type', () => {
  it('migrates one article per translation set, with titles, slugs, translations, redirects as SQL says', async () => {
    const out = await dhm(['export', '--mapping', MAPPING, '--target', targetUrl])
    expect(out.code).toBe(0)
    const articles = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Exported)

    const nodes = await src<{ nid: number; language: string; title: string }>(
      `SELECT n.nid, n.language, COALESCE(NULLIF(TRIM(t.title_field_value), ''), n.title) AS title
       FROM node n LEFT JOIN field_revision_title_field t
         ON t.entity_id = n.nid AND t.revision_id = n.vid AND t.deleted = 0 AND t.language = n.language
       WHERE n.type = 'article' AND (n.tnid = 0 OR n.tnid = n.nid) ORDER BY n.nid`,
    )
    expect(articles.map((a) => a.legacyNid)).toEqual(nodes.map((n) => n.nid))
    expect(articles.map((a) => a.title)).toEqual(nodes.map((n) => n.title))
    expect(articles.filter((a) => a.title.endsWith('title field')).length).toBeGreaterThan(3)

    // Slug: the newest alias in the node's language (or und), without a leading slash.
    const slugOf = async (nid: number, language: string) => {
      const [row] = await src<{ alias: string }>(
        `SELECT TRIM(LEADING '/' FROM alias) AS alias FROM url_alias
         WHERE source = ? AND language IN (?, 'und') ORDER BY pid DESC LIMIT 1`,
        [`node/${nid}`, language],
      )
      return row?.alias ?? null
    }
    const translations = await src<{ nid: number; tnid: number; language: string; title: string }>(
      `SELECT n.nid, n.tnid, n.language, COALESCE(NULLIF(TRIM(t.title_field_value), ''), n.title) AS title
       FROM node n LEFT JOIN field_revision_title_field t
         ON t.entity_id = n.nid AND t.revision_id = n.vid AND t.deleted = 0 AND t.language = n.language
       WHERE n.type = 'article' AND n.tnid <> 0 AND n.tnid <> n.nid ORDER BY n.nid`,
    )
    expect(translations.length).toBeGreaterThan(5)
    for (const a of articles) {
      expect(a.slug).toBe(await slugOf(a.legacyNid, a.language))
      const own = translations.filter((t) => t.tnid === a.legacyNid)
      expect(a.translations.map((t) => [t.legacyNid, t.language, t.title])).toEqual(
        own.map((t) => [t.nid, t.language, t.title]),
      )
      for (const t of a.translations) expect(t.slug).toBe(await slugOf(t.legacyNid, t.language))
    }

    // Redirects: every alias of the set's nodes except each node's slug, in the redirect table.
    const aliases = await src<{ nid: number; path: string; language: string }>(
      `SELECT CAST(SUBSTRING(a.source, 6) AS UNSIGNED) AS nid, TRIM(LEADING '/' FROM a.alias) AS path, a.language
       FROM url_alias a JOIN node n ON a.source = CONCAT('node/', n.nid) WHERE n.type = 'article' ORDER BY a.pid`,
    )
    const slugs = new Set<string>()
    for (const a of articles) {
      slugs.add(`${a.legacyNid} ${a.slug}`)
      for (const t of a.translations) slugs.add(`${t.legacyNid} ${t.slug}`)
    }
    const expected = aliases
      .filter((x) => !slugs.has(`${x.nid} ${x.path}`))
      .map((x) => `${x.language} ${x.path} ${x.nid}`)
      .sort()
    const rows = await pgQuery<{ r: string }>(
      targetUrl,
      `SELECT r.language || ' ' || r.source_path || ' ' || r.legacy_nid AS r FROM redirect r
       JOIN article a ON a.id = r.article_id ORDER BY 1`,
    )
    expect(rows.map((r) => r.r).sort()).toEqual(expected)
    expect(expected.length).toBeGreaterThan(articles.length / 2)
  })

  it('takes tags from the current revision only (no deleted rows), keeps link attributes, never publishes temporary:// files', async () => {
    const out = await dhm(['export', '--mapping', MAPPING, '--target', targetUrl])
    const articles = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Exported)
    const tags = await src<{ nid: number; name: string }>(
      `SELECT n.nid, t.name FROM node n JOIN field_revision_field_tags f ON f.entity_id = n.nid AND f.revision_id = n.vid AND f.deleted = 0
       JOIN taxonomy_term_data t ON t.tid = f.field_tags_tid WHERE n.type = 'article' ORDER BY n.nid, f.delta`,
    )
    for (const a of articles) {
      const tidNames = tags.filter((t) => t.nid === a.legacyNid).map((t) => t.name)
      expect([...new Set(tidNames)]).toEqual(a.subjects.map((s) => s.name))
    }
    const temp = await src<{ nid: number }>(
      `SELECT f.entity_id AS nid FROM field_revision_field_image f JOIN node n ON n.nid = f.entity_id AND n.vid = f.revision_id
       JOIN file_managed m ON m.fid = f.field_image_fid WHERE m.uri LIKE 'temporary://%'`,
    )
    expect(temp.length).toBeGreaterThan(0)
    for (const { nid } of temp) expect(articles.find((a) => a.legacyNid === nid)?.image?.file).toBeNull()
    const blank = articles.find((a) => a.links.some((l) => l.attributes.target === '_blank'))
    expect(blank?.links[0]?.attributes).toMatchObject({ target: '_blank' })
  })

  it('fills extra (list boolean, datetime and varchar dates, node/user references, list labels) as SQL says', async () => {
    // Labels of field_kind as the site defines them (field_config.data); unknown keys stay keys.
    const KIND_LABELS: Record<string, string> = {
      news: 'News',
      feature: 'Feature',
      'op-ed': 'Opinion & Ideas',
    }
    const current = (field: string, column: string, alias: string) =>
      `(SELECT f.${field}_${column} FROM field_revision_${field} f WHERE f.entity_id = n.nid
         AND f.revision_id = n.vid AND f.deleted = 0 AND f.language = 'und' ORDER BY f.delta LIMIT 1) AS ${alias}`
    const nodes = await src<{
      nid: number
      featured: number | null
      eventDate: string | null
      deadline: string | null
      kind: string | null
      editorUid: number | null
      authorUid: number
      authorName: string | null
    }>(
      `SELECT n.nid, ${current('field_featured', 'value', 'featured')},
         DATE_FORMAT(${current('field_event_date', 'value', 'x').replace(/ AS x$/, '')}, '%Y-%m-%dT%H:%i:%sZ') AS eventDate,
         DATE_FORMAT(STR_TO_DATE(${current('field_deadline', 'value', 'x').replace(/ AS x$/, '')}, '%Y-%m-%dT%H:%i:%s'), '%Y-%m-%dT%H:%i:%sZ') AS deadline,
         ${current('field_kind', 'value', 'kind')}, ${current('field_editor', 'uid', 'editorUid')},
         n.uid AS authorUid, u.name AS authorName
       FROM node n LEFT JOIN users u ON u.uid = n.uid AND n.uid <> 0
       WHERE n.type = 'article' AND (n.tnid = 0 OR n.tnid = n.nid) ORDER BY n.nid`,
    )
    const users = new Map(
      (await src<{ uid: number; name: string }>('SELECT uid, name FROM users WHERE uid <> 0')).map((u) => [
        u.uid,
        u.name,
      ]),
    )
    // Related: existing nodes only, in delta order, each with its newest alias in its language (or und).
    const related = await src<{ nid: number; target: number; slug: string | null }>(
      `SELECT f.entity_id AS nid, t.nid AS target,
         (SELECT TRIM(LEADING '/' FROM a.alias) FROM url_alias a WHERE a.source = CONCAT('node/', t.nid)
           ORDER BY a.language IN (t.language, 'und') DESC, a.pid DESC LIMIT 1) AS slug
       FROM field_revision_field_related f JOIN node n ON n.nid = f.entity_id AND n.vid = f.revision_id
       JOIN node t ON t.nid = f.field_related_nid WHERE f.deleted = 0 ORDER BY f.entity_id, f.delta`,
    )
    const rows = await pgQuery<{ nid: number; extra: Record<string, unknown> }>(
      targetUrl,
      "SELECT legacy_nid AS nid, document->'extra' AS extra FROM article WHERE site = 'drupal7-standard' ORDER BY legacy_nid",
    )
    expect(rows.map((r) => r.nid)).toEqual(nodes.map((n) => n.nid))
    const userRef = (uid: number | null) => {
      const name = uid === null ? undefined : users.get(uid)
      return uid === null || name === undefined ? null : { uid, name }
    }
    for (const n of nodes) {
      expect(rows.find((r) => r.nid === n.nid)?.extra, `node ${n.nid}`).toEqual({
        featured: n.featured === null ? null : n.featured === 1,
        eventDate: n.eventDate,
        deadline: n.deadline,
        related: related.filter((r) => r.nid === n.nid).map((r) => ({ nid: r.target, slug: r.slug })),
        editor: userRef(n.editorUid),
        kind: n.kind === null ? null : (KIND_LABELS[n.kind] ?? n.kind),
        author: n.authorName === null ? null : { uid: n.authorUid, name: n.authorName },
      })
    }
    // The fixture covers every case: a missing related node, a missing editor, a key without label.
    const [dangling] = await src<{ c: number }>(
      `SELECT COUNT(*) AS c FROM field_revision_field_related f JOIN node n ON n.nid = f.entity_id AND n.vid = f.revision_id
       LEFT JOIN node t ON t.nid = f.field_related_nid WHERE t.nid IS NULL`,
    )
    expect(Number(dangling?.c)).toBeGreaterThan(0)
    expect(related.length).toBeGreaterThan(5)
    expect(nodes.some((n) => n.editorUid !== null && !users.has(n.editorUid))).toBe(true)
    expect(nodes.some((n) => n.kind !== null && !(n.kind in KIND_LABELS))).toBe(true)
    expect(nodes.filter((n) => n.eventDate !== null && n.deadline !== null).length).toBeGreaterThan(5)
  })

  it('dhm inspect describes it; the scaffolded mapping passes dhm check; a broken mapping lists every problem', async () => {
    const inspect = await dhm(['inspect', '--source', sourceUrl, '--json'])
    expect(inspect.code).toBe(0)
    const inv = JSON.parse(inspect.stdout) as { bundles: { type: string; fields: { name: string }[] }[] }
    expect(inv.bundles.map((b) => b.type)).toEqual(['article', 'page'])
    expect(inv.bundles[0]?.fields.map((f) => f.name)).toContain('title_field')

    const scaffold = join(dir, 'scaffold.yaml')
    expect(
      (await dhm(['inspect', '--source', sourceUrl, '--scaffold', 'article', '--out', scaffold])).code,
    ).toBe(0)
    const nowhere = join(dir, 'no-such-folder', 'x.yaml')
    expect(await dhm(['inspect', '--source', sourceUrl, '--scaffold', 'article', '--out', nowhere])).toEqual({
      code: 2,
      stdout: '',
      stderr: `dhm: --out ${nowhere}: cannot write it (ENOENT); give a path in a folder that exists\n`,
    })
    const check = await dhm(['check', '--source', sourceUrl, '--mapping', scaffold])
    expect(check.stderr).toBe('')
    expect(check.code).toBe(0)

    const broken = join(dir, 'broken.yaml')
    await writeFile(
      broken,
      `site: std
source: { bundles: article }
fields:
  titel: node.title
  subjects: { from: field_tags.tid, using: [term] }
  tracking: { from: field_featured.value, using: [first, boolean] }
  summary: { from: body.summary, using: [first, { truncate: many }] }
`,
    )
    const bad = await dhm(['check', '--source', sourceUrl, '--mapping', broken])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(
      `${broken}:4:3 fields.titel: unknown article attribute "titel" (did you mean "title"?)`,
    )
    expect(bad.stderr).toContain(
      `${broken}:2:20 source.bundles: Invalid input: expected array, received string`,
    )
    expect(bad.stderr).toMatch(/broken\.yaml:5:\d+ fields\.subjects\.using\.0: unknown transform "term"/)
    expect(bad.stderr).toMatch(
      /broken\.yaml:7:\d+ fields\.summary\.using\.1\.truncate: bad argument for "truncate"/,
    )

    // A file that validates but names fields and columns the source does not have: each problem
    // suggests what to write in the mapping (a field name, not a table name).
    const misspelled = join(dir, 'misspelled.yaml')
    await writeFile(
      misspelled,
      `site: std
source: { bundles: [article] }
fields:
  title: node.title
  subjects: { from: field_tag.tid, using: [terms] }
  summary: { from: body.summry, using: [first] }
  social: { from: field_nothing_like_it.value, using: [first] }
`,
    )
    const wrong = await dhm(['check', '--source', sourceUrl, '--mapping', misspelled])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain(
      '- field field_tag: no table field_revision_field_tag in the source; did you mean field_tags?',
    )
    expect(wrong.stderr).toContain(
      '- field field_nothing_like_it: no table field_revision_field_nothing_like_it in the source; "dhm inspect" lists the fields of each bundle',
    )
    expect(wrong.stderr).toContain('(for body.summry); did you mean body.summary?')
  })

  it('verify and sync read translation sets exactly as migrate does', async () => {
    const mapping = await loadMapping(MAPPING)
    const common = { mapping, mappingFile: MAPPING, sourceUrl, targetUrl, reportsDir: dir }
    const clean = await runVerify(common)
    expect(clean.report.counts).toMatchObject({ missing: 0, extra: 0, changed: 0 })
    await runSync({ ...common, batchSize: 7 })

    // An editor retitles a translation node only (its source node does not change).
    const [translation] = await src<{ nid: number; tnid: number }>(
      'SELECT nid, tnid FROM node WHERE tnid <> 0 AND tnid <> nid ORDER BY nid LIMIT 1',
    )
    if (!translation) throw new Error('the standard fixture has no translation node')
    const title = 'Übersetzung geändert'
    await src('UPDATE node SET title = ?, changed = UNIX_TIMESTAMP() WHERE nid = ?', [title, translation.nid])
    await src('UPDATE node_revision r JOIN node n ON n.vid = r.vid SET r.title = ? WHERE n.nid = ?', [
      title,
      translation.nid,
    ])
    for (const table of ['field_data_title_field', 'field_revision_title_field']) {
      await src(`UPDATE ${table} SET title_field_value = ? WHERE entity_type = 'node' AND entity_id = ?`, [
        title,
        translation.nid,
      ])
    }

    const stale = await runVerify(common)
    expect(stale.report.counts).toMatchObject({ missing: 0, extra: 0, changed: 1 })
    const synced = await runSync({ ...common, batchSize: 7 })
    expect(synced.counts).toMatchObject({ updated: 1, inserted: 0 })
    const [article] = await pgQuery<{ translations: { legacyNid: number; title: string }[] }>(
      targetUrl,
      "SELECT document->'translations' AS translations FROM article WHERE site = 'drupal7-standard' AND legacy_nid = $1",
      [translation.tnid],
    )
    expect(article?.translations.find((t) => t.legacyNid === translation.nid)?.title).toBe(title)

    // The synced target equals a fresh migration of the edited source, article by article.
    const freshDb = uniqueName('std_fresh')
    const freshUrl = await createPgDb(freshDb)
    try {
      await runMigration({ ...common, targetUrl: freshUrl })
      expect(await articleHashes(targetUrl, 'drupal7-standard')).toEqual(
        await articleHashes(freshUrl, 'drupal7-standard'),
      )
    } finally {
      await dropPgDb(freshDb)
    }
  })
})

describe('drupal7-standard with source.translations: entity_translation', () => {
  it('makes one article per node in its source language, with a translation per other entity_translation language', async () => {
    const file = join(dir, 'et.yaml')
    const text = await readFile(MAPPING, 'utf8')
    expect(text).toContain('translations: tnid')
    await writeFile(file, text.replace('translations: tnid', 'translations: entity_translation'))
    const mapping = await loadMapping(file)
    const etDb = uniqueName('std_et')
    const etUrl = await createPgDb(etDb)
    try {
      const common = { mapping, mappingFile: file, sourceUrl, targetUrl: etUrl, reportsDir: dir }
      await runMigration({ ...common, batchSize: 7 })
      expect((await runVerify(common)).report.counts).toMatchObject({ missing: 0, extra: 0, changed: 0 })

      const nodes = await src<{ nid: number; language: string; title: string; body: string }>(
        `SELECT n.nid, n.language, t.title_field_value AS title, b.body_value AS body FROM node n
         JOIN field_revision_title_field t ON t.entity_id = n.nid AND t.revision_id = n.vid AND t.deleted = 0 AND t.language = n.language
         JOIN field_revision_body b ON b.entity_id = n.nid AND b.revision_id = n.vid AND b.deleted = 0 AND b.language = n.language
         WHERE n.nid IN (SELECT entity_id FROM entity_translation WHERE entity_type = 'node') ORDER BY n.nid`,
      )
      expect(nodes.length).toBe(3)
      const expected = await src<{
        nid: number
        language: string
        status: number
        title: string
        body: string
        slug: string | null
      }>(
        `SELECT e.entity_id AS nid, e.language, e.status, t.title_field_value AS title, b.body_value AS body,
           (SELECT TRIM(LEADING '/' FROM a.alias) FROM url_alias a WHERE a.source = CONCAT('node/', n.nid)
             AND a.language = e.language ORDER BY a.pid DESC LIMIT 1) AS slug
         FROM entity_translation e JOIN node n ON n.nid = e.entity_id
         JOIN field_revision_title_field t ON t.entity_id = n.nid AND t.revision_id = n.vid AND t.deleted = 0 AND t.language = e.language
         JOIN field_revision_body b ON b.entity_id = n.nid AND b.revision_id = n.vid AND b.deleted = 0 AND b.language = e.language
         WHERE e.entity_type = 'node' AND e.language <> n.language ORDER BY e.entity_id, e.language`,
      )
      expect(expected.filter((e) => e.status === 0).length).toBe(1)
      for (const n of nodes) {
        const [row] = await pgQuery<{
          body: string | null
          document: {
            title: string
            language: string
            translations: {
              language: string
              legacyNid: number
              title: string
              slug: string | null
              body: { value: string } | null
              published: boolean
            }[]
            redirects: { path: string; language: string }[]
          }
        }>(etUrl, "SELECT document, body FROM article WHERE site = 'drupal7-standard' AND legacy_nid = $1", [
          n.nid,
        ])
        const doc = row?.document
        expect(doc?.language).toBe(n.language)
        expect(doc?.title).toBe(n.title)
        // The body column holds the article's body value (the document does not repeat it).
        expect(row?.body).toBe(n.body)
        expect(
          doc?.translations.map((t) => [
            t.language,
            t.legacyNid,
            t.title,
            t.body?.value,
            t.published,
            t.slug,
          ]),
        ).toEqual(
          expected
            .filter((e) => e.nid === n.nid)
            .map((e) => [e.language, n.nid, e.title, e.body, e.status === 1, e.slug]),
        )
        // Old revisions and languages entity_translation does not list never show up.
        expect(JSON.stringify(doc)).not.toMatch(/draft|Storia/)
      }
      // Aliases in a translation's language that are not its slug stay redirects.
      const redirects = await pgQuery<{ r: string }>(
        etUrl,
        `SELECT r.language || ' ' || r.source_path AS r FROM redirect r WHERE r.legacy_nid = $1 ORDER BY 1`,
        [nodes[0]?.nid],
      )
      expect(redirects.map((r) => r.r)).toEqual(['de de/alt-et-1'])
    } finally {
      await dropPgDb(etDb)
    }
  })
})

describe('the shipped mappings/drupal7-standard.yaml', () => {
  it('passes dhm check and migrates on a site with only what the standard install profile creates (it named 8 tables such a site lacks)', async () => {
    const SHIPPED = 'mappings/drupal7-standard.yaml'
    const stockDb = uniqueName('std_stock')
    const stockPg = uniqueName('std_stock_dst')
    const stockUrl = mariaUrl(stockDb)
    await generateFixture({ url: MARIADB_SERVER, database: stockDb, articles: 12, profile: 'standard-stock' })
    try {
      const mapping = await loadMapping(SHIPPED)
      for (const source of [stockUrl, sourceUrl]) {
        const check = await runCheck({ mapping, mappingFile: SHIPPED, sourceUrl: source })
        expect(check.problems).toEqual([])
        expect(check.fieldTables).toEqual([
          'field_revision_body',
          'field_revision_field_image',
          'field_revision_field_tags',
        ])
      }
      const targetUrl = await createPgDb(stockPg)
      const run = await runMigration({
        mapping,
        mappingFile: SHIPPED,
        sourceUrl: stockUrl,
        targetUrl,
        reportsDir: dir,
      })
      const [articles] = await mariaQuery<{ n: number }>(
        stockUrl,
        "SELECT COUNT(*) AS n FROM node WHERE type = 'article'",
      )
      expect(run.counts).toMatchObject({ read: articles?.n, inserted: articles?.n, rejected: 0 })
      const tags = await mariaQuery<{ nid: number; names: string }>(
        stockUrl,
        `SELECT n.nid, GROUP_CONCAT(d.name ORDER BY t.delta SEPARATOR ',') AS names FROM node n
         JOIN field_revision_field_tags t ON t.entity_id = n.nid AND t.revision_id = n.vid AND t.deleted = 0
         JOIN taxonomy_term_data d ON d.tid = t.field_tags_tid GROUP BY n.nid ORDER BY n.nid`,
      )
      const subjects = await pgQuery<{ nid: number; names: string }>(
        targetUrl,
        `SELECT a.legacy_nid AS nid, string_agg(t.name, ',' ORDER BY x.position) AS names FROM article a
         JOIN article_term x ON x.article_id = a.id JOIN term t ON t.id = x.term_id
         WHERE a.site = 'drupal7-standard' GROUP BY a.legacy_nid ORDER BY a.legacy_nid`,
      )
      expect(subjects).toEqual(tags)
    } finally {
      await dropMariaDb(stockDb)
      await dropPgDb(stockPg)
    }
  })
})

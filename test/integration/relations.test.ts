// Authors from users, resolved references, the term tree and menus (issue #21 items 1, 2, 5): the
// `standard` profile with its `people` option migrated with test/fixtures/mappings/standard-people.yaml,
// every expectation computed with plain SQL on the source (nothing here calls src/extract or
// src/transform). Then the target is edited behind dhm's back (verify must see it) and the source
// is edited (one sync must carry it).
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { phpSerialize } from '../../src/fixture/php-serialize.js'
import { STD_PEOPLE } from '../../src/fixture/standard-profile.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { type MigrateResult, runMigration } from '../../src/pipeline/run-migration.js'
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

const MAPPING = 'test/fixtures/mappings/standard-people.yaml'
const mariaDb = uniqueName('rel_src')
const pgDb = uniqueName('rel_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let dir = ''
let migrated: MigrateResult

const src = <T>(sql: string, params: unknown[] = []) => mariaQuery<T>(sourceUrl, sql, params)
const dst = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  pgQuery<T>(targetUrl, sql, params)

// The source nodes that become articles (translation nodes merge into their source node).
const ARTICLE_NODES = "n.type = 'article' AND (n.tnid = 0 OR n.tnid = n.nid)"

beforeAll(async () => {
  await generateFixture({
    url: MARIADB_SERVER,
    database: mariaDb,
    articles: 40,
    profile: 'standard',
    people: true,
  })
  targetUrl = await createPgDb(pgDb)
  dir = await mkdtemp(join(tmpdir(), 'dhm-rel-'))
  migrated = await runMigration({
    mapping: await loadMapping(MAPPING),
    mappingFile: MAPPING,
    sourceUrl,
    targetUrl,
    batchSize: 7,
    reportsDir: dir,
  })
}, 120_000)

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('authors from users', () => {
  it('writes one author per user an article or its current revision is by, as users says', async () => {
    const expected = await src<{
      uid: number
      name: string | null
      status: number | null
      picture: number | null
    }>(
      `SELECT x.uid, u.name, u.status, NULLIF(u.picture, 0) AS picture FROM (
         SELECT n.uid FROM node n WHERE ${ARTICLE_NODES}
         UNION SELECT r.uid FROM node n JOIN node_revision r ON r.vid = n.vid WHERE ${ARTICLE_NODES}
       ) x LEFT JOIN users u ON u.uid = x.uid WHERE x.uid > 0 ORDER BY x.uid`,
    )
    const fullNames = await src<{ uid: number; v: string }>(
      "SELECT entity_id AS uid, field_full_name_value AS v FROM field_data_field_full_name WHERE entity_type = 'user'",
    )
    const authors = await dst<{
      legacy_uid: number
      name: string | null
      display_name: string | null
      status: string
      picture: number | null
    }>(
      `SELECT a.legacy_uid, a.name, a.display_name, a.status, f.legacy_fid AS picture
       FROM author a LEFT JOIN media_file f ON f.id = a.picture_file_id ORDER BY a.legacy_uid`,
    )
    expect(authors).toEqual(
      expected.map((u) => ({
        legacy_uid: u.uid,
        name: u.name,
        display_name: fullNames.find((f) => f.uid === u.uid)?.v ?? null,
        // No users row: a placeholder (a deleted account); status 0: blocked.
        status: u.status === null ? 'deleted' : u.status === 1 ? 'active' : 'blocked',
        picture: u.picture,
      })),
    )
    expect(authors.map((a) => a.status)).toEqual(expect.arrayContaining(['active', 'blocked', 'deleted']))
    expect(authors.find((a) => a.legacy_uid === STD_PEOPLE.deletedUid)).toMatchObject({ name: null })
    expect(authors.find((a) => a.legacy_uid === STD_PEOPLE.pictureUid)?.picture).not.toBeNull()
    // Personal data stops at what an author page shows.
    const columns = await dst<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'author'",
    )
    expect(columns.map((c) => c.column_name)).not.toEqual(expect.arrayContaining(['mail']))
    expect(columns.map((c) => c.column_name).some((c) => /mail|pass/.test(c))).toBe(false)
  })

  it('links every article to node.uid (author) and its revision user (revision); placeholders are reported', async () => {
    const expected = await src<{ nid: number; uid: number; ruid: number }>(
      `SELECT n.nid, n.uid, r.uid AS ruid FROM node n JOIN node_revision r ON r.vid = n.vid
       WHERE ${ARTICLE_NODES} ORDER BY n.nid`,
    )
    const links = await dst<{ nid: number; role: string; position: number; uid: number }>(
      `SELECT a.legacy_nid AS nid, aa.role::text AS role, aa.position, au.legacy_uid AS uid
       FROM article_author aa JOIN article a ON a.id = aa.article_id JOIN author au ON au.id = aa.author_id
       ORDER BY a.legacy_nid, aa.role, aa.position`,
    )
    expect(links).toEqual(
      expected.flatMap((n) => [
        { nid: n.nid, role: 'author', position: 0, uid: n.uid },
        { nid: n.nid, role: 'revision', position: 0, uid: n.ruid },
      ]),
    )
    const placeholders = expected.filter((n) => n.uid === STD_PEOPLE.deletedUid).map((n) => n.nid)
    expect(placeholders.length).toBeGreaterThan(0)
    const warned = await dst<{ nid: number }>(
      `SELECT legacy_nid AS nid FROM migration_message WHERE run_id = $1 AND field = 'authorRecords'
         AND reason LIKE 'user ${STD_PEOPLE.deletedUid} (author) has no users row%' ORDER BY 1`,
      [migrated.runId],
    )
    expect(warned.map((w) => w.nid)).toEqual(placeholders)
  })
})

describe('references resolved through the id map', () => {
  const FIELDS = [
    ['field_related', 'nid', 'node'],
    ['field_see_also', 'target_id', 'node'],
    ['field_editor', 'uid', 'user'],
    ['field_tags', 'tid', 'term'],
  ] as const

  const sourceReferences = async () => {
    const out: { nid: number; field: string; delta: number; kind: string; target: number }[] = []
    for (const [field, column, kind] of FIELDS) {
      out.push(
        ...(
          await src<{ nid: number; delta: number; target: number }>(
            `SELECT n.nid, f.delta, f.${field}_${column} AS target FROM node n
           JOIN field_revision_${field} f ON f.entity_type = 'node' AND f.entity_id = n.nid
             AND f.revision_id = n.vid AND f.deleted = 0
           WHERE ${ARTICLE_NODES} AND f.${field}_${column} > 0`,
          )
        ).map((r) => ({ ...r, field, kind })),
      )
    }
    return out.sort((a, b) => a.nid - b.nid || a.field.localeCompare(b.field) || a.delta - b.delta)
  }

  it('writes every reference value of the current revision, forward references and cycles resolved', async () => {
    const expected = await sourceReferences()
    const rows = await dst<{
      nid: number
      field: string
      delta: number
      kind: string
      target: number
      resolved: number | null
    }>(
      `SELECT a.legacy_nid AS nid, r.field, r.delta, r.kind::text AS kind, r.target_legacy_id AS target,
         COALESCE(t.legacy_nid, au.legacy_uid, tt.legacy_tid) AS resolved
       FROM article_reference r JOIN article a ON a.id = r.article_id
       LEFT JOIN article t ON t.id = r.target_article_id
       LEFT JOIN author au ON au.id = r.target_author_id
       LEFT JOIN term tt ON tt.id = r.target_term_id
       ORDER BY a.legacy_nid, r.field, r.delta`,
    )
    expect(rows.map(({ resolved: _, ...r }) => r)).toEqual(expected)
    // A target is resolved exactly when it exists in the source (and, for nodes, is an article).
    const articles = new Set(
      (await src<{ nid: number }>(`SELECT nid FROM node n WHERE ${ARTICLE_NODES}`)).map((n) => n.nid),
    )
    const users = new Set((await src<{ uid: number }>('SELECT uid FROM users')).map((u) => u.uid))
    const exists = (r: { kind: string; target: number }) =>
      r.kind === 'node' ? articles.has(r.target) : r.kind === 'user' ? users.has(r.target) : true
    for (const r of rows)
      expect([r.nid, r.field, r.resolved]).toEqual([r.nid, r.field, exists(r) ? r.target : null])
    // field_see_also: forward references (to the next article) and a cycle, all resolved.
    const seeAlso = rows.filter((r) => r.field === 'field_see_also')
    expect(seeAlso.some((r) => r.target > r.nid && r.resolved === r.target)).toBe(true)
    expect(seeAlso.some((r) => seeAlso.some((o) => o.nid === r.target && o.target === r.nid))).toBe(true)
  })

  it('reports each dangling reference with nid, field and target in the run report and messages', async () => {
    const articles = new Set(
      (await src<{ nid: number }>(`SELECT nid FROM node n WHERE ${ARTICLE_NODES}`)).map((n) => n.nid),
    )
    const users = new Set((await src<{ uid: number }>('SELECT uid FROM users')).map((u) => u.uid))
    const dangling = (await sourceReferences())
      .filter((r) =>
        r.kind === 'node' ? !articles.has(r.target) : r.kind === 'user' && !users.has(r.target),
      )
      .map(({ nid, field, kind, target }) => ({ nid, field, kind, target }))
    expect(dangling.length).toBeGreaterThan(2)
    expect(migrated.counts.relations?.references.dangling).toBe(dangling.length)
    expect(migrated.counts.relations?.references.danglingList).toEqual(dangling)
    const messages = await dst<{ nid: number; field: string; reason: string }>(
      `SELECT legacy_nid AS nid, field, reason FROM migration_message
       WHERE run_id = $1 AND reason LIKE 'dangling reference%' ORDER BY id`,
      [migrated.runId],
    )
    expect(messages).toEqual(
      dangling.map((d) => ({
        nid: d.nid,
        field: d.field,
        reason: `dangling reference to ${d.kind} ${d.target}: not migrated or deleted`,
      })),
    )
  })
})

describe('term tree', () => {
  it('keeps parent and weight of every term, with the ancestors no article uses', async () => {
    const terms = await dst<{ tid: number; parent: number | null; linked: number | null; weight: number }>(
      `SELECT t.legacy_tid AS tid, t.legacy_parent_tid AS parent, p.legacy_tid AS linked, t.weight
       FROM term t LEFT JOIN term p ON p.id = t.parent_id ORDER BY t.legacy_tid`,
    )
    const source = await src<{ tid: number; parent: number; weight: number }>(
      `SELECT t.tid, h.parent, t.weight FROM taxonomy_term_data t JOIN taxonomy_term_hierarchy h ON h.tid = t.tid
       WHERE t.tid IN (?) ORDER BY t.tid`,
      [terms.map((t) => t.tid)],
    )
    expect(terms).toEqual(
      source.map((s) => ({
        tid: s.tid,
        parent: s.parent || null,
        linked: s.parent || null,
        weight: s.weight,
      })),
    )
    expect(terms.map((t) => t.tid)).toContain(STD_PEOPLE.rootTid)
    expect(terms.filter((t) => t.parent === STD_PEOPLE.rootTid).length).toBe(2)
  })
})

describe('menus', () => {
  it('writes the links of the menus the mapping names, node/N pointing at the article and its slug', async () => {
    const source = await src<{
      mlid: number
      plid: number
      link_path: string
      link_title: string
      hidden: number
      expanded: number
      weight: number
      external: number
    }>(
      `SELECT mlid, plid, link_path, link_title, hidden, expanded, weight, external FROM menu_links
       WHERE menu_name = 'main-menu' ORDER BY mlid`,
    )
    const links = await dst<{
      mlid: number
      plid: number | null
      parent: number | null
      title: string
      hidden: boolean
      expanded: boolean
      weight: number
      url: string | null
      nid: number | null
    }>(
      `SELECT m.legacy_mlid AS mlid, m.legacy_plid AS plid, p.legacy_mlid AS parent, m.title, m.hidden,
         m.expanded, m.weight, m.url, a.legacy_nid AS nid
       FROM menu_link m LEFT JOIN menu_link p ON p.id = m.parent_id LEFT JOIN article a ON a.id = m.article_id
       ORDER BY m.legacy_mlid`,
    )
    const slugs = new Map(
      (await dst<{ nid: number; slug: string }>('SELECT legacy_nid AS nid, slug FROM article')).map((a) => [
        a.nid,
        a.slug,
      ]),
    )
    expect(links).toEqual(
      source.map((s) => {
        const nid = /^node\/(\d+)$/.exec(s.link_path)?.[1]
        const article = nid !== undefined && slugs.has(Number(nid)) ? Number(nid) : null
        const url = s.external
          ? s.link_path
          : s.link_path === '<front>'
            ? '/'
            : nid !== undefined
              ? article === null
                ? null
                : `/${slugs.get(article)}`
              : `/${s.link_path}`
        return {
          mlid: s.mlid,
          plid: s.plid || null,
          parent: s.plid || null,
          title: s.link_title,
          hidden: s.hidden !== 0,
          expanded: s.expanded !== 0,
          weight: s.weight,
          url,
          nid: article,
        }
      }),
    )
    expect(links.filter((l) => l.nid !== null).length).toBeGreaterThan(1)
    expect(migrated.counts.relations?.menuLinks).toBe(source.length)
  })

  it('dhm export --menus prints each menu as a tree, children under their parent in weight order', async () => {
    const out = await runDhm(['export', '--menus', '--mapping', MAPPING, '--target', targetUrl])
    expect(out.code).toBe(0)
    const trees = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { menu: string; links: { mlid: number; children: { mlid: number }[] }[] })
    expect(trees.map((t) => t.menu)).toEqual(['main-menu'])
    const top = await src<{ mlid: number }>(
      "SELECT mlid FROM menu_links WHERE menu_name = 'main-menu' AND plid = 0 ORDER BY weight, link_title, mlid",
    )
    expect(trees[0]?.links.map((l) => l.mlid)).toEqual(top.map((t) => t.mlid))
    for (const link of trees[0]?.links ?? []) {
      const children = await src<{ mlid: number }>(
        'SELECT mlid FROM menu_links WHERE plid = ? ORDER BY weight, link_title, mlid',
        [link.mlid],
      )
      expect(link.children.map((c) => c.mlid)).toEqual(children.map((c) => c.mlid))
    }
  })
})

describe('SEO metadata (metatag)', () => {
  it('applies metatag_config defaults under the node row of its current revision, tokens replaced', async () => {
    // The node rows of the current revision (older revisions' rows must not show).
    const own = await src<{ nid: number }>(
      `SELECT m.entity_id AS nid FROM metatag m JOIN node n ON n.nid = m.entity_id AND n.vid = m.revision_id
       WHERE m.entity_type = 'node' ORDER BY 1`,
    )
    expect(own.length).toBeGreaterThan(3)
    const custom = new Set(own.map((o) => o.nid))
    const articles = await dst<{
      nid: number
      title: string
      summary: string | null
      slug: string
      image: string | null
      seo: Record<string, string | null>
    }>(
      `SELECT a.legacy_nid AS nid, a.title, a.summary, a.slug, f.url AS image, a.document->'seo' AS seo
       FROM article a LEFT JOIN media_file f ON f.id = a.image_file_id ORDER BY a.legacy_nid`,
    )
    for (const a of articles) {
      // Literal values: what the fixture's metatag rows and PEOPLE_METATAG_DEFAULTS say.
      const i = Number(/(\d+)$/.exec(a.title.replace(/ — title field$/, ''))?.[1])
      expect([a.nid, a.seo]).toEqual([
        a.nid,
        {
          title: `${a.title} | Example Site`,
          description: custom.has(a.nid) ? `Custom description ${i}` : a.summary,
          canonical: `https://www.example.com/${a.slug}`,
          robots: custom.has(a.nid) ? 'noindex, nofollow' : 'index, follow',
          ogImage: a.image,
        },
      ])
    }
    expect(articles.filter((a) => a.seo.ogImage !== null).length).toBeGreaterThan(3)
  })

  it('a sync after the metatag defaults changed reads everything once and carries them; the next is incremental', async () => {
    const common = {
      mapping: await loadMapping(MAPPING),
      mappingFile: MAPPING,
      sourceUrl,
      targetUrl,
      reportsDir: dir,
    }
    expect((await runSync(common)).fullReason).toBeNull()
    // An instance for the article bundle, as admin/config/search/metatags saves it: no node is saved.
    const tags = phpSerialize({ title: { value: '[node:title] — News | [site:name]' } })
    await src("INSERT INTO metatag_config (instance, config) VALUES ('node:article', ?)", [tags])
    try {
      const changed = await runSync(common)
      expect(changed.fullReason).toMatch(
        /the metatag defaults \(metatag_config\) changed since the last (sync|migrate)/,
      )
      const titles = await dst<{ title: string; seo: string }>(
        "SELECT title, document->'seo'->>'title' AS seo FROM article",
      )
      expect(titles.length).toBeGreaterThan(0)
      expect(titles.filter((t) => t.seo !== `${t.title} — News | Example Site`)).toEqual([])
      expect((await runVerify(common)).report.counts).toMatchObject({ missing: 0, extra: 0, changed: 0 })
      expect((await runSync(common)).fullReason).toBeNull()
    } finally {
      await src("DELETE FROM metatag_config WHERE instance = 'node:article'")
    }
    // Back as they were: the next sync puts every title back (for the tests below).
    expect((await runSync(common)).fullReason).toMatch(/metatag defaults/)
  })
})

describe('inspect --scaffold', () => {
  it('proposes authorRecords, references and menus; the scaffold passes check, migrates and verifies', async () => {
    const scaffold = join(dir, 'people-scaffold.yaml')
    expect(
      (await runDhm(['inspect', '--source', sourceUrl, '--scaffold', 'article', '--out', scaffold])).code,
    ).toBe(0)
    const text = await readFile(scaffold, 'utf8')
    expect(text).toContain('authorRecords:\n  from: node.uid\n')
    expect(text).toContain('  displayName: field_full_name.value')
    for (const line of [
      '  field_related: node',
      '  field_see_also: node',
      '  field_editor: user',
      '  field_tags: term',
      'menus: [main-menu, footer]',
      '# seo: { baseUrl: "https://www.example.com", siteName: "Example" }',
    ])
      expect(text).toContain(line)
    const check = await runDhm(['check', '--source', sourceUrl, '--mapping', scaffold])
    expect(check.stderr).toBe('')
    expect(check.code).toBe(0)
    const other = uniqueName('rel_scaffold')
    const otherUrl = await createPgDb(other)
    try {
      const common = {
        mapping: await loadMapping(scaffold),
        mappingFile: scaffold,
        sourceUrl,
        targetUrl: otherUrl,
        reportsDir: dir,
      }
      const run = await runMigration(common)
      expect(run.counts.rejected).toBe(0)
      expect(run.counts.relations?.menuLinks).toBeGreaterThan(5)
      const verified = await runVerify(common)
      expect(verified.exitCode).toBe(0)
    } finally {
      await dropPgDb(other)
    }
  })
})

describe('verify and sync', () => {
  it('verify matches after migrate and flags an author renamed or a reference removed in the target', async () => {
    const mapping = await loadMapping(MAPPING)
    const common = { mapping, mappingFile: MAPPING, sourceUrl, targetUrl, reportsDir: dir }
    const clean = await runVerify(common)
    expect(clean.report.counts).toMatchObject({ missing: 0, extra: 0, changed: 0 })
    expect(clean.exitCode).toBe(0)

    const byAnna = (
      await dst<{ nid: number }>(
        `SELECT DISTINCT a.legacy_nid AS nid FROM article_author aa JOIN author au ON au.id = aa.author_id
         JOIN article a ON a.id = aa.article_id WHERE au.legacy_uid = $1`,
        [STD_PEOPLE.pictureUid],
      )
    ).map((r) => r.nid)
    await dst("UPDATE author SET display_name = 'Edited in target' WHERE legacy_uid = $1", [
      STD_PEOPLE.pictureUid,
    ])
    const [removed] = await dst<{ article_id: number; nid: number }>(
      `DELETE FROM article_reference r USING article a WHERE a.id = r.article_id
         AND (r.article_id, r.field, r.delta) = (SELECT article_id, field, delta FROM article_reference
           WHERE field = 'field_related' ORDER BY article_id, delta LIMIT 1)
       RETURNING r.article_id, a.legacy_nid AS nid`,
    )
    const stale = await runVerify(common)
    expect(stale.report.counts.changed).toBe(new Set([...byAnna, removed?.nid]).size)
    expect(stale.report.fieldChanges).toMatchObject({ authorRecords: byAnna.length, references: 1 })
    expect(stale.report.differences.find((d) => d.legacyNid === removed?.nid)?.fields).toContain('references')
    expect(stale.exitCode).not.toBe(0)

    // Put the target back as dhm wrote it, for the sync test below.
    await dst('UPDATE author SET display_name = $2 WHERE legacy_uid = $1', [
      STD_PEOPLE.pictureUid,
      STD_PEOPLE.fullNames[STD_PEOPLE.pictureUid],
    ])
    await dst("UPDATE article SET content_hash = repeat('0', 64) WHERE id = $1", [removed?.article_id])
    await runMigration({ ...common, ids: [removed?.nid as number] })
    expect((await runVerify(common)).report.counts).toMatchObject({ missing: 0, extra: 0, changed: 0 })
  })

  it('one sync carries a user renamed in the source to the author and its articles', async () => {
    const mapping = await loadMapping(MAPPING)
    const common = { mapping, mappingFile: MAPPING, sourceUrl, targetUrl, reportsDir: dir }
    await src("UPDATE users SET name = 'bjorn.renamed' WHERE uid = 3")
    await src(
      "UPDATE field_data_field_full_name SET field_full_name_value = 'Carl B. Renamed' WHERE entity_id = ?",
      [STD_PEOPLE.blockedUid],
    )
    // Articles by either user (author or revision), and those whose field_editor (extra.editor,
    // user-ref: it carries the name) is the renamed user.
    const byUser = await src<{ nid: number }>(
      `SELECT n.nid FROM node n JOIN node_revision r ON r.vid = n.vid
       LEFT JOIN field_revision_field_editor e ON e.entity_type = 'node' AND e.entity_id = n.nid
         AND e.revision_id = n.vid AND e.deleted = 0
       WHERE ${ARTICLE_NODES} AND (n.uid IN (3, ?) OR r.uid IN (3, ?) OR e.field_editor_uid = 3) ORDER BY n.nid`,
      [STD_PEOPLE.blockedUid, STD_PEOPLE.blockedUid],
    )
    const synced = await runSync({ ...common, batchSize: 7 })
    expect(synced.counts).toMatchObject({ updated: byUser.length, inserted: 0 })
    expect(
      await dst('SELECT legacy_uid, name, display_name FROM author WHERE legacy_uid IN (3, $1) ORDER BY 1', [
        STD_PEOPLE.blockedUid,
      ]),
    ).toEqual([
      { legacy_uid: 3, name: 'bjorn.renamed', display_name: null },
      { legacy_uid: STD_PEOPLE.blockedUid, name: 'carl.blocked', display_name: 'Carl B. Renamed' },
    ])
    // The authors and their articles were rewritten, the articles' author links were not: they are
    // the same (the undo log holds every row a run wrote).
    const logged = (
      await dst<{ table_name: string }>('SELECT DISTINCT table_name FROM run_change WHERE run_id = $1', [
        synced.runId,
      ])
    ).map((l) => l.table_name)
    expect(logged).toEqual(expect.arrayContaining(['author', 'article']))
    expect(logged).not.toContain('article_author')
    expect((await runVerify(common)).report.counts).toMatchObject({ missing: 0, extra: 0, changed: 0 })
  })

  // The fingerprints' fast path (pipeline/skip-unchanged.ts) settles an article whose source rows
  // and target rows are as dhm last wrote them: author rows and reference rows are part of both.
  it('the fast path never settles an article whose author or references changed, in the target or in the source', async () => {
    const mapping = await loadMapping(MAPPING)
    const common = { mapping, mappingFile: MAPPING, sourceUrl, targetUrl, reportsDir: dir }
    const articles = Number(
      (await src<{ n: number }>(`SELECT COUNT(*) AS n FROM node n WHERE ${ARTICLE_NODES}`))[0]?.n,
    )
    // Other batches than the first migrate's: a node's fingerprint covers its own authors only.
    const settled = await runMigration({ ...common, batchSize: 5 })
    expect(settled.counts).toMatchObject({ inserted: 0, updated: 0, unchanged: articles })
    expect(settled.counts.fastPath).toEqual({ settled: articles, targetChanged: 0 })

    // Edited in Postgres behind dhm's back: an author's display name, one reference row.
    const byAnna = (
      await dst<{ nid: number }>(
        `SELECT DISTINCT a.legacy_nid AS nid FROM article_author aa JOIN author au ON au.id = aa.author_id
         JOIN article a ON a.id = aa.article_id WHERE au.legacy_uid = $1 ORDER BY 1`,
        [STD_PEOPLE.pictureUid],
      )
    ).map((r) => r.nid)
    expect(byAnna.length).toBeGreaterThan(0)
    await dst("UPDATE author SET display_name = 'Edited in target' WHERE legacy_uid = $1", [
      STD_PEOPLE.pictureUid,
    ])
    const [removed] = await dst<{ nid: number }>(
      `DELETE FROM article_reference r USING article a WHERE a.id = r.article_id
         AND (r.article_id, r.field, r.delta) = (SELECT article_id, field, delta FROM article_reference
           WHERE field = 'field_related' ORDER BY article_id DESC, delta LIMIT 1)
       RETURNING a.legacy_nid AS nid`,
    )
    const edited = new Set([...byAnna, removed?.nid as number])
    const seen = await runVerify(common)
    expect(seen.report.counts.changed).toBe(edited.size)
    expect(seen.report.fastPath?.settled).toBe(articles - edited.size)

    // The first article by Anna rewritten puts her author row back for all of hers: those looked up
    // after that batch committed are intact again (how many depends on the read-ahead), never fewer
    // than the article with the reference and one by Anna are rewritten.
    const repaired = await runMigration({ ...common, batchSize: 5 })
    const changed = repaired.counts.fastPath?.targetChanged ?? 0
    expect(changed).toBeGreaterThanOrEqual(2)
    expect(changed).toBeLessThanOrEqual(edited.size)
    expect(repaired.counts.fastPath?.settled).toBe(articles - changed)
    expect(repaired.counts).toMatchObject({ inserted: 0, updated: changed })
    expect(
      await dst('SELECT display_name FROM author WHERE legacy_uid = $1', [STD_PEOPLE.pictureUid]),
    ).toEqual([{ display_name: STD_PEOPLE.fullNames[STD_PEOPLE.pictureUid] }])
    const clean = await runVerify(common)
    expect(clean.report.counts).toMatchObject({ missing: 0, extra: 0, changed: 0 })
    expect(clean.report.fastPath?.settled).toBe(articles)

    // Edited in the source: the user's display name (a user field, no node row changes).
    await src(
      "UPDATE field_data_field_full_name SET field_full_name_value = 'Anna Renamed' WHERE entity_type = 'user' AND entity_id = ?",
      [STD_PEOPLE.pictureUid],
    )
    const byUser = await src<{ nid: number }>(
      `SELECT n.nid FROM node n JOIN node_revision r ON r.vid = n.vid
       WHERE ${ARTICLE_NODES} AND (n.uid = ? OR r.uid = ?) ORDER BY n.nid`,
      [STD_PEOPLE.pictureUid, STD_PEOPLE.pictureUid],
    )
    expect(byUser.map((r) => r.nid)).toEqual(byAnna)
    const carried = await runMigration({ ...common, batchSize: 5 })
    expect(carried.counts).toMatchObject({ inserted: 0, updated: byUser.length })
    expect(carried.counts.fastPath?.settled).toBe(articles - byUser.length)
    expect(
      await dst('SELECT display_name FROM author WHERE legacy_uid = $1', [STD_PEOPLE.pictureUid]),
    ).toEqual([{ display_name: 'Anna Renamed' }])
  })
})

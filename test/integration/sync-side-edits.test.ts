// `dhm sync` and edits that do not save the node (issue #24): a term renamed in the taxonomy UI,
// aliases edited or added by pathauto, a file replaced under its fid, a user renamed, a list label
// changed. For each, one sync must give exactly what a fresh full migration of the same source
// gives (every article's content hash, article terms, terms, files, redirects), `changes` must say
// how many nodes the kind of edit brought in (counted here in plain SQL), and a second sync changes
// nothing. Editors are played with plain SQL (test/helpers/drupal-edits.ts).

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runSync, type SyncResult } from '../../src/pipeline/run-sync.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'
import {
  addAlias,
  type Conn,
  connectMaria,
  editAlias,
  renameTerm,
  renameUser,
  replaceFile,
  rows,
  setAllowedValueLabel,
} from '../helpers/drupal-edits.js'
import { diffSnapshots, snapshotTarget } from '../helpers/target-snapshot.js'

/** The fixtures' fixed clock (2023-10-01): every generated timestamp is at or before it. */
const BASE = 1696118400
const LATER = BASE + 3600

interface Site {
  readonly mappingFile: string
  readonly site: string
  readonly sourceUrl: string
  readonly targetUrl: string
  readonly workDir: string
}

async function sync(s: Site): Promise<SyncResult> {
  return runSync({
    mapping: await loadMapping(s.mappingFile),
    mappingFile: s.mappingFile,
    sourceUrl: s.sourceUrl,
    targetUrl: s.targetUrl,
    batchSize: 50,
    reportsDir: s.workDir,
  })
}

/** The synced target against a fresh full migration of the same source: [] when equal. */
async function differencesFromFresh(s: Site): Promise<string[]> {
  const name = uniqueName('side_fresh')
  const freshUrl = await createPgDb(name)
  try {
    await runMigration({
      mapping: await loadMapping(s.mappingFile),
      mappingFile: s.mappingFile,
      sourceUrl: s.sourceUrl,
      targetUrl: freshUrl,
      reportsDir: s.workDir,
    })
    return diffSnapshots(await snapshotTarget(s.targetUrl, s.site), await snapshotTarget(freshUrl, s.site))
  } finally {
    await dropPgDb(name)
  }
}

const sideCounts = (r: SyncResult) => {
  const { node: _node, ...side } = r.summary.changes
  return side
}
const NO_SIDE_CHANGES = { term: 0, alias: 0, link: 0, file: 0, user: 0, 'list-label': 0 }

/**
 * A second sync right after: nothing written, no table without a timestamp found changed. (Files,
 * like nodes, saved within --overlap of the mark are read again, and found unchanged.)
 */
async function expectQuiet(s: Site): Promise<void> {
  const again = await sync(s)
  expect(again.mode).toBe('incremental')
  expect({ ...sideCounts(again), file: 0 }).toEqual(NO_SIDE_CHANGES)
  expect(again.summary).toMatchObject({ inserted: 0, updated: 0, rejected: 0, deleted: 0 })
  expect(again.summary.unchanged).toBe(again.summary.read)
  // Nothing written: no report folder (a cron sync every few minutes must not fill the disk).
  expect(again.reportDir).toBeNull()
}

describe('dhm sync picks up edits that do not save the node (bne, 300 articles, seed 5)', () => {
  const mariaDb = uniqueName('side_src')
  const pgDb = uniqueName('side_dst')
  let s: Site
  let conn: Conn

  /**
   * Articles a sync brings in for changed files: those whose current image or pdf, or (files that
   * existed before) body media token, is one of `fids` or a file saved since the last mark minus
   * the overlap (300 s), which every sync reads again, as it does nodes.
   */
  const fileArticles = async (fids: readonly number[]): Promise<number> => {
    const [run] = await pgQuery<{ mark: number }>(
      s.targetUrl,
      "SELECT high_water_mark AS mark FROM migration_run WHERE command = 'sync' ORDER BY id DESC LIMIT 1",
    )
    const recent = await rows<{ fid: number }>(conn, 'SELECT fid FROM file_managed WHERE timestamp >= ?', [
      Number(run?.mark) - 300,
    ])
    const all = [...new Set([...fids, ...recent.map((r) => Number(r.fid))])]
    if (all.length === 0) return 0
    const [n] = await rows<{ n: number }>(
      conn,
      `SELECT COUNT(*) AS n FROM node n WHERE n.type = 'article' AND (
         EXISTS (SELECT 1 FROM field_revision_field_story_picture p
                 WHERE p.revision_id = n.vid AND p.field_story_picture_fid IN (?) AND p.deleted = 0)
         OR EXISTS (SELECT 1 FROM field_revision_field_file p
                 WHERE p.revision_id = n.vid AND p.field_file_fid IN (?) AND p.deleted = 0)
         OR EXISTS (SELECT 1 FROM field_revision_body b
                 WHERE b.revision_id = n.vid AND (${all.map(() => `b.body_value LIKE CONCAT('%"fid":"', ?, '"%')`).join(' OR ')})))`,
      [all, all, ...all],
    )
    return Number(n?.n)
  }

  beforeAll(async () => {
    const workDir = await mkdtemp(path.join(tmpdir(), 'dhm-side-test-'))
    await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 300, seed: 5 })
    conn = await connectMaria(mariaUrl(mariaDb))
    s = {
      mappingFile: 'mappings/bne.yaml',
      site: 'bne',
      sourceUrl: mariaUrl(mariaDb),
      targetUrl: await createPgDb(pgDb),
      workDir,
    }
    expect((await sync(s)).mode).toBe('full')
    // The first sync records the side tables' state; this one compares with it and finds nothing.
    await expectQuiet(s)
  })

  afterAll(async () => {
    await conn?.end()
    await dropMariaDb(mariaDb)
    await dropPgDb(pgDb)
    if (s?.workDir) await rm(s.workDir, { recursive: true, force: true })
  })

  it('a section term renamed in the taxonomy UI: its articles get the new name, exactly as a fresh migration', async () => {
    const [section] = await rows<{ tid: number; name: string }>(
      conn,
      `SELECT t.tid, t.name FROM taxonomy_term_data t
       JOIN field_revision_field_website_sections f ON f.field_website_sections_tid = t.tid
       JOIN node n ON n.nid = f.entity_id AND n.vid = f.revision_id AND n.type = 'article'
       GROUP BY t.tid, t.name ORDER BY COUNT(*) DESC, t.tid LIMIT 1`,
    )
    if (!section) throw new Error('the fixture has no section')
    // Every article whose current revision refers to the term in a mapped term field.
    const [linked] = await rows<{ n: number }>(
      conn,
      `SELECT COUNT(DISTINCT n.nid) AS n FROM node n WHERE n.type = 'article' AND (
         EXISTS (SELECT 1 FROM field_revision_field_website_sections f
                 WHERE f.revision_id = n.vid AND f.field_website_sections_tid = ? AND f.deleted = 0)
         OR EXISTS (SELECT 1 FROM field_revision_field_publication_ f
                 WHERE f.revision_id = n.vid AND f.field_publication__tid = ? AND f.deleted = 0)
         OR EXISTS (SELECT 1 FROM field_revision_field_subject f
                 WHERE f.revision_id = n.vid AND f.field_subject_tid = ? AND f.deleted = 0))`,
      [section.tid, section.tid, section.tid],
    )
    expect(Number(linked?.n)).toBeGreaterThan(10)
    await renameTerm(conn, section.tid, `${section.name} (renamed)`)

    const recentFiles = await fileArticles([])
    const r = await sync(s)
    expect(r.mode).toBe('incremental')
    expect(sideCounts(r)).toEqual({ ...NO_SIDE_CHANGES, term: Number(linked?.n), file: recentFiles })
    expect(r.summary.updated).toBe(Number(linked?.n))
    const names = await pgQuery<{ name: string; n: number }>(
      s.targetUrl,
      `SELECT DISTINCT s->>'name' AS name FROM article, jsonb_array_elements(document->'sections') s
       WHERE site = 'bne' AND (s->>'tid')::int = $1`,
      [section.tid],
    )
    expect(names.map((n) => n.name)).toEqual([`${section.name} (renamed)`])
    // Only what changed was written: the term and its articles, not their term links, redirects
    // or files, which are as they were (the undo log holds every row a run wrote).
    const logged = await pgQuery<{ table_name: string; n: number }>(
      s.targetUrl,
      'SELECT table_name, count(*)::int AS n FROM run_change WHERE run_id = $1 GROUP BY table_name',
      [r.runId],
    )
    expect(Object.fromEntries(logged.map((l) => [l.table_name, l.n]))).toEqual({
      term: 1,
      article: Number(linked?.n),
    })
    // The run report lists the kinds of change, as --json does.
    const report = JSON.parse(await readFile(path.join(r.reportDir ?? '', 'summary.json'), 'utf8'))
    expect(report).toMatchObject({
      command: 'sync',
      runId: r.runId,
      status: 'succeeded',
      updated: Number(linked?.n),
      changes: {
        ...NO_SIDE_CHANGES,
        node: r.summary.changes.node,
        term: Number(linked?.n),
        file: recentFiles,
      },
    })
    const markdown = await readFile(path.join(r.reportDir ?? '', 'summary.md'), 'utf8')
    expect(markdown).toContain(`| term | ${Number(linked?.n)} |`)
    expect(markdown).toContain(`| updated | ${Number(linked?.n)} |`)
    expect(await differencesFromFresh(s)).toEqual([])
    await expectQuiet(s)
  })

  it('an alias edited in place and one added by a pathauto bulk update: new slug, old alias a redirect', async () => {
    // Nodes no body links to (by nid or alias): a link rewritten to another node's slug is not
    // watched by an incremental sync (README, "What it picks up").
    const unlinked = await rows<{ nid: number; alias: string }>(
      conn,
      `SELECT n.nid, MAX(a.alias) AS alias FROM node n JOIN url_alias a ON a.source = CONCAT('node/', n.nid)
       WHERE n.type = 'article' AND NOT EXISTS (
         SELECT 1 FROM field_revision_body b
         WHERE b.body_value LIKE CONCAT('%node/', n.nid, '%') OR b.body_value LIKE CONCAT('%', a.alias, '%'))
       GROUP BY n.nid ORDER BY n.nid LIMIT 2`,
    )
    const [edited, added] = unlinked
    if (!edited || !added) throw new Error('the fixture has no unlinked articles with aliases')
    await editAlias(conn, edited.nid, `${edited.alias}-edited`)
    await addAlias(conn, added.nid, `${added.alias}-regenerated`)
    // Every article in the checksum buckets (1,000 nids) of the two nodes.
    const [inBuckets] = await rows<{ n: number }>(
      conn,
      "SELECT COUNT(*) AS n FROM node WHERE type = 'article' AND nid DIV 1000 IN (?)",
      [[Math.floor(edited.nid / 1000), Math.floor(added.nid / 1000)]],
    )

    const recentFiles = await fileArticles([])
    const r = await sync(s)
    expect(sideCounts(r)).toEqual({ ...NO_SIDE_CHANGES, alias: Number(inBuckets?.n), file: recentFiles })
    expect(r.summary.updated).toBe(2)
    const slugs = await pgQuery<{ legacy_nid: number; slug: string }>(
      s.targetUrl,
      "SELECT legacy_nid, slug FROM article WHERE site = 'bne' AND legacy_nid = ANY($1) ORDER BY legacy_nid",
      [[edited.nid, added.nid]],
    )
    expect(slugs).toEqual([
      { legacy_nid: edited.nid, slug: `${edited.alias}-edited` },
      { legacy_nid: added.nid, slug: `${added.alias}-regenerated` },
    ])
    const redirects = await pgQuery<{ source_path: string }>(
      s.targetUrl,
      "SELECT source_path FROM redirect WHERE site = 'bne' AND legacy_nid = $1",
      [added.nid],
    )
    expect(redirects.map((x) => x.source_path)).toContain(added.alias)
    expect(await differencesFromFresh(s)).toEqual([])
    await expectQuiet(s)
  })

  it('an alias of a node other bodies link to: their rewritten links follow it, exactly as a fresh migration', async () => {
    // An article another article's body links to by node/<nid> (rewritten to its slug), whose
    // slug is its only alias.
    const [linked] = await rows<{ nid: number; alias: string }>(
      conn,
      `SELECT n.nid, MAX(a.alias) AS alias FROM node n JOIN url_alias a ON a.source = CONCAT('node/', n.nid)
       WHERE n.type = 'article' AND EXISTS (
         SELECT 1 FROM field_revision_body b JOIN node m ON m.nid = b.entity_id AND m.vid = b.revision_id
         WHERE m.type = 'article' AND m.nid <> n.nid AND b.body_value LIKE CONCAT('%href="/node/', n.nid, '"%'))
       GROUP BY n.nid HAVING COUNT(*) = 1 ORDER BY n.nid LIMIT 1`,
    )
    if (!linked) throw new Error('the fixture has no article other bodies link to')
    // The articles whose bodies link to it by node/<nid> (a link by its old alias no longer
    // resolves once the alias is edited in place: it stays as written, as a fresh migration leaves it).
    const linking = (
      await rows<{ nid: number }>(
        conn,
        `SELECT DISTINCT m.nid FROM field_revision_body b JOIN node m ON m.nid = b.entity_id AND m.vid = b.revision_id
         WHERE m.type = 'article' AND m.nid <> ? AND b.body_value LIKE CONCAT('%href="/node/', ?, '"%')`,
        [linked.nid, linked.nid],
      )
    ).map((r) => ({ legacy_nid: Number(r.nid) }))
    expect(linking.length).toBeGreaterThan(0)
    await editAlias(conn, linked.nid, `${linked.alias}-moved`)

    const r = await sync(s)
    expect(r.summary.changes.link).toBeGreaterThanOrEqual(linking.length)
    expect(r.summary.updated).toBeGreaterThanOrEqual(1 + linking.length)
    const bodies = await pgQuery<{ legacy_nid: number; moved: boolean }>(
      s.targetUrl,
      `SELECT legacy_nid, body LIKE $2 AS moved FROM article WHERE site = 'bne' AND legacy_nid = ANY($1::int[])`,
      [linking.map((l) => l.legacy_nid), `%href="/${linked.alias}-moved"%`],
    )
    expect(bodies.every((b) => b.moved)).toBe(true)
    expect(await differencesFromFresh(s)).toEqual([])
    await expectQuiet(s)
  })

  it('a file replaced under the same fid: the articles showing or embedding it get the new file', async () => {
    // An image some article's body also embeds through a media token.
    const [file] = await rows<{ fid: number }>(
      conn,
      `SELECT f.fid FROM file_managed f
       JOIN field_revision_field_story_picture p ON p.field_story_picture_fid = f.fid
       JOIN node n ON n.nid = p.entity_id AND n.vid = p.revision_id
       WHERE f.uri LIKE 'public://%' AND EXISTS (
         SELECT 1 FROM field_revision_body b JOIN node m ON m.nid = b.entity_id AND m.vid = b.revision_id
         WHERE b.body_value LIKE CONCAT('%"fid":"', f.fid, '"%') AND b.entity_id <> n.nid)
       ORDER BY f.fid LIMIT 1`,
    )
    if (!file) throw new Error('the fixture has no embedded image')
    await replaceFile(conn, file.fid, LATER)
    const using = await fileArticles([file.fid])
    expect(using).toBeGreaterThanOrEqual(2)

    const r = await sync(s)
    expect(sideCounts(r)).toEqual({ ...NO_SIDE_CHANGES, file: using })
    expect(r.summary.updated).toBeGreaterThanOrEqual(2)
    const [media] = await pgQuery<{ uri: string }>(
      s.targetUrl,
      "SELECT uri FROM media_file WHERE site = 'bne' AND legacy_fid = $1",
      [file.fid],
    )
    expect(media?.uri).toMatch(/\.v2\.jpg$/)
    expect(await differencesFromFresh(s)).toEqual([])
    await expectQuiet(s)
  })
})

describe('dhm sync picks up renamed users, relabelled list values, referenced slugs (drupal7-standard, 800 articles)', () => {
  const mariaDb = uniqueName('side_std_src')
  const pgDb = uniqueName('side_std_dst')
  let s: Site
  let conn: Conn

  beforeAll(async () => {
    const workDir = await mkdtemp(path.join(tmpdir(), 'dhm-side-std-test-'))
    // Enough articles that nids pass 1,000: two checksum buckets of aliases and users.
    await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 800, profile: 'standard' })
    conn = await connectMaria(mariaUrl(mariaDb))
    s = {
      mappingFile: 'test/fixtures/mappings/standard-extras.yaml',
      site: 'drupal7-standard',
      sourceUrl: mariaUrl(mariaDb),
      targetUrl: await createPgDb(pgDb),
      workDir,
    }
    expect((await sync(s)).mode).toBe('full')
    await expectQuiet(s)
  })

  afterAll(async () => {
    await conn?.end()
    await dropMariaDb(mariaDb)
    await dropPgDb(pgDb)
    if (s?.workDir) await rm(s.workDir, { recursive: true, force: true })
  })

  it('a user renamed: articles naming them (extra.editor, extra.author) get the new name', async () => {
    await renameUser(conn, 2, 'anna.editor (renamed)')
    // Nodes of the bundle whose author or current field_editor lies in the renamed user's bucket
    // of 1,000 uids (every uid of this fixture).
    const [inBucket] = await rows<{ n: number }>(
      conn,
      `SELECT COUNT(*) AS n FROM node n WHERE n.type = 'article' AND (n.uid DIV 1000 = 0 OR EXISTS (
         SELECT 1 FROM field_revision_field_editor e
         WHERE e.revision_id = n.vid AND e.field_editor_uid DIV 1000 = 0 AND e.deleted = 0))`,
    )
    const r = await sync(s)
    expect(sideCounts(r)).toEqual({ ...NO_SIDE_CHANGES, user: Number(inBucket?.n) })
    expect(r.summary.updated).toBeGreaterThan(0)
    const names = await pgQuery<{ name: string }>(
      s.targetUrl,
      `SELECT DISTINCT document->'extra'->'editor'->>'name' AS name FROM article
       WHERE site = 'drupal7-standard' AND (document->'extra'->'editor'->>'uid')::int = 2`,
    )
    expect(names).toEqual([{ name: 'anna.editor (renamed)' }])
    expect(await differencesFromFresh(s)).toEqual([])
    await expectQuiet(s)
  })

  it('an alias of a node an article references (node-ref) edited: the referring article in another bucket follows', async () => {
    const [pair] = await rows<{ referring: number; referenced: number; alias: string }>(
      conn,
      `SELECT n.nid AS referring, r.field_related_nid AS referenced, MAX(a.alias) AS alias
       FROM node n JOIN field_revision_field_related r ON r.entity_id = n.nid AND r.revision_id = n.vid
       JOIN url_alias a ON a.source = CONCAT('node/', r.field_related_nid)
       WHERE n.type = 'article' AND r.deleted = 0 AND n.nid DIV 1000 <> r.field_related_nid DIV 1000
       GROUP BY n.nid, r.field_related_nid ORDER BY n.nid LIMIT 1`,
    )
    if (!pair) throw new Error('the fixture has no reference across a bucket of 1,000 nids')
    const bucket = Math.floor(pair.referenced / 1000)
    await editAlias(conn, pair.referenced, `${pair.alias}-edited`)
    // The articles of the referenced node's bucket, and the nodes referring into it.
    const [expected] = await rows<{ n: number }>(
      conn,
      `SELECT COUNT(*) AS n FROM node n WHERE n.type = 'article' AND (n.nid DIV 1000 = ? OR EXISTS (
         SELECT 1 FROM field_revision_field_related r WHERE r.entity_id = n.nid AND r.revision_id = n.vid
         AND r.deleted = 0 AND r.field_related_nid DIV 1000 = ?))`,
      [bucket, bucket],
    )
    const r = await sync(s)
    expect(sideCounts(r)).toEqual({ ...NO_SIDE_CHANGES, alias: Number(expected?.n) })
    const [referring] = await pgQuery<{ related: { nid: number; slug: string }[] }>(
      s.targetUrl,
      "SELECT document->'extra'->'related' AS related FROM article WHERE site = $1 AND legacy_nid = $2",
      [s.site, pair.referring],
    )
    expect(referring?.related).toContainEqual({ nid: pair.referenced, slug: `${pair.alias}-edited` })
    expect(await differencesFromFresh(s)).toEqual([])
    await expectQuiet(s)
  })

  it('a list label changed in the field UI: articles holding that key get the new label', async () => {
    await setAllowedValueLabel(conn, 'field_kind', 'news', 'News & Analysis')
    const [holding] = await rows<{ n: number }>(
      conn,
      `SELECT COUNT(DISTINCT n.nid) AS n FROM node n JOIN field_revision_field_kind k
         ON k.entity_id = n.nid AND k.revision_id = n.vid AND k.deleted = 0
       WHERE k.field_kind_value = 'news'`,
    )
    expect(Number(holding?.n)).toBeGreaterThan(0)
    const r = await sync(s)
    expect(sideCounts(r)).toEqual({ ...NO_SIDE_CHANGES, 'list-label': Number(holding?.n) })
    expect(r.summary.updated).toBeGreaterThan(0)
    const labels = await pgQuery<{ kind: string }>(
      s.targetUrl,
      "SELECT DISTINCT document->'extra'->>'kind' AS kind FROM article WHERE site = 'drupal7-standard'",
    )
    expect(labels.map((l) => l.kind)).toContain('News & Analysis')
    expect(labels.map((l) => l.kind)).not.toContain('News')
    expect(await differencesFromFresh(s)).toEqual([])
    await expectQuiet(s)
  })
})

describe('the first sync after a migrate, or after an upgrade, misses no side edit (bne, 300 articles, seed 5)', () => {
  const mariaDb = uniqueName('side_base_src')
  const pgDb = uniqueName('side_base_dst')
  let s: Site
  let conn: Conn

  /** Unlinked articles with aliases (body links are not watched by an incremental sync). */
  const unlinkedAliased = async (offset: number) => {
    const [row] = await rows<{ nid: number; alias: string }>(
      conn,
      `SELECT n.nid, MAX(a.alias) AS alias FROM node n JOIN url_alias a ON a.source = CONCAT('node/', n.nid)
       WHERE n.type = 'article' AND NOT EXISTS (
         SELECT 1 FROM field_revision_body b
         WHERE b.body_value LIKE CONCAT('%node/', n.nid, '%') OR b.body_value LIKE CONCAT('%', a.alias, '%'))
       GROUP BY n.nid ORDER BY n.nid LIMIT 1 OFFSET ?`,
      [offset],
    )
    if (!row) throw new Error('the fixture has no unlinked article with an alias')
    return row
  }
  const slugOf = async (nid: number) =>
    (
      await pgQuery<{ slug: string }>(
        s.targetUrl,
        "SELECT slug FROM article WHERE site = 'bne' AND legacy_nid = $1",
        [nid],
      )
    )[0]?.slug

  beforeAll(async () => {
    const workDir = await mkdtemp(path.join(tmpdir(), 'dhm-side-base-test-'))
    await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 300, seed: 5 })
    conn = await connectMaria(mariaUrl(mariaDb))
    s = {
      mappingFile: 'mappings/bne.yaml',
      site: 'bne',
      sourceUrl: mariaUrl(mariaDb),
      targetUrl: await createPgDb(pgDb),
      workDir,
    }
  })

  afterAll(async () => {
    await conn?.end()
    await dropMariaDb(mariaDb)
    await dropPgDb(pgDb)
    if (s?.workDir) await rm(s.workDir, { recursive: true, force: true })
  })

  it('migrate records the state a full sync would: the first sync is incremental and finds an alias edited since', async () => {
    const migrated = await runMigration({
      mapping: await loadMapping(s.mappingFile),
      mappingFile: s.mappingFile,
      sourceUrl: s.sourceUrl,
      targetUrl: s.targetUrl,
      reportsDir: s.workDir,
    })
    expect(migrated.status).toBe('succeeded')
    const edited = await unlinkedAliased(0)
    await editAlias(conn, edited.nid, `${edited.alias}-after-migrate`)
    const [inBucket] = await rows<{ n: number }>(
      conn,
      "SELECT COUNT(*) AS n FROM node WHERE type = 'article' AND nid DIV 1000 = ?",
      [Math.floor(edited.nid / 1000)],
    )

    const r = await sync(s)
    expect(r.mode).toBe('incremental')
    expect(r.fullReason).toBeNull()
    expect(r.summary.changes.alias).toBe(Number(inBucket?.n))
    expect(r.summary.updated).toBe(1)
    expect(await slugOf(edited.nid)).toBe(`${edited.alias}-after-migrate`)
    expect(await differencesFromFresh(s)).toEqual([])
    await expectQuiet(s)
  })

  it('a last sync that recorded no side state (an older dhm): the next sync reads everything once, and says why', async () => {
    // What a dhm from before side-table syncing left: a mark, publication_date checksums, no sideState.
    await pgQuery(s.targetUrl, "UPDATE migration_run SET params = params - 'sideState' WHERE site = 'bne'")
    const [last] = await pgQuery<{ id: number; command: string }>(
      s.targetUrl,
      'SELECT id, command FROM migration_run WHERE high_water_mark IS NOT NULL ORDER BY id DESC LIMIT 1',
    )
    const edited = await unlinkedAliased(1)
    await editAlias(conn, edited.nid, `${edited.alias}-before-upgrade`)

    const r = await sync(s)
    expect(r.mode).toBe('full')
    expect(r.fullReason).toBe(
      `the last ${last?.command} (run ${last?.id}) recorded no state of url_alias, list labels, file_managed (replaced files), ` +
        'body links (article_link) ' +
        '(a dhm from before side-table syncing): reading everything once, so that no edit made there before ' +
        'this sync is missed',
    )
    expect(await slugOf(edited.nid)).toBe(`${edited.alias}-before-upgrade`)
    expect(await differencesFromFresh(s)).toEqual([])
    await expectQuiet(s)
  })
})

// The fast path of migrate again and verify (issue #19 "Unchanged rows", #25): an article whose
// source rows and target rows are as dhm last wrote them is settled without a transform; anything
// edited on either side goes the full way. Target edits are made with plain SQL in Postgres, source
// edits with plain SQL in MariaDB; the articles each edit affects are found with plain SQL too.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping, parseMapping } from '../../src/mapping/load-mapping.js'
import { type MigrateOptions, runMigration } from '../../src/pipeline/run-migration.js'
import { runVerify, type VerifyOptions, type VerifyResult } from '../../src/pipeline/run-verify.js'
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

const MAPPING_FILE = 'mappings/drupal7-standard.yaml'
const mariaDb = uniqueName('fp_src')
const pgDb = uniqueName('fp_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let workDir = ''
/** drupal7-standard with `owned: [summary]`. */
let ownedFile = ''

async function migrate(opts: Partial<MigrateOptions> = {}) {
  return runMigration({
    mapping: await loadMapping(ownedFile),
    mappingFile: ownedFile,
    sourceUrl,
    targetUrl,
    batchSize: 9,
    reportsDir: workDir,
    ...opts,
  })
}

async function verify(opts: Pick<VerifyOptions, 'fastPath' | 'onEvent'> = {}): Promise<VerifyResult> {
  return runVerify({
    mapping: await loadMapping(ownedFile),
    mappingFile: ownedFile,
    sourceUrl,
    targetUrl,
    batchSize: 9,
    reportsDir: workDir,
    ...opts,
  })
}

/** A run that wrote nothing and settled every article but the one with the editor's summary (owned). */
function expectAllSettledButOwned(r: Awaited<ReturnType<typeof migrate>>) {
  expect(r.counts.updated).toBe(0)
  expect(r.counts.fastPath).toEqual({ settled: r.counts.read - r.counts.filtered - 1, targetChanged: 0 })
}

const brief = (r: VerifyResult) =>
  r.report.differences.map((d) => ({ nid: d.legacyNid, class: d.class, fields: d.fields }))

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
  pgQuery<T>(targetUrl, text, params)
const maria = <T>(text: string, params: unknown[] = []) => mariaQuery<T>(sourceUrl, text, params)
/** The article a node `n` is part of: its own, or its translation set's source node's (tnid). */
const ARTICLE_OF = 'CASE WHEN n.tnid IN (0, n.nid) THEN n.nid ELSE n.tnid END'
/** The article whose summary an editor changed in the target (owned: never settled again). */
let ownedNid = 0

/** The first live article (by nid) matching `where` on `article a`, not one of `taken`. */
async function pick(where: string, taken: number[]): Promise<number> {
  const rows = await sql<{ nid: number }>(
    `SELECT a.legacy_nid AS nid FROM article a WHERE a.deleted_at IS NULL AND ${where}
       AND NOT (a.legacy_nid = ANY($1::int[])) ORDER BY a.legacy_nid LIMIT 1`,
    [taken],
  )
  const nid = rows[0]?.nid
  if (nid === undefined) throw new Error(`the fixture has no article with ${where}`)
  taken.push(nid)
  return nid
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'dhm-fingerprints-'))
  ownedFile = path.join(workDir, 'standard-owned.yaml')
  await writeFile(ownedFile, `${await readFile(MAPPING_FILE, 'utf8')}\nowned: [summary]\n`)
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 60, profile: 'standard' })
  targetUrl = await createPgDb(pgDb)
  const first = await migrate()
  expect(first.counts.inserted).toBeGreaterThan(0)
})

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (workDir) await rm(workDir, { recursive: true, force: true })
})

describe('fingerprints: what did not change is settled without a transform', () => {
  it('migrate again and verify of an untouched target settle every article', async () => {
    const again = await migrate()
    const articles = again.counts.read - again.counts.filtered
    expect(again.counts).toMatchObject({ inserted: 0, updated: 0, unchanged: articles, rejected: 0 })
    expect(again.counts.fastPath).toEqual({ settled: articles, targetChanged: 0 })

    const r = await verify()
    expect(r.exitCode).toBe(0)
    expect(r.report.counts.matched).toBe(articles)
    expect(r.report.fastPath).toEqual({ settled: articles, targetChanged: 0 })
    // Coverage of settled articles comes from what was stored with their fingerprints: the same
    // as a full comparison counts.
    const full = await verify({ fastPath: false })
    expect(full.report.fastPath?.settled).toBe(0)
    expect(r.report.coverage).toEqual(full.report.coverage)
    expect(r.report.counts).toEqual(full.report.counts)
  })

  it('an article is settled by its row version while nobody rewrote its row, and by its content after a rewrite that changed nothing', async () => {
    const counts = async () =>
      (
        await sql<{ n: number; versioned: number }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE version LIKE 'v1:%')::int AS versioned
           FROM article_fingerprint`,
        )
      )[0]
    const before = await counts()
    expect(before?.versioned).toBe(before?.n)
    const nid = await pick('true', [])
    const [{ id, target } = { id: 0, target: '' }] = await sql<{ id: number; target: string }>(
      'SELECT f.article_id AS id, f.target FROM article_fingerprint f JOIN article a ON a.id = f.article_id WHERE a.legacy_nid = $1',
      [nid],
    )
    // While its row version stands, the stored target fingerprint is taken as the article's: its
    // body and document are not read. (Shown by a stored value no article computes: dhm's own
    // bookkeeping, edited here only to see which way the check went.)
    await sql("UPDATE article_fingerprint SET target = 'f2:not-computed' WHERE article_id = $1", [id])
    expect((await verify()).report.fastPath?.settled).toBe(before?.n)
    await sql('UPDATE article_fingerprint SET target = $2 WHERE article_id = $1', [id, target])

    // A rewrite with the same values is a new row version: the content fingerprint decides, and it
    // is the stored one. Verify writes nothing; the next run that writes keeps the new version.
    const versionOf = async () =>
      (
        await sql<{ version: string }>('SELECT version FROM article_fingerprint WHERE article_id = $1', [id])
      )[0]?.version
    const old = await versionOf()
    await sql('UPDATE article SET title = title WHERE id = $1', [id])
    const r = await verify()
    expect(r.exitCode).toBe(0)
    expect(r.report.fastPath).toEqual({ settled: before?.n, targetChanged: 0 })
    expect(await versionOf()).toBe(old)
    const again = await migrate()
    expect(again.counts).toMatchObject({ updated: 0, unchanged: before?.n })
    expect(await versionOf()).toMatch(/^v1:/)
    expect(await versionOf()).not.toBe(old)
    await sql("UPDATE article_fingerprint SET target = 'f2:not-computed' WHERE article_id = $1", [id])
    expect((await verify()).report.fastPath?.settled).toBe(before?.n)
    await sql('UPDATE article_fingerprint SET target = $2 WHERE article_id = $1', [id, target])
  })

  it('an upgrade from version-1 target fingerprints keeps every untouched article on the fast path', async () => {
    // Migration 20261207200000 turns each stored version-1 value its article still computes into the
    // version-2 one. Played here: store what its own version-1 query computes (as dhm did before it),
    // edit one article in Postgres, run the migration's DO block again.
    const script = await readFile(
      'prisma/migrations/20261207200000_target_fingerprint_v2/migration.sql',
      'utf8',
    )
    const v1 = script
      .slice(script.indexOf('JOIN (') + 'JOIN ('.length, script.indexOf(') o ON o.id = n.id'))
      .replaceAll('a.id BETWEEN _lo AND _lo + 9999', 'true')
    await sql(`UPDATE article_fingerprint f SET target = o.target FROM (${v1}) o WHERE f.article_id = o.id`)
    const stored = await sql<{ v1: string }>(
      `SELECT count(*) FILTER (WHERE target NOT LIKE 'f2:%')::int AS v1 FROM article_fingerprint`,
    )
    const articles = Number(
      (await sql<{ n: number }>('SELECT count(*)::int AS n FROM article_fingerprint'))[0]?.n,
    )
    expect(Number(stored[0]?.v1)).toBe(articles)
    const edited = await pick('true', [])
    await sql(`UPDATE article SET title = 'Edited before the upgrade' WHERE legacy_nid = $1`, [edited])

    await sql(script.slice(script.indexOf('DO $$')))

    const after = await sql<{ v2: number }>(
      `SELECT count(*) FILTER (WHERE target LIKE 'f2:%')::int AS v2 FROM article_fingerprint`,
    )
    expect(Number(after[0]?.v2)).toBe(articles - 1)
    const r = await verify()
    expect(r.exitCode).toBe(4)
    expect(brief(r)).toEqual([{ nid: edited, class: 'changed', fields: ['title'] }])
    expect(r.report.fastPath).toEqual({ settled: articles - 1, targetChanged: 1 })
    const again = await migrate()
    expect(again.counts).toMatchObject({ updated: 1, unchanged: articles - 1 })
    expect((await verify()).report.fastPath).toEqual({ settled: articles, targetChanged: 0 })
  })

  it('an upgrade to row-version fingerprints gives one to every article that still computes its stored fingerprint', async () => {
    // Migration 20261208020000 adds the column and fills it; played again here over fingerprints
    // stored without it, with one article edited in Postgres before the upgrade.
    const script = await readFile(
      'prisma/migrations/20261208020000_fingerprint_row_version/migration.sql',
      'utf8',
    )
    const stored = await sql<{ id: number; version: string }>(
      'SELECT article_id AS id, version FROM article_fingerprint ORDER BY article_id',
    )
    await sql('UPDATE article_fingerprint SET version = NULL')
    const edited = await pick('true', [])
    await sql(`UPDATE article SET title = 'Edited before the upgrade' WHERE legacy_nid = $1`, [edited])

    await sql(script.slice(script.indexOf('DO $$')))

    const [{ id: editedId } = { id: 0 }] = await sql<{ id: number }>(
      'SELECT id FROM article WHERE legacy_nid = $1',
      [edited],
    )
    const after = await sql<{ id: number; version: string | null }>(
      'SELECT article_id AS id, version FROM article_fingerprint ORDER BY article_id',
    )
    expect(after).toEqual(stored.map((r) => ({ id: r.id, version: r.id === editedId ? null : r.version })))
    const r = await verify()
    expect(brief(r)).toEqual([{ nid: edited, class: 'changed', fields: ['title'] }])
    expect(r.report.fastPath).toEqual({ settled: stored.length - 1, targetChanged: 1 })
    expect((await migrate()).counts).toMatchObject({ updated: 1, unchanged: stored.length - 1 })
    expect(await sql('SELECT version FROM article_fingerprint WHERE article_id = $1', [editedId])).toEqual([
      { version: expect.stringMatching(/^v1:/) },
    ])
  })

  it('migrate again repairs each kind of target data edited in Postgres, and keeps an owned field', async () => {
    const taken: number[] = []
    const idOf = 'SELECT id FROM article WHERE legacy_nid = $1'
    const retitled = await pick('true', taken)
    await sql(`UPDATE article SET title = 'Hacked title' WHERE legacy_nid = $1`, [retitled])
    const twoSubjects = `(SELECT count(*) FROM article_term t WHERE t.article_id = a.id AND t.role = 'subject') >= 2`
    const unlinked = await pick(twoSubjects, taken)
    await sql(
      `DELETE FROM article_term WHERE article_id = (${idOf}) AND role = 'subject'
         AND position = (SELECT max(position) FROM article_term WHERE article_id = (${idOf}) AND role = 'subject')`,
      [unlinked],
    )
    const reordered = await pick(twoSubjects, taken)
    await sql(
      `UPDATE article_term t SET term_id = o.term_id FROM article_term o
       WHERE t.article_id = (${idOf}) AND t.role = 'subject' AND t.position IN (0, 1)
         AND o.article_id = t.article_id AND o.role = t.role AND o.position = 1 - t.position`,
      [reordered],
    )
    const refiled = await pick(
      `a.image_file_id IS NOT NULL AND (SELECT count(*) FROM article o WHERE o.image_file_id = a.image_file_id
         OR o.pdf_file_id = a.image_file_id) = 1`,
      taken,
    )
    await sql(
      `UPDATE media_file SET uri = 'public://hacked.jpg' WHERE id = (SELECT image_file_id FROM article WHERE legacy_nid = $1)`,
      [refiled],
    )
    const unredirected = await pick('EXISTS (SELECT 1 FROM redirect r WHERE r.article_id = a.id)', taken)
    await sql(`DELETE FROM redirect WHERE id = (SELECT min(id) FROM redirect WHERE article_id = (${idOf}))`, [
      unredirected,
    ])
    const translated = await pick(`jsonb_array_length(a.document->'translations') > 0`, taken)
    await sql(
      `UPDATE article SET document = jsonb_set(document, '{translations,0,title}', '"Hacked translation"')
       WHERE legacy_nid = $1`,
      [translated],
    )
    // An editor's summary: the mapping owns summary, so dhm keeps it.
    const summarized = await pick('a.summary IS NOT NULL', taken)
    ownedNid = summarized
    await sql(`UPDATE article SET summary = 'Written in the new system' WHERE legacy_nid = $1`, [summarized])
    const edited = [retitled, unlinked, reordered, refiled, unredirected, translated]

    // With the fast path on, verify still names each edit (the full comparison of those articles).
    const before = await verify()
    expect(before.exitCode).toBe(4)
    expect(
      brief(before)
        .filter((d) => d.class === 'changed')
        .map((d) => d.nid),
    ).toEqual([...edited].sort((a, b) => a - b))
    expect(brief(before).find((d) => d.nid === summarized)).toMatchObject({
      class: 'edited',
      fields: ['summary'],
    })
    expect(before.report.fastPath?.targetChanged).toBe(edited.length + 1)

    const repaired = await migrate()
    expect(repaired.counts.fastPath?.targetChanged).toBe(edited.length + 1)
    expect(repaired.counts.updated).toBe(edited.length + 1)
    expect(repaired.counts.fastPath?.settled).toBe(
      repaired.counts.read - repaired.counts.filtered - edited.length - 1,
    )

    const after = await verify()
    expect(after.exitCode).toBe(0)
    expect(brief(after)).toEqual([{ nid: summarized, class: 'edited', fields: ['summary'] }])
    const [row] = await sql<{ summary: string; title: string }>(
      'SELECT summary, title FROM article WHERE legacy_nid = $1',
      [summarized],
    )
    expect(row?.summary).toBe('Written in the new system')
    const [uri] = await sql<{ uri: string }>(
      'SELECT f.uri FROM article a JOIN media_file f ON f.id = a.image_file_id WHERE a.legacy_nid = $1',
      [refiled],
    )
    expect(uri?.uri).not.toBe('public://hacked.jpg')

    // The article with the editor's summary is never settled (it is compared in full each time);
    // every other one is again.
    expectAllSettledButOwned(await migrate())
  })

  it('an edit of each source table is never settled: verify reports it, migrate again writes it', async () => {
    const nidsOf = (rows: { nid: number }[]) => rows.map((r) => Number(r.nid))
    const live = await sql<{ nid: number }>('SELECT legacy_nid AS nid FROM article ORDER BY legacy_nid')
    const articles = live.map((r) => r.nid)
    const affected = new Set<number>()
    const take = (nids: number[]) => {
      const nid = nids.find((n) => articles.includes(n) && !affected.has(n))
      if (nid === undefined) throw new Error('no article left to edit')
      return nid
    }

    // node: a title (node.changed left alone, as a script would).
    const titled = take(articles)
    await maria('UPDATE node SET title = CONCAT(title, ?) WHERE nid = ?', [' (source)', titled])
    affected.add(titled)

    // A field table: the body of the current revision.
    const bodied = take(
      nidsOf(
        await maria<{ nid: number }>(
          `SELECT n.nid FROM node n JOIN field_revision_body b ON b.entity_id = n.nid AND b.revision_id = n.vid
           WHERE n.type = 'article' AND n.tnid IN (0, n.nid) ORDER BY n.nid`,
        ),
      ),
    )
    await maria(
      `UPDATE field_revision_body b JOIN node n ON n.nid = b.entity_id AND n.vid = b.revision_id
       SET b.body_value = CONCAT(b.body_value, '<p>One more paragraph.</p>') WHERE n.nid = ?`,
      [bodied],
    )
    affected.add(bodied)

    // taxonomy_term_data: a term renamed changes every article that links it.
    const [term] = await maria<{ tid: number }>(
      `SELECT t.field_tags_tid AS tid FROM field_revision_field_tags t
       JOIN node n ON n.nid = t.entity_id AND n.vid = t.revision_id ORDER BY t.field_tags_tid LIMIT 1`,
    )
    await maria('UPDATE taxonomy_term_data SET name = CONCAT(name, ?) WHERE tid = ?', [
      ' (renamed)',
      term?.tid,
    ])
    for (const nid of nidsOf(
      await maria<{ nid: number }>(
        `SELECT DISTINCT ${ARTICLE_OF} AS nid FROM field_revision_field_tags t
         JOIN node n ON n.nid = t.entity_id AND n.vid = t.revision_id WHERE t.field_tags_tid = ?`,
        [term?.tid],
      ),
    ))
      affected.add(nid)

    // file_managed: a file replaced under its fid.
    const [file] = await maria<{ fid: number }>(
      `SELECT i.field_image_fid AS fid FROM field_revision_field_image i
       JOIN node n ON n.nid = i.entity_id AND n.vid = i.revision_id
       WHERE n.nid NOT IN (?) AND n.tnid IN (0, n.nid) ORDER BY n.nid LIMIT 1`,
      [[...affected]],
    )
    await maria(`UPDATE file_managed SET uri = CONCAT(uri, '.v2.jpg') WHERE fid = ?`, [file?.fid])
    for (const nid of nidsOf(
      await maria<{ nid: number }>(
        `SELECT DISTINCT ${ARTICLE_OF} AS nid FROM field_revision_field_image i
         JOIN node n ON n.nid = i.entity_id AND n.vid = i.revision_id WHERE i.field_image_fid = ?`,
        [file?.fid],
      ),
    ))
      affected.add(nid)

    // url_alias: the newest alias of an article edited in place.
    const aliased = take(
      nidsOf(
        await maria<{ nid: number }>(
          `SELECT DISTINCT n.nid FROM node n JOIN url_alias u ON u.source = CONCAT('node/', n.nid)
           WHERE n.type = 'article' AND n.tnid = 0 ORDER BY n.nid`,
        ),
      ),
    )
    await maria('UPDATE url_alias SET alias = CONCAT(alias, ?) WHERE source = ? ORDER BY pid DESC LIMIT 1', [
      '-moved',
      `node/${aliased}`,
    ])
    affected.add(aliased)

    // A translation node (tnid): its title is part of its source node's article.
    const [translation] = await maria<{ nid: number; tnid: number }>(
      `SELECT nid, tnid FROM node WHERE type = 'article' AND tnid <> 0 AND tnid <> nid AND tnid NOT IN (?)
       ORDER BY nid LIMIT 1`,
      [[...affected]],
    )
    await maria('UPDATE node SET title = CONCAT(title, ?) WHERE nid = ?', [' (übersetzt)', translation?.nid])
    affected.add(Number(translation?.tnid))

    const expected = [...affected].sort((a, b) => a - b)
    const r = await verify()
    expect(r.exitCode).toBe(4)
    const changed = brief(r).filter((d) => d.class === 'changed')
    expect(changed.map((d) => d.nid)).toEqual(expected)

    const again = await migrate()
    expect(again.counts.updated).toBe(expected.length)
    // Each affected article was transformed (not settled), and so was the owned-summary one.
    const owned = affected.has(ownedNid) ? 0 : 1
    expect(again.counts.fastPath?.settled).toBe(
      again.counts.read - again.counts.filtered - expected.length - owned,
    )
    const after = await verify()
    expect(after.exitCode).toBe(0)
  })

  it('a node saved with nothing its article shows changed: an edit of its article in the target is still repaired, and both settle again', async () => {
    // node.sticky is in the source fingerprint but not in the article: the source changed, the
    // content hash did not. The target fingerprint of a node whose source changed is computed only
    // when its content turns out unchanged (readTargetFingerprintsFor, loadBatch's recheck).
    const taken = [ownedNid]
    const hacked = await pick('true', taken)
    const saved = await pick('true', taken)
    await maria('UPDATE node SET sticky = 1 - sticky WHERE nid IN (?, ?)', [hacked, saved])
    await sql(`UPDATE article SET title = 'Hacked title' WHERE legacy_nid = $1`, [hacked])

    const repaired = await migrate()
    expect(repaired.counts.updated).toBe(1)
    const [row] = await sql<{ title: string }>('SELECT title FROM article WHERE legacy_nid = $1', [hacked])
    expect(row?.title).not.toBe('Hacked title')

    // Both nodes' new source fingerprints were stored: the next run settles everything but the
    // owned-summary article.
    expectAllSettledButOwned(await migrate())
    expect((await verify()).exitCode).toBe(0)
  })

  it('two articles claiming one alias: one holds the redirect, and neither is rewritten by the next run', async () => {
    // Two untranslated articles get the same old alias (not the newest: a redirect, not a slug).
    const [a, b] = (
      await maria<{ nid: number }>(
        "SELECT nid FROM node WHERE type = 'article' AND tnid = 0 AND nid <> ? ORDER BY nid LIMIT 2",
        [ownedNid],
      )
    ).map((r) => Number(r.nid))
    for (const nid of [a, b])
      await maria("INSERT INTO url_alias (source, alias, language) VALUES (?, 'old/shared-path', 'und')", [
        `node/${nid}`,
      ])
    // Their own aliases stay the newest (the slug is the newest alias).
    await maria('UPDATE url_alias SET pid = pid + 100000 WHERE source IN (?) AND alias <> ?', [
      [`node/${a}`, `node/${b}`],
      'old/shared-path',
    ])
    const written = await migrate()
    expect(written.counts.updated).toBe(2)
    const holders = await sql<{ nid: number }>(
      "SELECT a.legacy_nid AS nid FROM redirect r JOIN article a ON a.id = r.article_id WHERE r.source_path = 'old/shared-path'",
    )
    expect(holders).toHaveLength(1)
    // The one that yields the path is checked by its content every time: no row version is kept.
    const versions = await sql<{ nid: number; version: string | null }>(
      'SELECT a.legacy_nid AS nid, f.version FROM article_fingerprint f JOIN article a ON a.id = f.article_id WHERE a.legacy_nid = ANY($1::int[])',
      [[a, b]],
    )
    expect(versions.filter((v) => v.version === null).map((v) => v.nid)).toEqual(
      [a, b].filter((nid) => nid !== holders[0]?.nid),
    )
    // The article that lost the path to the other is as dhm left it: settled, not rewritten.
    const again = await migrate()
    expect(again.counts.updated).toBe(0)
    expect(again.counts.fastPath?.targetChanged).toBe(0)
    expect((await verify()).exitCode).toBe(0)
  })

  it('verify of a target whose schema lacks a migration of this dhm compares every article in full, and says what applies it', async () => {
    // As after upgrading dhm: verify writes nothing, so the row-version column is not there yet.
    await sql(
      "DELETE FROM _prisma_migrations WHERE migration_name = '20261208020000_fingerprint_row_version'",
    )
    await sql('ALTER TABLE article_fingerprint DROP COLUMN version')
    const phases: string[] = []
    const r = await verify({
      onEvent: (e) => {
        if (e.kind === 'phase') phases.push(e.message)
      },
    })
    expect(r.exitCode).toBe(0)
    expect(r.report.fastPath?.settled).toBe(0)
    expect(phases).toContainEqual(
      expect.stringMatching(
        /lacks 1 migration\(s\) of this dhm \(20261208020000_fingerprint_row_version\).*"dhm migrate" or "dhm sync" applies them/,
      ),
    )
    // The next run that writes applies it, and the fast path is back.
    expect((await migrate()).counts.updated).toBe(0)
    expect((await verify()).report.fastPath?.settled).toBe(r.report.counts.matched)
  })

  it('a change of the mapping invalidates every fingerprint', async () => {
    const text = await readFile(ownedFile, 'utf8')
    // A different public base URL for files: every article's fingerprint changes with the mapping.
    const changed = parseMapping(
      text.replace('publicBaseUrl: https://example.com/', 'publicBaseUrl: https://cdn.example.com/'),
      ownedFile,
    )
    expect(changed.files).not.toEqual((await loadMapping(ownedFile)).files)
    const r = await migrate({ mapping: changed })
    expect(r.counts.fastPath?.settled).toBe(0)
    expect(r.counts.read).toBeGreaterThan(r.counts.filtered)

    // Back to the mapping the target was written with: those written by the changed mapping no
    // longer match it either, so nothing is settled until they are written again.
    const back = await migrate()
    expect(back.counts.fastPath?.settled).toBe(0)
    const settledAgain = await migrate()
    expect(settledAgain.counts.fastPath?.settled).toBe(
      settledAgain.counts.read - settledAgain.counts.filtered - 1,
    )
  })
})

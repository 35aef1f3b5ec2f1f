// `dhm sync` skips the scans of source tables that did not change since the previous sync (issue
// #24: a sync with nothing changed must stay cheap on a big site). The server says when a table
// last changed (information_schema.TABLES.UPDATE_TIME); a sync whose tables are all older than the
// previous sync's snapshot reads none of them, and every edit made after a skipping sync is still
// found by the next one, exactly as a fresh migration has it. Editors are played with plain SQL
// (test/helpers/drupal-edits.ts), in real time: UPDATE_TIME is the server's clock, so each step
// waits for the next second where the test needs "strictly before".

import { mkdtemp, rm } from 'node:fs/promises'
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
import { type Conn, connectMaria, editAlias, renameTerm, renameUser, rows } from '../helpers/drupal-edits.js'
import { diffSnapshots, snapshotTarget } from '../helpers/target-snapshot.js'

const MAPPING = 'test/fixtures/mappings/standard-extras.yaml'
const SITE = 'drupal7-standard'
/** The scans this mapping needs (no publication_date, no workflow on a standard install). */
const ALL_SCANS = ['term', 'alias', 'file', 'user', 'deletions']

/** Past the current second of the source server's clock: a table written before now is "before" it. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100))

describe('dhm sync skips the scans of tables that did not change (drupal7-standard, 800 articles)', () => {
  const mariaDb = uniqueName('scans_src')
  const pgDb = uniqueName('scans_dst')
  let conn: Conn
  let sourceUrl: string
  let targetUrl: string
  let workDir: string

  // --overlap 0: the tables' times are trusted from the previous snapshot on (the default margin
  // of 300 s would make every table of a fixture generated a moment ago count as changed).
  const sync = async (opts: { rescanAfterSeconds?: number } = {}): Promise<SyncResult> =>
    runSync({
      mapping: await loadMapping(MAPPING),
      mappingFile: MAPPING,
      sourceUrl,
      targetUrl,
      batchSize: 100,
      overlapSeconds: 0,
      onDelete: 'hard-delete',
      reportsDir: workDir,
      ...opts,
    })

  /** The synced target against a fresh full migration of the same source: [] when equal. */
  const differencesFromFresh = async (): Promise<string[]> => {
    const name = uniqueName('scans_fresh')
    const freshUrl = await createPgDb(name)
    try {
      await runMigration({
        mapping: await loadMapping(MAPPING),
        mappingFile: MAPPING,
        sourceUrl,
        targetUrl: freshUrl,
        reportsDir: workDir,
      })
      return diffSnapshots(await snapshotTarget(targetUrl, SITE), await snapshotTarget(freshUrl, SITE))
    } finally {
      await dropPgDb(name)
    }
  }

  /** A sync a second after the last edit: every scan skipped, nothing read but the overlap's nodes. */
  const expectSkipping = async (): Promise<SyncResult> => {
    await nextSecond()
    const r = await sync()
    expect(r.mode).toBe('incremental')
    expect(r.summary.scans).toEqual({ scanned: [], skipped: ALL_SCANS })
    expect(r.deletions).toBeNull()
    expect(r.summary).toMatchObject({ inserted: 0, updated: 0, deleted: 0, rejected: 0 })
    return r
  }

  /** Articles (current revision) tagged with `tid`. */
  const tagged = async (tid: number) =>
    Number(
      (
        await rows<{ n: number }>(
          conn,
          `SELECT COUNT(DISTINCT n.nid) AS n FROM node n JOIN field_revision_field_tags t
           ON t.entity_id = n.nid AND t.revision_id = n.vid AND t.deleted = 0
           WHERE n.type = 'article' AND t.field_tags_tid = ?`,
          [tid],
        )
      )[0]?.n,
    )

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'dhm-scans-test-'))
    await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 800, profile: 'standard' })
    conn = await connectMaria(mariaUrl(mariaDb))
    sourceUrl = mariaUrl(mariaDb)
    targetUrl = await createPgDb(pgDb)
    await nextSecond()
    const first = await sync()
    expect(first.mode).toBe('full')
    expect(first.summary.scans).toEqual({ scanned: ALL_SCANS, skipped: [] })
  })

  afterAll(async () => {
    await conn?.end()
    await dropMariaDb(mariaDb)
    await dropPgDb(pgDb)
    if (workDir) await rm(workDir, { recursive: true, force: true })
  })

  it('(1) a sync with nothing changed reads no side table and no deletion sums, and carries the state forward', async () => {
    const r = await expectSkipping()
    expect(r.summary.changes).toMatchObject({ term: 0, alias: 0, link: 0, file: 0, user: 0, 'list-label': 0 })
    // The skipped scans' checksums are the previous run's, so the next edit is compared with them.
    const states = await pgQuery<{ aliases: unknown; users: unknown; watch: { snapshotAt: number } }>(
      targetUrl,
      `SELECT params->'sideState'->'aliases' AS aliases, params->'sideState'->'users' AS users,
         params->'sideState'->'watch' AS watch
       FROM migration_run WHERE site = $1 AND command = 'sync' ORDER BY id DESC LIMIT 2`,
      [SITE],
    )
    const [now, before] = states
    expect(now?.aliases).toEqual(before?.aliases)
    expect(now?.users).toEqual(before?.users)
    expect(now?.watch.snapshotAt).toBeGreaterThan(Number(before?.watch.snapshotAt))
  })

  it('(2) an alias edited after a skipping sync: only url_alias is scanned, and the slug follows', async () => {
    const [aliased] = await rows<{ nid: number; alias: string }>(
      conn,
      `SELECT n.nid, MAX(a.alias) AS alias FROM node n JOIN url_alias a ON a.source = CONCAT('node/', n.nid)
       WHERE n.type = 'article' GROUP BY n.nid ORDER BY n.nid LIMIT 1`,
    )
    if (!aliased) throw new Error('the fixture has no aliased article')
    await editAlias(conn, aliased.nid, `${aliased.alias}-edited`)
    await nextSecond()
    const analyzedAt = async () =>
      (
        await pgQuery<{ at: string | null }>(
          targetUrl,
          "SELECT last_analyze::text AS at FROM pg_stat_user_tables WHERE relname = 'article'",
        )
      )[0]?.at
    // Postgres counts a run's writes in n_mod_since_analyze when its backends flush their statistics,
    // which may come after the run's own last ANALYZE (the first sync's 800 inserts, on a loaded
    // machine): start this run from a table with no changes counted.
    await pgQuery(targetUrl, 'ANALYZE article')
    const analyzed = await analyzedAt()
    const r = await sync()
    // One article rewritten of 800: fewer changes than autovacuum's rule (50 + 10%), no ANALYZE.
    expect(r.summary.updated).toBe(1)
    expect(await analyzedAt()).toBe(analyzed)
    expect(r.summary.scans).toEqual({ scanned: ['alias'], skipped: ['term', 'file', 'user', 'deletions'] })
    expect(r.summary.changes.alias).toBeGreaterThan(0)
    const [slug] = await pgQuery<{ slug: string }>(
      targetUrl,
      'SELECT slug FROM article WHERE site = $1 AND legacy_nid = $2',
      [SITE, aliased.nid],
    )
    expect(slug?.slug).toBe(`${aliased.alias}-edited`)
    expect(await differencesFromFresh()).toEqual([])
    await expectSkipping()
  })

  it('(2) a term renamed after a skipping sync: its articles get the new name', async () => {
    const [term] = await rows<{ tid: number; name: string }>(
      conn,
      `SELECT t.tid, t.name FROM taxonomy_term_data t JOIN field_revision_field_tags f ON f.field_tags_tid = t.tid
       GROUP BY t.tid, t.name ORDER BY COUNT(*) DESC, t.tid LIMIT 1`,
    )
    if (!term) throw new Error('the fixture has no tag')
    const linked = await tagged(term.tid)
    expect(linked).toBeGreaterThan(0)
    await renameTerm(conn, term.tid, `${term.name} (renamed)`)
    await nextSecond()
    const r = await sync()
    expect(r.summary.scans).toEqual({ scanned: ['term'], skipped: ['alias', 'file', 'user', 'deletions'] })
    expect(r.summary.changes.term).toBe(linked)
    expect(r.summary.updated).toBe(linked)
    expect(await differencesFromFresh()).toEqual([])
    await expectSkipping()
  })

  it('(2) a user renamed after a skipping sync: the articles naming them follow', async () => {
    await renameUser(conn, 2, 'anna.editor (scans)')
    await nextSecond()
    const r = await sync()
    expect(r.summary.scans).toEqual({ scanned: ['user'], skipped: ['term', 'alias', 'file', 'deletions'] })
    expect(r.summary.changes.user).toBeGreaterThan(0)
    expect(r.summary.updated).toBeGreaterThan(0)
    expect(await differencesFromFresh()).toEqual([])
    await expectSkipping()
  })

  it('(2) a node deleted after a skipping sync: node changed, so the deletion scan runs and finds it', async () => {
    const [gone] = await rows<{ nid: number }>(
      conn,
      "SELECT nid FROM node WHERE type = 'article' AND tnid = 0 ORDER BY nid DESC LIMIT 1",
    )
    if (!gone) throw new Error('the fixture has no article')
    // Drupal's node_delete on a standard install (no workflow_node, no publication_date table).
    const fieldTables = await rows<{ t: string }>(
      conn,
      `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
       AND (TABLE_NAME LIKE 'field\\_data\\_%' OR TABLE_NAME LIKE 'field\\_revision\\_%')`,
    )
    for (const { t } of fieldTables) {
      await conn.query(`DELETE FROM ${t} WHERE entity_type = 'node' AND entity_id = ?`, [gone.nid])
    }
    for (const table of ['node_revision', 'node'])
      await conn.query(`DELETE FROM ${table} WHERE nid = ?`, [gone.nid])
    await conn.query('DELETE FROM url_alias WHERE source = ?', [`node/${gone.nid}`])
    await nextSecond()
    const r = await sync()
    expect(r.summary.scans.scanned).toEqual(expect.arrayContaining(['alias', 'deletions']))
    expect(r.summary.deleted).toBe(1)
    expect(r.deletions?.deleted).toBe(1)
    expect(await differencesFromFresh()).toEqual([])
    await expectSkipping()
  })

  it('(3) a table whose last change the server does not know (UPDATE_TIME NULL: rebuilt, restarted) is scanned', async () => {
    // The newest article's slug, edited in place in url_alias.
    const [aliased] = await pgQuery<{ nid: number; alias: string }>(
      targetUrl,
      `SELECT legacy_nid AS nid, slug AS alias FROM article
       WHERE site = $1 AND slug IS NOT NULL ORDER BY legacy_nid DESC LIMIT 1`,
      [SITE],
    )
    if (!aliased) throw new Error('the fixture has no aliased article')
    await conn.query('UPDATE url_alias SET alias = ? WHERE source = ? AND alias = ?', [
      `${aliased.alias}-unknown`,
      `node/${aliased.nid}`,
      aliased.alias,
    ])
    // A rebuilt table (ALTER TABLE … FORCE; OPTIMIZE TABLE on InnoDB does the same) forgets its
    // time, as every table does after a restart of the server.
    await conn.query('ALTER TABLE url_alias FORCE')
    const [time] = await rows<{ t: string | null }>(
      conn,
      "SELECT UPDATE_TIME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'url_alias'",
    )
    expect(time?.t).toBeNull()
    await nextSecond()
    const r = await sync()
    expect(r.summary.scans.scanned).toEqual(['alias'])
    expect(r.summary.changes.alias).toBeGreaterThan(0)
    const [slug] = await pgQuery<{ slug: string }>(
      targetUrl,
      'SELECT slug FROM article WHERE site = $1 AND legacy_nid = $2',
      [SITE, aliased.nid],
    )
    expect(slug?.slug).toBe(`${aliased.alias}-unknown`)
    expect(await differencesFromFresh()).toEqual([])
  })

  it('(3) the safety net: a scan older than --rescan-after runs whatever the tables say (0: every sync)', async () => {
    await nextSecond()
    const r = await sync({ rescanAfterSeconds: 0 })
    expect(r.summary.scans).toEqual({ scanned: ALL_SCANS, skipped: [] })
    expect(r.deletions).not.toBeNull()
    expect(r.summary).toMatchObject({ inserted: 0, updated: 0, deleted: 0 })
  })
})

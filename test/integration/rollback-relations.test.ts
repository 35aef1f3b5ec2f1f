// `dhm rollback` of the relation tables (authors, article authors, resolved references, menus: issue
// #21's tables in issue #22's undo log): the `standard` profile with its `people` option, migrated
// and synced with test/fixtures/mappings/standard-people.yaml (authorRecords, references, menus),
// rolled back, and compared table by table (a checksum of every row of every table dhm writes, in
// plain SQL) with the state before the run.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runRollback } from '../../src/pipeline/run-rollback.js'
import { runSync } from '../../src/pipeline/run-sync.js'
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
import { diffSnapshots, snapshotTarget } from '../helpers/target-snapshot.js'

const MAPPING = 'test/fixtures/mappings/standard-people.yaml'
const mariaDb = uniqueName('rbrel_src')
const pgDb = uniqueName('rbrel_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let dir = ''
/** The migrate the second test runs, and the third rolls back. */
let secondMigrate = 0

/** Every table a run writes; each one's checksum covers every column of every row. */
const TABLES = [
  'media_file',
  'term',
  'author',
  'article',
  'article_term',
  'article_author',
  'article_reference',
  'redirect',
  'article_link',
  'menu_link',
] as const
const EMPTY = Object.fromEntries(TABLES.map((t) => [t, '0 rows, d41d8cd98f00b204e9800998ecf8427e']))

/** md5 of every row of every table (ordered by the whole row), and row counts. */
async function checksums(): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of TABLES) {
    const [row] = await pgQuery<{ sum: string; n: number }>(
      targetUrl,
      `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum, count(*)::int AS n
       FROM ${table} t`,
    )
    out[table] = `${row?.n} rows, ${row?.sum}`
  }
  return out
}

async function common() {
  return { mapping: await loadMapping(MAPPING), mappingFile: MAPPING, sourceUrl, targetUrl, reportsDir: dir }
}

beforeAll(async () => {
  await generateFixture({
    url: MARIADB_SERVER,
    database: mariaDb,
    articles: 40,
    profile: 'standard',
    people: true,
  })
  targetUrl = await createPgDb(pgDb)
  dir = await mkdtemp(join(tmpdir(), 'dhm-rbrel-'))
}, 120_000)

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('dhm rollback of authors, article authors, references and menus', () => {
  it('a migrate rolled back leaves every table as empty as it started', async () => {
    const m = await runMigration({ ...(await common()), batchSize: 7 })
    const runId = m.runId as number
    const written = await pgQuery<{ table: string; n: number }>(
      targetUrl,
      `SELECT 'author' AS table, count(*)::int AS n FROM author
       UNION ALL SELECT 'article_author', count(*)::int FROM article_author
       UNION ALL SELECT 'article_reference', count(*)::int FROM article_reference
       UNION ALL SELECT 'menu_link', count(*)::int FROM menu_link`,
    )
    for (const { table, n } of written) expect(n, table).toBeGreaterThan(0)
    const n = Object.fromEntries(written.map((w) => [w.table, w.n]))

    // What --dry-run and --json say, per table, before anything is changed.
    const plan = await runDhm(['rollback', '--run', String(runId), '--dry-run', '--target', targetUrl])
    expect(plan.code).toBe(0)
    for (const table of ['author', 'article_author', 'article_reference', 'menu_link']) {
      expect(plan.stdout).toContain(`; ${table} ${n[table]} removed, 0 restored`)
    }
    const json = await runDhm([
      'rollback',
      '--run',
      String(runId),
      '--dry-run',
      '--json',
      '--target',
      targetUrl,
    ])
    expect(JSON.parse(json.stdout)).toMatchObject({
      outcome: 'planned',
      counts: {
        author: { removed: n.author, restored: 0 },
        article_author: { removed: n.article_author, restored: 0 },
        article_reference: { removed: n.article_reference, restored: 0 },
        menu_link: { removed: n.menu_link, restored: 0 },
      },
    })

    const r = await runRollback({ targetUrl, runId })
    expect(r.outcome).toBe('rolled-back')
    expect(r.kept).toEqual({ article: 0, term: 0, media_file: 0, author: 0, menu_link: 0 })
    expect(await checksums()).toEqual(EMPTY)
    expect(await pgQuery(targetUrl, 'SELECT 1 FROM run_change')).toEqual([])
  })

  it('a sync that renamed a user, rolled back, gives the author row and every table back', async () => {
    secondMigrate = (await runMigration({ ...(await common()), batchSize: 7 })).runId as number
    const before = await checksums()
    const snapshot = await snapshotTarget(targetUrl, 'drupal7-standard')
    expect(
      Math.min(snapshot.counts.author, snapshot.counts.article_reference, snapshot.counts.menu_link),
    ).toBeGreaterThan(0)
    const author = 'SELECT legacy_uid, name, display_name, status FROM author WHERE legacy_uid = 3'
    const [was] = await pgQuery<{ name: string }>(targetUrl, author)
    expect(was?.name).not.toBe('bjorn.renamed')

    await mariaQuery(sourceUrl, "UPDATE users SET name = 'bjorn.renamed' WHERE uid = 3")
    const synced = await runSync({ ...(await common()), batchSize: 7 })
    expect(synced.counts.updated).toBeGreaterThan(0)
    expect(await pgQuery(targetUrl, author)).toEqual([{ ...was, name: 'bjorn.renamed' }])

    const r = await runRollback({ targetUrl, runId: synced.runId })
    expect(r.counts.author).toEqual({ removed: 0, restored: 1 })
    expect(await pgQuery(targetUrl, author)).toEqual([was])
    expect(await checksums()).toEqual(before)
    expect(diffSnapshots(await snapshotTarget(targetUrl, 'drupal7-standard'), snapshot)).toEqual([])
  })

  it('a migrate rolled back keeps an author, article or menu link that rows dhm did not write refer to', async () => {
    // In the new system (not through dhm): an editor's menu link under one dhm wrote, pointing at
    // an article dhm wrote, and a reference an editor added to an article dhm wrote, to an author dhm wrote.
    const [link] = await pgQuery<{ id: number; article_id: number }>(
      targetUrl,
      'SELECT id, article_id FROM menu_link WHERE article_id IS NOT NULL ORDER BY id LIMIT 1',
    )
    await pgQuery(
      targetUrl,
      `INSERT INTO menu_link (site, menu, legacy_mlid, parent_id, weight, title, hidden, expanded, link_path,
         external, article_id, url)
       VALUES ('drupal7-standard', 'main-menu', -1, $1, 0, 'By an editor', false, false, 'node/0', false, $2, NULL)`,
      [link?.id, link?.article_id],
    )
    const [ref] = await pgQuery<{ article_id: number; field: string; target_author_id: number }>(
      targetUrl,
      `SELECT article_id, field, target_author_id FROM article_reference
       WHERE target_author_id IS NOT NULL ORDER BY article_id, field, delta LIMIT 1`,
    )
    expect(ref).toBeDefined()
    await pgQuery(
      targetUrl,
      `INSERT INTO article_reference (article_id, field, delta, kind, target_legacy_id, target_author_id)
       SELECT $1, 'field_by_an_editor', 0, 'user', legacy_uid, id FROM author WHERE id = $2`,
      [ref?.article_id, ref?.target_author_id],
    )
    // ... and one to another article dhm wrote.
    const [other] = await pgQuery<{ id: number }>(
      targetUrl,
      'SELECT max(id) AS id FROM article WHERE id <> ALL($1::int[])',
      [[link?.article_id, ref?.article_id]],
    )
    await pgQuery(
      targetUrl,
      `INSERT INTO article_reference (article_id, field, delta, kind, target_legacy_id, target_article_id)
       SELECT $1, 'field_by_an_editor', 1, 'node', legacy_nid, id FROM article WHERE id = $2`,
      [ref?.article_id, other?.id],
    )
    const editors = `SELECT parent_id, article_id, title FROM menu_link WHERE legacy_mlid = -1
      UNION ALL SELECT coalesce(target_author_id, target_article_id), article_id, field || delta
      FROM article_reference WHERE field = 'field_by_an_editor'`
    const written = await pgQuery(targetUrl, editors)

    const r = await runRollback({ targetUrl, runId: secondMigrate })
    // The editor's rows are untouched (no cascade, no SET NULL), and what they refer to stays.
    expect(await pgQuery(targetUrl, editors)).toEqual(written)
    expect(r.kept).toMatchObject({ menu_link: 1, author: 1 })
    const keptArticles = [...new Set([link?.article_id, ref?.article_id, other?.id])].sort(
      (a, b) => Number(a) - Number(b),
    )
    expect(r.kept?.article).toBe(keptArticles.length)
    expect(await pgQuery(targetUrl, 'SELECT id FROM article ORDER BY id')).toEqual(
      keptArticles.map((id) => ({ id })),
    )
    expect(await pgQuery(targetUrl, 'SELECT id FROM menu_link WHERE legacy_mlid <> -1')).toEqual([
      { id: link?.id },
    ])
    expect(await pgQuery(targetUrl, 'SELECT id FROM author')).toEqual([{ id: ref?.target_author_id }])
  })
})

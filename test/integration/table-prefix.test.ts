// Drupal 7's table prefix (settings.php's `prefix`, issue #21 item 7): one MariaDB database holding
// two sites, drupal_* and site2_*, each migrated, verified, checked and synced through its own
// mapping (source.tablePrefix) exactly like the same site without a prefix (content hashes equal).

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readInventory } from '../../src/cli/commands/inspect.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { scaffoldMapping } from '../../src/inspect/scaffold-mapping.js'
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
import { articleHashes } from '../helpers/drupal-edits.js'

const plainDb = uniqueName('prefix_plain')
const sharedDb = uniqueName('prefix_shared')
const plainTargetDb = uniqueName('prefix_plain_dst')
const sharedTargetDb = uniqueName('prefix_shared_dst')
const plainUrl = mariaUrl(plainDb)
const sharedUrl = mariaUrl(sharedDb)
const ARTICLES = 40
let plainTarget = ''
let sharedTarget = ''
let dir = ''
let drupalMapping = ''
let site2Mapping = ''

/** bne.yaml with another site key and a table prefix. */
async function prefixedMapping(file: string, site: string, prefix: string): Promise<string> {
  const bne = await readFile('mappings/bne.yaml', 'utf8')
  const out = path.join(dir, file)
  await writeFile(
    out,
    bne
      .replace(/^site: bne$/m, `site: ${site}`)
      .replace('  bundles: [article]\n', `  bundles: [article]\n  tablePrefix: ${prefix}\n`),
  )
  return out
}

const run = async (file: string, sourceUrl: string, targetUrl: string) =>
  runMigration({
    mapping: await loadMapping(file),
    mappingFile: file,
    sourceUrl,
    targetUrl,
    batchSize: 16,
    reportsDir: dir,
  })

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dhm-prefix-test-'))
  await generateFixture({ url: MARIADB_SERVER, database: plainDb, articles: ARTICLES, seed: 1 })
  await generateFixture({
    url: MARIADB_SERVER,
    database: sharedDb,
    articles: ARTICLES,
    seed: 1,
    tablePrefix: 'drupal_',
  })
  await generateFixture({
    url: MARIADB_SERVER,
    database: sharedDb,
    articles: ARTICLES / 2,
    seed: 2,
    tablePrefix: 'site2_',
    addSite: true,
  })
  plainTarget = await createPgDb(plainTargetDb)
  sharedTarget = await createPgDb(sharedTargetDb)
  drupalMapping = await prefixedMapping('drupal.yaml', 'bne', 'drupal_')
  site2Mapping = await prefixedMapping('site2.yaml', 'site-two', 'site2_')
}, 120_000)

afterAll(async () => {
  await Promise.all([dropMariaDb(plainDb), dropMariaDb(sharedDb)])
  await Promise.all([dropPgDb(plainTargetDb), dropPgDb(sharedTargetDb)])
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('a database holding two prefixed Drupal 7 sites', () => {
  it('the fixture generator gives every table the prefix, and nothing unprefixed', async () => {
    const tables = await mariaQuery<{ t: string }>(
      sharedUrl,
      'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
    )
    const names = tables.map((r) => r.t)
    expect(names).toContain('drupal_node')
    expect(names).toContain('site2_field_revision_body')
    expect(names.filter((t) => !t.startsWith('drupal_') && !t.startsWith('site2_'))).toEqual([])
  })

  it('inspect lists each site (prefix, nodes, bundles) and describes the one chosen', async () => {
    await expect(readInventory(sharedUrl)).rejects.toThrow(
      /holds 2 Drupal 7 sites \(table prefixes\): drupal_ \(\d+ nodes: .*article.*\); site2_ .*choose one with --table-prefix/,
    )
    const inv = await readInventory(sharedUrl, 'site2_')
    const [drupalNodes] = await mariaQuery<{ n: number }>(sharedUrl, 'SELECT COUNT(*) AS n FROM drupal_node')
    const site2Types = await mariaQuery<{ type: string; n: number }>(
      sharedUrl,
      'SELECT type, COUNT(*) AS n FROM site2_node GROUP BY type ORDER BY type',
    )
    expect(inv.tablePrefix).toBe('site2_')
    expect(inv.sites.map((s) => [s.prefix, s.nodes])).toEqual([
      ['drupal_', Number(drupalNodes?.n)],
      ['site2_', site2Types.reduce((n, r) => n + Number(r.n), 0)],
    ])
    expect(inv.sites[1]?.bundles).toEqual(site2Types.map((r) => ({ type: r.type, nodes: Number(r.n) })))
    const article = inv.bundles.find((b) => b.type === 'article')
    expect(article?.nodes).toBe(site2Types.find((r) => r.type === 'article')?.n)
    expect(article?.fields.map((f) => f.name)).toContain('body')
    // The scaffold names the prefix, and passes check against the prefixed site.
    if (!article) throw new Error('no article bundle')
    const text = scaffoldMapping(inv, article, 'site-two-scaffold')
    expect(text).toContain('  tablePrefix: site2_\n')
    const file = path.join(dir, 'scaffold.yaml')
    await writeFile(file, text)
    expect(
      (await runCheck({ mapping: await loadMapping(file), mappingFile: file, sourceUrl: sharedUrl }))
        .problems,
    ).toEqual([])
  })

  it('a mapping without the prefix is told which prefixes the database holds', async () => {
    const check = await runCheck({
      mapping: await loadMapping('mappings/bne.yaml'),
      mappingFile: 'mappings/bne.yaml',
      sourceUrl: sharedUrl,
    })
    expect(check.problems).toEqual([
      'no node table, but Drupal 7 tables with a prefix: drupal_, site2_; set source.tablePrefix in the mapping ("dhm inspect" lists each site)',
    ])
  })

  it('each site migrates as its unprefixed twin does: same articles, same content hashes', async () => {
    await run('mappings/bne.yaml', plainUrl, plainTarget)
    const drupal = await run(drupalMapping, sharedUrl, sharedTarget)
    const site2 = await run(site2Mapping, sharedUrl, sharedTarget)
    const plain = await articleHashes(plainTarget, 'bne')
    expect(plain.size).toBe(ARTICLES)
    expect(await articleHashes(sharedTarget, 'bne')).toEqual(plain)
    const [site2Articles] = await mariaQuery<{ n: number }>(
      sharedUrl,
      "SELECT COUNT(*) AS n FROM site2_node WHERE type = 'article'",
    )
    expect((await articleHashes(sharedTarget, 'site-two')).size).toBe(Number(site2Articles?.n))
    expect(drupal.summary.rejected).toBe(0)
    expect(site2.summary.rejected).toBe(0)
  })

  it('verify finds both sites equal to their source', async () => {
    for (const file of [drupalMapping, site2Mapping]) {
      const r = await runVerify({
        mapping: await loadMapping(file),
        mappingFile: file,
        sourceUrl: sharedUrl,
        targetUrl: sharedTarget,
        reportsDir: dir,
      })
      expect(r.report.differencesTotal).toBe(0)
      expect(r.report.counts).toMatchObject({ missing: 0 })
    }
  })

  it('sync reads the prefixed tables: an edit and a deletion in drupal_* reach that site only', async () => {
    const [first] = await mariaQuery<{ nid: number }>(
      sharedUrl,
      "SELECT MIN(nid) AS nid FROM drupal_node WHERE type = 'article' AND status = 1",
    )
    const nid = Number(first?.nid)
    const [last] = await mariaQuery<{ nid: number }>(
      sharedUrl,
      "SELECT MAX(nid) AS nid FROM drupal_node WHERE type = 'article'",
    )
    const gone = Number(last?.nid)
    await mariaQuery(
      sharedUrl,
      "UPDATE drupal_node SET title = CONCAT(title, ' (edited)'), changed = UNIX_TIMESTAMP() WHERE nid = ?",
      [nid],
    )
    await mariaQuery(
      sharedUrl,
      'UPDATE drupal_node_revision r JOIN drupal_node n ON n.vid = r.vid SET r.title = n.title WHERE n.nid = ?',
      [nid],
    )
    await mariaQuery(sharedUrl, 'DELETE FROM drupal_node WHERE nid = ?', [gone])
    const site2Before = await articleHashes(sharedTarget, 'site-two')
    const r = await runSync({
      mapping: await loadMapping(drupalMapping),
      mappingFile: drupalMapping,
      sourceUrl: sharedUrl,
      targetUrl: sharedTarget,
      batchSize: 16,
      reportsDir: dir,
    })
    expect(r.summary).toMatchObject({ updated: 1, deleted: 1, rejected: 0 })
    const [row] = await pgQuery<{ title: string }>(
      sharedTarget,
      "SELECT title FROM article WHERE site = 'bne' AND legacy_nid = $1",
      [nid],
    )
    expect(row?.title).toMatch(/ \(edited\)$/)
    expect(await articleHashes(sharedTarget, 'site-two')).toEqual(site2Before)
  })
})

// verify compares the site's structure (issue #21): the links of the mapping's menus (menu_link)
// and the term tree (parent, weight), source against target. The `standard` profile with `people`
// (menus and a term tree), migrated with standard-people.yaml; each edit made in Postgres must turn
// verify's exit code to 4 and name the link or term and the field.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/errors.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
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

const MAPPING = 'test/fixtures/mappings/standard-people.yaml'
const mariaDb = uniqueName('vst_src')
const pgDb = uniqueName('vst_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let dir = ''

const dst = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  pgQuery<T>(targetUrl, sql, params)

beforeAll(async () => {
  await generateFixture({
    url: MARIADB_SERVER,
    database: mariaDb,
    articles: 16,
    profile: 'standard',
    people: true,
  })
  targetUrl = await createPgDb(pgDb)
  dir = await mkdtemp(join(tmpdir(), 'dhm-vst-'))
  await runMigration({ ...(await common()), batchSize: 7 })
}, 120_000)

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function common() {
  return { mapping: await loadMapping(MAPPING), mappingFile: MAPPING, sourceUrl, targetUrl, reportsDir: dir }
}

describe('verify compares menus and the term tree', () => {
  it('matches after migrate: every link of main-menu and every term with its parent and weight', async () => {
    const verified = await runVerify(await common())
    const [links] = await mariaQuery<{ n: number }>(
      sourceUrl,
      "SELECT COUNT(*) AS n FROM menu_links WHERE menu_name = 'main-menu'",
    )
    const [terms] = await dst<{ n: number }>(
      "SELECT count(*)::int AS n FROM term WHERE site = 'drupal7-standard'",
    )
    expect(verified.report.structure).toEqual({
      menuLinks: Number(links?.n),
      terms: terms?.n,
      differences: [],
    })
    expect(verified.report.structure?.menuLinks).toBeGreaterThan(3)
    expect(verified.exitCode).toBe(EXIT.ok)
  })

  it('exits 4 on a menu link edited, removed or added in the target, and on a term moved or reweighted', async () => {
    const [child] = await dst<{ id: number; mlid: number; title: string; parent_id: number }>(
      'SELECT id, legacy_mlid AS mlid, title, parent_id FROM menu_link WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1',
    )
    const [gone] = await dst<{ mlid: number }>(
      'SELECT legacy_mlid AS mlid FROM menu_link m WHERE NOT EXISTS (SELECT 1 FROM menu_link c WHERE c.parent_id = m.id) AND id <> $1 ORDER BY id DESC LIMIT 1',
      [child?.id],
    )
    const [term] = await dst<{ tid: number; id: number }>(
      'SELECT legacy_tid AS tid, id FROM term WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1',
    )
    if (!child || !gone || !term) throw new Error('the people fixture has nested menu links and terms')
    const before = {
      links: await dst('SELECT * FROM menu_link ORDER BY id'),
      terms: await dst('SELECT id, parent_id, legacy_parent_tid, weight FROM term ORDER BY id'),
    }
    await dst("UPDATE menu_link SET title = 'Edited in target', parent_id = NULL WHERE id = $1", [child.id])
    await dst('DELETE FROM menu_link WHERE legacy_mlid = $1', [gone.mlid])
    await dst(
      `INSERT INTO menu_link (site, menu, legacy_mlid, weight, title, hidden, expanded, link_path, external)
       VALUES ('drupal7-standard', 'main-menu', 999999, 0, 'Not in Drupal', false, false, '<front>', false)`,
    )
    await dst(
      'UPDATE term SET weight = weight + 7, parent_id = NULL, legacy_parent_tid = NULL WHERE id = $1',
      [term.id],
    )
    const stale = await runVerify(await common())
    expect(stale.report.counts.changed).toBe(0)
    expect(stale.report.structure?.differences).toEqual(
      [
        { kind: 'menu_link', id: gone.mlid, class: 'missing', fields: [] },
        { kind: 'menu_link', id: child.mlid, class: 'changed', fields: ['title', 'parent'] },
        { kind: 'menu_link', id: 999999, class: 'extra', fields: [] },
        { kind: 'term', id: term.tid, class: 'changed', fields: ['parent', 'weight'] },
      ].sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind < b.kind ? -1 : 1)),
    )
    expect(stale.exitCode).toBe(EXIT.differences)

    // One more migrate puts the structure back as the source has it.
    await runMigration(await common())
    const clean = await runVerify(await common())
    expect(clean.report.structure?.differences).toEqual([])
    expect(clean.exitCode).toBe(EXIT.ok)
    expect(await dst('SELECT id, parent_id, legacy_parent_tid, weight FROM term ORDER BY id')).toEqual(
      before.terms,
    )
    expect((await dst('SELECT * FROM menu_link ORDER BY id')).length).toBe(before.links.length)
  })
})

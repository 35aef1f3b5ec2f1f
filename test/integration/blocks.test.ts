// Field collections and paragraphs as typed blocks (issue #21 item 3): the `standard` profile with
// paragraphs (field_sections, nested through field_nested) and a field collection (field_facts) added
// here with plain SQL, migrated with test/fixtures/mappings/standard-blocks.yaml. Expectations come
// from plain SQL on the source (a recursive query over the host and item tables) and from literals,
// never from src/extract or src/transform. Then verify sees a block edited in the target, a source
// edit reaches the target, and rollback gives the blocks back.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runRollback } from '../../src/pipeline/run-rollback.js'
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
import { addBlockTables, type BlockNodes, plantBlocks } from '../helpers/drupal-blocks.js'

const MAPPING = 'test/fixtures/mappings/standard-blocks.yaml'
const mariaDb = uniqueName('blk_src')
const pgDb = uniqueName('blk_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let dir = ''
let nodes: BlockNodes

const src = <T>(sql: string, params: unknown[] = []) => mariaQuery<T>(sourceUrl, sql, params)
const dst = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  pgQuery<T>(targetUrl, sql, params)

const ARTICLE_NODES = "n.type = 'article' AND (n.tnid = 0 OR n.tnid = n.nid)"

/** Every item an article holds at its current revision, any depth, with its heading: plain SQL. */
const EXPECTED_BLOCKS = `
WITH RECURSIVE hosts AS (
  SELECT entity_type, entity_id, revision_id, 'field_sections' AS field, delta,
    field_sections_value AS item_id, field_sections_revision_id AS item_rev, 'paragraphs_item' AS item_entity
  FROM field_revision_field_sections WHERE deleted = 0
  UNION ALL SELECT entity_type, entity_id, revision_id, 'field_nested', delta, field_nested_value,
    field_nested_revision_id, 'paragraphs_item' FROM field_revision_field_nested WHERE deleted = 0
  UNION ALL SELECT entity_type, entity_id, revision_id, 'field_facts', delta, field_facts_value,
    field_facts_revision_id, 'field_collection_item' FROM field_revision_field_facts WHERE deleted = 0
), items AS (
  SELECT 'paragraphs_item' AS entity, p.item_id, r.revision_id, p.field_name, p.bundle AS type
  FROM paragraphs_item p JOIN paragraphs_item_revision r ON r.item_id = p.item_id WHERE p.archived = 0
  UNION ALL SELECT 'field_collection_item', f.item_id, r.revision_id, f.field_name, f.field_name
  FROM field_collection_item f JOIN field_collection_item_revision r ON r.item_id = f.item_id WHERE f.archived = 0
), tree AS (
  SELECT n.nid, i.entity, i.item_id, i.revision_id, h.field, h.delta, i.type, CAST(NULL AS UNSIGNED) AS parent_item
  FROM node n JOIN hosts h ON h.entity_type = 'node' AND h.entity_id = n.nid AND h.revision_id = n.vid
  JOIN items i ON i.entity = h.item_entity AND i.item_id = h.item_id AND i.revision_id = h.item_rev
    AND i.field_name = h.field
  WHERE ${ARTICLE_NODES}
  UNION ALL
  SELECT t.nid, i.entity, i.item_id, i.revision_id, h.field, h.delta, i.type, t.item_id
  FROM tree t JOIN hosts h ON h.entity_type = t.entity AND h.entity_id = t.item_id AND h.revision_id = t.revision_id
  JOIN items i ON i.entity = h.item_entity AND i.item_id = h.item_id AND i.revision_id = h.item_rev
    AND i.field_name = h.field
)
SELECT t.nid, t.entity, t.item_id, t.revision_id, t.field, t.delta, t.type, t.parent_item, hd.field_heading_value AS heading
FROM tree t LEFT JOIN field_revision_field_heading hd ON hd.entity_type = t.entity AND hd.entity_id = t.item_id
  AND hd.revision_id = t.revision_id AND hd.delta = 0 AND hd.deleted = 0 AND t.type <> 'quote'
ORDER BY t.nid, t.entity, t.item_id`

const TARGET_BLOCKS = `
SELECT a.legacy_nid AS nid, b.entity_type AS entity, b.legacy_item_id AS item_id,
  b.legacy_revision_id AS revision_id, b.field, b.delta, b.type, p.legacy_item_id AS parent_item,
  b.data->>'heading' AS heading
FROM block b JOIN article a ON a.id = b.article_id
LEFT JOIN block p ON p.article_id = b.article_id AND p.ordinal = b.parent_ordinal
ORDER BY a.legacy_nid, b.entity_type, b.legacy_item_id`

beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 12, profile: 'standard' })
  await addBlockTables(sourceUrl)
  nodes = await plantBlocks(sourceUrl)
  targetUrl = await createPgDb(pgDb)
  dir = await mkdtemp(join(tmpdir(), 'dhm-blk-'))
}, 120_000)

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (dir) await rm(dir, { recursive: true, force: true })
})

const common = async () => ({
  mapping: await loadMapping(MAPPING),
  mappingFile: MAPPING,
  sourceUrl,
  targetUrl,
  reportsDir: dir,
})

describe('blocks from field collections and paragraphs', () => {
  it('writes every item at its host revision, any depth, leaving archived and orphaned ones out', async () => {
    const run = await runMigration({ ...(await common()), batchSize: 5 })
    expect(run.counts.rejected).toBe(0)
    const expected = await src<Record<string, unknown>>(EXPECTED_BLOCKS)
    const actual = await dst(TARGET_BLOCKS)
    expect(actual).toEqual(
      expected.map((r) => ({
        ...r,
        nid: Number(r.nid),
        item_id: Number(r.item_id),
        revision_id: Number(r.revision_id),
        delta: Number(r.delta),
        parent_item: r.parent_item === null ? null : Number(r.parent_item),
      })),
    )
    // The literal shape of node A: pre-order (each block followed by its own), hosts in mapping order.
    const a = await dst<{ ordinal: number; parent_ordinal: number | null; type: string; data: unknown }>(
      `SELECT b.ordinal, b.parent_ordinal, b.type, b.data FROM block b JOIN article a ON a.id = b.article_id
       WHERE a.legacy_nid = $1 ORDER BY b.ordinal`,
      [nodes.a],
    )
    expect(a.map((b) => [b.ordinal, b.parent_ordinal, b.type])).toEqual([
      [0, null, 'text'],
      [1, null, 'gallery'],
      [2, 1, 'text'],
      [3, 1, 'tagged'],
      [4, null, 'quote'],
      [5, null, 'field_facts'],
    ])
    // The current revision's heading, not the older revision's.
    expect(a[0]?.data).toEqual({
      heading: 'Current heading',
      text: { value: '<p>Intro</p>', summary: null, format: 'filtered_html', summaryDerived: false },
    })
    expect(a[3]?.data).toEqual({ tags: [{ tid: nodes.tid, name: nodes.termName, vocabulary: 'tags' }] })
    expect(a[4]?.data).toEqual({})
    expect(a[5]?.data).toMatchObject({ heading: 'Fact 1', image: { file: { fid: nodes.fid } } })
    // Node B: the item its host names at the host's revision (not the item's newer one).
    const b = await dst<{ revision: number; heading: string }>(
      `SELECT b.legacy_revision_id AS revision, b.data->>'heading' AS heading FROM block b
       JOIN article a ON a.id = b.article_id WHERE a.legacy_nid = $1 ORDER BY b.ordinal`,
      [nodes.b],
    )
    expect(b).toEqual([{ revision: nodes.hostRevisionOfB, heading: 'As the host saw it' }])
    // Left out: node A's archived item, node B's missing item and item of another field.
    const warnings = await dst<{ legacy_nid: number; message: string }>(
      `SELECT legacy_nid, reason AS message FROM migration_message WHERE reason LIKE '%left out%' ORDER BY legacy_nid`,
    )
    expect(warnings.map((w) => [w.legacy_nid, w.message.replace(/^.*?(\d+ archived)/, '$1')])).toEqual([
      [nodes.a, '1 archived and 0 orphaned item(s) of host fields left out'],
      [nodes.b, '0 archived and 2 orphaned item(s) of host fields left out'],
    ])
  })

  it('verify matches, and sees a block edited or removed in the target', async () => {
    const opts = await common()
    const clean = await runVerify(opts)
    expect(clean.report.counts).toMatchObject({ missing: 0, extra: 0, changed: 0 })
    expect(clean.exitCode).toBe(0)
    await dst(
      `UPDATE block SET data = jsonb_set(data, '{heading}', '"Edited in target"')
       WHERE article_id = (SELECT id FROM article WHERE legacy_nid = $1) AND ordinal = 0`,
      [nodes.a],
    )
    await dst('DELETE FROM block WHERE article_id = (SELECT id FROM article WHERE legacy_nid = $1)', [
      nodes.c,
    ])
    const stale = await runVerify(opts)
    expect(stale.report.counts.changed).toBe(2)
    expect(stale.report.fieldChanges).toMatchObject({ blocks: 2 })
    expect(stale.exitCode).not.toBe(0)
    // migrate again puts them back (the fast path never settles an article whose blocks were edited).
    const again = await runMigration(opts)
    expect(again.counts).toMatchObject({ updated: 2 })
    expect((await runVerify(opts)).exitCode).toBe(0)
  })

  it('a sync carries a new item revision its host points at; rollback gives the old blocks back', async () => {
    const opts = await common()
    const before = await dst(TARGET_BLOCKS)
    // Node C's paragraph gets a new revision with a new heading, and the node a new revision that
    // points at it (what saving the node with the paragraph edited does).
    await nodes.editC('Edited in the source')
    const synced = await runSync(opts)
    expect(synced.counts).toMatchObject({ updated: 1, inserted: 0 })
    const expected = await src<{ heading: string }>(EXPECTED_BLOCKS)
    expect((await dst(TARGET_BLOCKS)).map((r) => r.heading)).toEqual(expected.map((r) => r.heading))
    expect(await dst(TARGET_BLOCKS)).not.toEqual(before)
    expect((await runVerify(opts)).exitCode).toBe(0)
    const rolled = await runRollback({ targetUrl, runId: synced.runId })
    expect(rolled.counts.block.restored).toBeGreaterThan(0)
    expect(await dst(TARGET_BLOCKS)).toEqual(before)
  })
})

describe('an item saved without its host', () => {
  it('is not seen by an incremental sync (no timestamp moves) and is carried by sync --full', async () => {
    const opts = await common()
    // The rollback above left node C behind the source: a first sync settles it.
    await runSync(opts)
    // field_collection / paragraphs save an edited item in place when its host is not saved.
    await src(
      `UPDATE field_revision_field_heading SET field_heading_value = 'Saved on its own'
       WHERE entity_type = 'paragraphs_item' AND entity_id = 7 AND revision_id = ?`,
      [nodes.hostRevisionOfB],
    )
    expect((await runSync(opts)).counts).toMatchObject({ updated: 0 })
    const full = await runSync({ ...opts, full: true })
    expect(full.counts).toMatchObject({ updated: 1, inserted: 0 })
    const [b] = await dst<{ heading: string }>(
      `SELECT b.data->>'heading' AS heading FROM block b JOIN article a ON a.id = b.article_id
       WHERE a.legacy_nid = $1`,
      [nodes.b],
    )
    expect(b?.heading).toBe('Saved on its own')
    expect((await runVerify(opts)).exitCode).toBe(0)
  })
})

describe('inspect --scaffold', () => {
  it('proposes the blocks part; the scaffold passes check, migrates and verifies', async () => {
    const scaffold = join(dir, 'blocks-scaffold.yaml')
    expect(
      (await runDhm(['inspect', '--source', sourceUrl, '--scaffold', 'article', '--out', scaffold])).code,
    ).toBe(0)
    const text = await readFile(scaffold, 'utf8')
    for (const line of [
      'blocks:\n  fields: [field_sections, field_facts, field_nested]\n  types:\n',
      '    # paragraphs bundle gallery: 1 items, in field_sections\n    gallery:\n      heading: { from: field_heading.value, using: [first] } # text\n',
      '    tagged:\n      tags: { from: field_tags.tid, using: [terms] } # taxonomy_term_reference\n',
      '    # paragraphs bundle text: 5 items, 1 archived (left out), in field_nested, field_sections\n',
      '      image: { from: field_image, using: [first, image] } # image\n',
    ])
      expect(text).toContain(line)
    const check = await runDhm(['check', '--source', sourceUrl, '--mapping', scaffold])
    expect(check.stderr).toBe('')
    expect(check.code).toBe(0)
    const other = uniqueName('blk_scaffold')
    const otherUrl = await createPgDb(other)
    try {
      const opts = {
        mapping: await loadMapping(scaffold),
        mappingFile: scaffold,
        sourceUrl,
        targetUrl: otherUrl,
        reportsDir: dir,
      }
      const run = await runMigration(opts)
      expect(run.counts.rejected).toBe(0)
      expect(Number((await pgQuery<{ n: string }>(otherUrl, 'SELECT count(*) AS n FROM block'))[0]?.n)).toBe(
        (await src(EXPECTED_BLOCKS)).length,
      )
      expect((await runVerify(opts)).exitCode).toBe(0)
    } finally {
      await dropPgDb(other)
    }
  })
})

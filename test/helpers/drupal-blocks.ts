// Field collections and paragraphs on a `standard` fixture, as Drupal 7's field_collection and
// paragraphs modules store them, written with plain SQL (nothing here calls the tool's code):
// item tables, their revision tables, host fields on nodes and on items, and the items' own fields.
import { mariaQuery } from './databases.js'

const HOST_COLUMNS: [string, string][] = [
  ['value', 'int(11) DEFAULT NULL'],
  ['revision_id', 'int(11) DEFAULT NULL'],
]
const FIELDS: { name: string; type: string; module: string; columns: [string, string][] }[] = [
  { name: 'field_sections', type: 'paragraphs', module: 'paragraphs', columns: HOST_COLUMNS },
  { name: 'field_nested', type: 'paragraphs', module: 'paragraphs', columns: HOST_COLUMNS },
  { name: 'field_facts', type: 'field_collection', module: 'field_collection', columns: HOST_COLUMNS },
  {
    name: 'field_heading',
    type: 'text',
    module: 'text',
    columns: [
      ['value', 'varchar(255) DEFAULT NULL'],
      ['format', 'varchar(255) DEFAULT NULL'],
    ],
  },
  {
    name: 'field_text',
    type: 'text_with_summary',
    module: 'text',
    columns: [
      ['value', 'longtext'],
      ['summary', 'longtext'],
      ['format', 'varchar(255) DEFAULT NULL'],
    ],
  },
]

/** Create the item tables and the fields above (tables and field_config rows). */
export async function addBlockTables(url: string): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => mariaQuery(url, sql, params)
  await q(`CREATE TABLE field_collection_item (item_id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
    revision_id int NOT NULL, field_name varchar(32) NOT NULL, archived tinyint NOT NULL DEFAULT 0)`)
  await q(`CREATE TABLE field_collection_item_revision (revision_id int unsigned NOT NULL AUTO_INCREMENT
    PRIMARY KEY, item_id int unsigned NOT NULL)`)
  await q(`CREATE TABLE paragraphs_item (item_id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
    revision_id int NOT NULL, bundle varchar(255) NOT NULL, field_name varchar(255) DEFAULT NULL,
    archived tinyint NOT NULL DEFAULT 0)`)
  await q(`CREATE TABLE paragraphs_item_revision (revision_id int unsigned NOT NULL AUTO_INCREMENT
    PRIMARY KEY, item_id int unsigned NOT NULL)`)
  for (const f of FIELDS) {
    const cols = f.columns.map(([c, ddl]) => `\`${f.name}_${c}\` ${ddl}`).join(', ')
    for (const [table, rev] of [
      [`field_data_${f.name}`, 'int(10) unsigned DEFAULT NULL'],
      [`field_revision_${f.name}`, 'int(10) unsigned NOT NULL'],
    ] as const) {
      await q(`CREATE TABLE ${table} (entity_type varchar(128) NOT NULL DEFAULT '', bundle varchar(128) NOT NULL DEFAULT '',
        deleted tinyint NOT NULL DEFAULT 0, entity_id int unsigned NOT NULL, revision_id ${rev},
        language varchar(32) NOT NULL DEFAULT '', delta int unsigned NOT NULL, ${cols},
        PRIMARY KEY (entity_type, entity_id, ${table.startsWith('field_revision') ? 'revision_id, ' : ''}deleted, delta, language))`)
    }
    await q(
      `INSERT INTO field_config (field_name, type, module, active, storage_type, storage_module, storage_active,
         locked, data, cardinality, translatable, deleted)
       VALUES (?, ?, ?, 1, 'field_sql_storage', 'field_sql_storage', 1, 0, '', ?, 0, 0)`,
      [f.name, f.type, f.module, f.columns === HOST_COLUMNS ? -1 : 1],
    )
  }
  for (const [entity, bundle, field] of INSTANCES) {
    await q(
      `INSERT INTO field_config_instance (field_id, field_name, entity_type, bundle, data, deleted)
       SELECT id, field_name, ?, ?, '', 0 FROM field_config WHERE field_name = ?`,
      [entity, bundle, field],
    )
  }
}

/** Field instances: which fields each item type (and the article) has, as field_config_instance lists them. */
const INSTANCES: [string, string, string][] = [
  ['node', 'article', 'field_sections'],
  ['node', 'article', 'field_facts'],
  ['paragraphs_item', 'text', 'field_heading'],
  ['paragraphs_item', 'text', 'field_text'],
  ['paragraphs_item', 'gallery', 'field_heading'],
  ['paragraphs_item', 'gallery', 'field_nested'],
  ['paragraphs_item', 'tagged', 'field_tags'],
  ['paragraphs_item', 'quote', 'field_heading'],
  ['field_collection_item', 'field_facts', 'field_heading'],
  ['field_collection_item', 'field_facts', 'field_image'],
]

/** What {@link plantBlocks} made, for the test's literal expectations. */
export interface BlockNodes {
  /** Node A: paragraphs (one nested gallery, one archived, one of an unmapped type) and a field collection. */
  readonly a: number
  /** Node B: an orphaned paragraph, a field collection of another field, an item read at an older revision. */
  readonly b: number
  /** Node C: one text paragraph. */
  readonly c: number
  readonly hostRevisionOfB: number
  readonly tid: number
  readonly termName: string
  readonly fid: number
  /** An editor saves node C with its paragraph's heading edited: a new item revision the host points at. */
  editC(heading: string): Promise<void>
}

/** Give the first three article nodes blocks; see {@link BlockNodes}. */
export async function plantBlocks(url: string): Promise<BlockNodes> {
  const q = <T>(sql: string, params: unknown[] = []) => mariaQuery<T>(url, sql, params)
  const [a, b, c] = await q<{ nid: number; vid: number }>(
    `SELECT nid, vid FROM node n WHERE n.type = 'article' AND (n.tnid = 0 OR n.tnid = n.nid) ORDER BY nid LIMIT 3`,
  )
  if (!a || !b || !c) throw new Error('the fixture has fewer than 3 articles')
  const [term] = await q<{ tid: number; name: string }>(
    `SELECT t.tid, t.name FROM taxonomy_term_data t JOIN taxonomy_vocabulary v ON v.vid = t.vid
     WHERE v.machine_name = 'tags' ORDER BY t.tid LIMIT 1`,
  )
  const [file] = await q<{ fid: number }>(
    "SELECT fid FROM file_managed WHERE uri LIKE 'public://%' ORDER BY fid LIMIT 1",
  )
  if (!term || !file) throw new Error('the fixture has no tags term or no public file')

  /** A value row at a revision (and the data row when it is the current one). */
  const value = async (
    field: string,
    entity: string,
    bundle: string,
    id: number,
    revision: number,
    delta: number,
    values: Record<string, unknown>,
    current = true,
  ) => {
    const cols = Object.keys(values).map((c) => `\`${field}_${c}\``)
    const tables = current ? [`field_revision_${field}`, `field_data_${field}`] : [`field_revision_${field}`]
    for (const table of tables) {
      await q(
        `INSERT INTO ${table} (entity_type, bundle, deleted, entity_id, revision_id, language, delta, ${cols.join(', ')})
         VALUES (?, ?, 0, ?, ?, 'und', ?, ${cols.map(() => '?').join(', ')})`,
        [entity, bundle, id, revision, delta, ...Object.values(values)],
      )
    }
  }
  const paragraph = async (
    itemId: number,
    bundle: string,
    field: string,
    revisions: number[],
    archived = 0,
  ) => {
    await q('INSERT INTO paragraphs_item VALUES (?, ?, ?, ?, ?)', [
      itemId,
      revisions.at(-1),
      bundle,
      field,
      archived,
    ])
    for (const r of revisions) await q('INSERT INTO paragraphs_item_revision VALUES (?, ?)', [r, itemId])
  }
  const collection = async (itemId: number, field: string, revisions: number[]) => {
    await q('INSERT INTO field_collection_item VALUES (?, ?, ?, 0)', [itemId, revisions.at(-1), field])
    for (const r of revisions)
      await q('INSERT INTO field_collection_item_revision VALUES (?, ?)', [r, itemId])
  }
  const host = (
    field: string,
    entity: string,
    bundle: string,
    id: number,
    rev: number,
    delta: number,
    item: number,
    itemRev: number,
    current = true,
  ) => value(field, entity, bundle, id, rev, delta, { value: item, revision_id: itemRev }, current)
  const P = 'paragraphs_item'

  // Node A. Item 1 (text) has two revisions: the node's current revision points at 102, an older
  // node revision at 101.
  await paragraph(1, 'text', 'field_sections', [101, 102])
  await value('field_heading', P, 'text', 1, 101, 0, { value: 'Old heading', format: null }, false)
  await value('field_heading', P, 'text', 1, 102, 0, { value: 'Current heading', format: null })
  await value('field_text', P, 'text', 1, 102, 0, {
    value: '<p>Intro</p>',
    summary: null,
    format: 'filtered_html',
  })
  await host('field_sections', 'node', 'article', a.nid, a.vid, 0, 1, 102)
  await host('field_sections', 'node', 'article', a.nid, a.vid + 100_000, 0, 1, 101, false)
  // Item 2 (gallery) holds items 3 (text), 4 (text, archived) and 5 (tagged) in field_nested.
  await paragraph(2, 'gallery', 'field_sections', [103])
  await value('field_heading', P, 'gallery', 2, 103, 0, { value: 'Gallery', format: null })
  await host('field_sections', 'node', 'article', a.nid, a.vid, 1, 2, 103)
  await paragraph(3, 'text', 'field_nested', [104])
  await value('field_heading', P, 'text', 3, 104, 0, { value: 'Nested', format: null })
  await host('field_nested', P, 'gallery', 2, 103, 0, 3, 104)
  await paragraph(4, 'text', 'field_nested', [105], 1)
  await value('field_heading', P, 'text', 4, 105, 0, { value: 'Archived', format: null })
  await host('field_nested', P, 'gallery', 2, 103, 1, 4, 105)
  await paragraph(5, 'tagged', 'field_nested', [106])
  await value('field_tags', P, 'tagged', 5, 106, 0, { tid: term.tid })
  await host('field_nested', P, 'gallery', 2, 103, 2, 5, 106)
  // Item 6: a type the mapping does not list, after a gap in the deltas.
  await paragraph(6, 'quote', 'field_sections', [107])
  await value('field_heading', P, 'quote', 6, 107, 0, { value: 'Unmapped', format: null })
  await host('field_sections', 'node', 'article', a.nid, a.vid, 3, 6, 107)
  // A field collection item with a heading and an image.
  await collection(1, 'field_facts', [201])
  await value('field_heading', 'field_collection_item', 'field_facts', 1, 201, 0, {
    value: 'Fact 1',
    format: null,
  })
  await value('field_image', 'field_collection_item', 'field_facts', 1, 201, 0, {
    fid: file.fid,
    alt: 'alt',
    title: null,
    width: 10,
    height: 20,
  })
  await host('field_facts', 'node', 'article', a.nid, a.vid, 0, 1, 201)

  // Node B: item 99 has no row (orphaned); field collection item 2 belongs to another field
  // (orphaned); item 7 was edited after (revision 109), the host still points at 108.
  await host('field_sections', 'node', 'article', b.nid, b.vid, 0, 99, 199)
  await paragraph(7, 'text', 'field_sections', [108, 109])
  await value('field_heading', P, 'text', 7, 108, 0, { value: 'As the host saw it', format: null }, false)
  await value('field_heading', P, 'text', 7, 109, 0, { value: 'Edited later', format: null })
  await host('field_sections', 'node', 'article', b.nid, b.vid, 1, 7, 108)
  await collection(2, 'field_other', [202])
  await host('field_facts', 'node', 'article', b.nid, b.vid, 0, 2, 202)

  // Node C: one text paragraph.
  await paragraph(8, 'text', 'field_sections', [110])
  await value('field_heading', P, 'text', 8, 110, 0, { value: 'C heading', format: null })
  await host('field_sections', 'node', 'article', c.nid, c.vid, 0, 8, 110)

  return {
    a: Number(a.nid),
    b: Number(b.nid),
    c: Number(c.nid),
    hostRevisionOfB: 108,
    tid: Number(term.tid),
    termName: String(term.name),
    fid: Number(file.fid),
    editC: async (heading: string) => {
      await q('INSERT INTO paragraphs_item_revision VALUES (111, 8)')
      await q('UPDATE paragraphs_item SET revision_id = 111 WHERE item_id = 8')
      await q("DELETE FROM field_data_field_heading WHERE entity_type = 'paragraphs_item' AND entity_id = 8")
      await value('field_heading', P, 'text', 8, 111, 0, { value: heading, format: null })
      // The node saved without a new revision: its host rows now name item revision 111.
      for (const t of ['field_data_field_sections', 'field_revision_field_sections']) {
        await q(
          `UPDATE ${t} SET field_sections_revision_id = 111 WHERE entity_type = 'node' AND entity_id = ? AND delta = 0`,
          [c.nid],
        )
      }
      const [last] = await q<{ changed: number }>('SELECT MAX(changed) AS changed FROM node')
      await q('UPDATE node SET changed = ? WHERE nid = ?', [Number(last?.changed) + 60, c.nid])
    },
  }
}

import type { RowDataPacket } from 'mysql2/promise'
import type { CompiledBlocks } from '../mapping/compile-blocks.js'
import type { D7Block, D7FieldItem, D7Value } from './d7-types.js'
import { addId, toValue } from './d7-values.js'
import { quoteIdent } from './source-db.js'
import { BLOCK_FIELD_TYPES, type FieldLayout, type SourceLayout } from './source-schema.js'
import { tableRef } from './table-prefix.js'

type Query = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>
type Entity = D7Block['entity']

/** Items nest this deep at most (a loop of items pointing at each other stops here). */
const MAX_DEPTH = 16

/** The blocks of each node of a batch, what was left out, and the terms and files their fields name. */
export interface BatchBlocks {
  readonly byNid: ReadonlyMap<
    number,
    { readonly blocks: D7Block[]; readonly archived: number; readonly orphaned: number }
  >
  readonly tids: ReadonlySet<number>
  readonly fids: ReadonlySet<number>
}

interface Pending {
  readonly nid: number
  readonly language: string
  readonly entity: Entity
  readonly field: string
  readonly delta: number
  readonly itemId: number
  readonly revisionId: number
  /** Key of the holding item (`entity:itemId`), null: the node. */
  readonly parentKey: string | null
}

interface Found extends Pending {
  readonly type: string
  fields: Record<string, D7FieldItem[]>
}

/**
 * Read the field collection and paragraphs items the batch's nodes hold, level by level (a level's
 * items, then the items their own host fields hold): per level one query per item table and one per
 * item field table, whatever the number of nodes. Each item is read at the revision its host's row
 * names (`<field>_revision_id`), which is the host's current revision as the host's field rows were
 * read at it. An item whose row is gone, belongs to another field, or lacks that revision is
 * orphaned; an archived one is left out too; both are counted per node.
 */
export async function readBlocks(
  query: Query,
  nodes: readonly { readonly nid: number; readonly language: string }[],
  fieldsOf: (nid: number) => Readonly<Record<string, readonly D7FieldItem[]>>,
  blocks: CompiledBlocks,
  layout: SourceLayout,
): Promise<BatchBlocks> {
  const tids = new Set<number>()
  const fids = new Set<number>()
  const found = new Map<number, Found[]>()
  const left = new Map<number, { archived: number; orphaned: number }>()
  const count = (nid: number, what: 'archived' | 'orphaned') => {
    const c = left.get(nid) ?? { archived: 0, orphaned: 0 }
    c[what]++
    left.set(nid, c)
  }
  let pending: Pending[] = []
  for (const n of nodes) pending.push(...hostItems(n.nid, n.language, null, fieldsOf(n.nid), blocks, layout))
  const seen = new Set<string>()
  for (let depth = 0; depth < MAX_DEPTH && pending.length > 0; depth++) {
    const level: Found[] = []
    for (const entity of ['field_collection_item', 'paragraphs_item'] as const) {
      const wanted = pending.filter((p) => p.entity === entity && !seen.has(`${p.nid}:${keyOf(p)}`))
      if (wanted.length === 0) continue
      const items = await readItems(query, entity, wanted, layout.blockTables?.[entity]?.archived ?? false)
      for (const p of wanted) {
        seen.add(`${p.nid}:${keyOf(p)}`)
        const row = items.get(p.itemId)
        if (!row || row.fieldName !== p.field || !row.revisions.has(p.revisionId)) count(p.nid, 'orphaned')
        else if (row.archived) count(p.nid, 'archived')
        else level.push({ ...p, type: entity === 'paragraphs_item' ? row.bundle : p.field, fields: {} })
      }
      const accepted = level.filter((f) => f.entity === entity)
      if (accepted.length > 0) await readItemFields(query, entity, accepted, blocks, layout, tids, fids)
    }
    pending = []
    for (const f of level) {
      const list = found.get(f.nid) ?? []
      list.push(f)
      found.set(f.nid, list)
      pending.push(...hostItems(f.nid, f.language, keyOf(f), f.fields, blocks, layout))
    }
  }
  const byNid = new Map<number, { blocks: D7Block[]; archived: number; orphaned: number }>()
  for (const n of nodes) {
    const c = left.get(n.nid) ?? { archived: 0, orphaned: 0 }
    byNid.set(n.nid, { blocks: inPreOrder(found.get(n.nid) ?? [], blocks.hosts), ...c })
  }
  return { byNid, tids, fids }
}

const keyOf = (p: { entity: Entity; itemId: number }) => `${p.entity}:${p.itemId}`

/** The items one node's or item's host fields point at (`value` = item id, `revision_id`). */
function hostItems(
  nid: number,
  language: string,
  parentKey: string | null,
  fields: Readonly<Record<string, readonly D7FieldItem[]>>,
  blocks: CompiledBlocks,
  layout: SourceLayout,
): Pending[] {
  const out: Pending[] = []
  for (const field of blocks.hosts) {
    const entity = BLOCK_FIELD_TYPES[layout.fields[field]?.type ?? '']
    if (!entity) continue
    for (const item of fields[field] ?? []) {
      const itemId = Number(item.values.value)
      const revisionId = Number(item.values.revision_id)
      if (!Number.isInteger(itemId) || itemId <= 0) continue
      out.push({ nid, language, entity, field, delta: item.delta, itemId, revisionId, parentKey })
    }
  }
  return out
}

interface ItemRow {
  readonly fieldName: string
  readonly bundle: string
  readonly archived: boolean
  /** The wanted revisions the item's revision table holds. */
  readonly revisions: Set<number>
}

async function readItems(
  query: Query,
  entity: Entity,
  wanted: readonly Pending[],
  hasArchived: boolean,
): Promise<Map<number, ItemRow>> {
  const ids = [...new Set(wanted.map((p) => p.itemId))]
  const out = new Map<number, ItemRow>()
  const bundle = entity === 'paragraphs_item' ? 'bundle' : "'' AS bundle"
  // `archived` came with later releases of both modules; older sites lack it (describeSource looks).
  const archived = hasArchived ? 'archived' : '0 AS archived'
  for (const r of await query(
    `SELECT item_id, field_name, ${bundle}, ${archived} FROM {${entity}} WHERE item_id IN (?)`,
    [ids],
  )) {
    out.set(Number(r.item_id), {
      fieldName: String(r.field_name),
      bundle: String(r.bundle),
      archived: Number(r.archived) === 1,
      revisions: new Set(),
    })
  }
  const revisions = [...new Set(wanted.map((p) => p.revisionId).filter((v) => Number.isInteger(v) && v > 0))]
  if (revisions.length > 0) {
    for (const r of await query(
      `SELECT item_id, revision_id FROM {${entity}_revision} WHERE revision_id IN (?)`,
      [revisions],
    )) {
      out.get(Number(r.item_id))?.revisions.add(Number(r.revision_id))
    }
  }
  return out
}

/** The items' own field rows at their revisions, one query per field table; terms and files noted. */
async function readItemFields(
  query: Query,
  entity: Entity,
  items: readonly Found[],
  blocks: CompiledBlocks,
  layout: SourceLayout,
  tids: Set<number>,
  fids: Set<number>,
): Promise<void> {
  const byRevision = new Map<number, Found[]>()
  for (const f of items) {
    const list = byRevision.get(f.revisionId) ?? []
    list.push(f)
    byRevision.set(f.revisionId, list)
  }
  const pairs = [...new Set(items.map((f) => `${f.itemId}:${f.revisionId}`))].map((k) =>
    k.split(':').map(Number),
  )
  for (const name of blocks.itemFields) {
    const field: FieldLayout | undefined = layout.fields[name]
    if (!field) continue
    const cols = Object.entries(field.columns)
    const select = cols.map(([, real]) => `f.${quoteIdent(real)}`).join(', ')
    const rows = await query(
      `SELECT f.entity_id, f.revision_id, f.language, f.delta${select ? `, ${select}` : ''}
       FROM ${tableRef(field.table)} f
       WHERE f.entity_type = ? AND (f.entity_id, f.revision_id) IN (?) AND f.deleted = 0
       ORDER BY f.entity_id, f.delta`,
      [entity, pairs],
    )
    const perItem = new Map<Found, D7FieldItem[]>()
    for (const row of rows) {
      for (const f of byRevision.get(Number(row.revision_id)) ?? []) {
        if (f.itemId !== Number(row.entity_id)) continue
        const values: Record<string, D7Value> = {}
        for (const [short, real] of cols) values[short] = toValue(row[real])
        const list = perItem.get(f) ?? []
        list.push({ delta: Number(row.delta), language: String(row.language), values })
        perItem.set(f, list)
      }
    }
    for (const [f, list] of perItem) {
      // An item's fields are read in the host's language, else und (as a node's translatable fields).
      const own = list.filter((i) => i.language === f.language)
      const chosen = own.length > 0 ? own : list.filter((i) => i.language === 'und')
      if (chosen.length === 0) continue
      f.fields[name] = chosen
      for (const i of chosen) {
        if (field.termColumn) addId(tids, i.values[field.termColumn])
        if (field.fileColumn) addId(fids, i.values[field.fileColumn])
      }
    }
  }
}

/** A node's items as a list: hosts in mapping order, deltas in order, each item followed by its own. */
function inPreOrder(found: readonly Found[], hosts: readonly string[]): D7Block[] {
  const children = new Map<string | null, Found[]>()
  for (const f of found) {
    const list = children.get(f.parentKey) ?? []
    list.push(f)
    children.set(f.parentKey, list)
  }
  const rank = (f: Found) => hosts.indexOf(f.field)
  const out: D7Block[] = []
  const visit = (parentKey: string | null, parent: number | null) => {
    const list = [...(children.get(parentKey) ?? [])].sort((a, b) => rank(a) - rank(b) || a.delta - b.delta)
    for (const f of list) {
      const index = out.length
      out.push({
        entity: f.entity,
        itemId: f.itemId,
        revisionId: f.revisionId,
        field: f.field,
        delta: f.delta,
        parent,
        type: f.type,
        fields: f.fields,
      })
      visit(keyOf(f), index)
    }
  }
  visit(null, null)
  return out
}

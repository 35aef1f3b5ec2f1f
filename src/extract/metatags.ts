import type { RowDataPacket } from 'mysql2/promise'
import type { D7MetatagData, D7Metatags } from './d7-types.js'
import { asPhpRecord, readPhpSerialized } from './php-unserialize.js'

type Query = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>

/** metatag's serialized data (`array('title' => array('value' => …), …)`) as tag → value. */
export function readMetatagData(blob: unknown): D7MetatagData {
  const text = typeof blob === 'string' || Buffer.isBuffer(blob) ? blob : null
  const out: Record<string, unknown> = {}
  for (const [tag, entry] of Object.entries(asPhpRecord(readPhpSerialized(text)))) {
    const value = asPhpRecord(entry).value
    if (value !== undefined && value !== null) out[tag] = value
  }
  return out
}

/** metatag_config: instance (`global`, `node`, `node:article`, `global:frontpage`…) → its tags. Read once per run. */
export async function readMetatagDefaults(query: Query): Promise<Record<string, D7MetatagData>> {
  const out: Record<string, D7MetatagData> = {}
  for (const r of await query('SELECT instance, config FROM {metatag_config}', [])) {
    out[String(r.instance)] = readMetatagData(r.config)
  }
  return out
}

/**
 * The metatag rows of a batch's nodes at their current revision (node.vid), by nid and language,
 * one query per batch, with the defaults that apply to each node's bundle, most general first.
 */
export async function readNodeMetatags(
  query: Query,
  nodes: readonly { readonly nid: number; readonly vid: number; readonly type: string }[],
  defaults: Readonly<Record<string, D7MetatagData>>,
): Promise<Map<number, D7Metatags>> {
  const out = new Map<number, D7Metatags>()
  const byNid = new Map<number, Record<string, D7MetatagData>>()
  if (nodes.length > 0) {
    const vids = new Map(nodes.map((n) => [Number(n.nid), Number(n.vid)]))
    for (const r of await query(
      "SELECT entity_id, revision_id, language, data FROM {metatag} WHERE entity_type = 'node' AND entity_id IN (?)",
      [[...vids.keys()]],
    )) {
      const nid = Number(r.entity_id)
      // Rows of older revisions are the node's history, not what Drupal shows now.
      if (vids.get(nid) !== Number(r.revision_id)) continue
      const own = byNid.get(nid) ?? {}
      own[String(r.language)] = readMetatagData(r.data)
      byNid.set(nid, own)
    }
  }
  for (const n of nodes) {
    const chain = ['global', 'node', `node:${n.type}`].flatMap((i) => (defaults[i] ? [defaults[i]] : []))
    out.set(Number(n.nid), { defaults: chain, byLanguage: byNid.get(Number(n.nid)) ?? {} })
  }
  return out
}

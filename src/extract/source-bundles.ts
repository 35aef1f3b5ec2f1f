import type { RowDataPacket } from 'mysql2/promise'
import type { SourceConnection } from './source-db.js'
import { prefixedTable, type TablePrefix } from './table-prefix.js'

/** A node type of the source, as inspect lists it and check accepts it in source.bundles. */
export interface SourceBundle {
  readonly type: string
  /** node_type.name; the type itself when there is no node_type row. */
  readonly name: string
  /**
   * false: nodes of this type exist but node_type has no row for it. The module that defined the
   * type was removed (D6's story on an upgraded site, a contrib type): its nodes are still content.
   */
  readonly declared: boolean
}

/** Every node type of the source: node_type's rows and every node.type without one, by type. */
export async function readBundles(conn: SourceConnection, prefix?: TablePrefix): Promise<SourceBundle[]> {
  const [hasNodeType] = await conn.query<RowDataPacket[]>(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [prefixedTable(prefix, 'node_type')],
  )
  const names = new Map<string, string>()
  if (hasNodeType.length > 0) {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT type, name FROM {node_type}')
    for (const r of rows) names.set(String(r.type), String(r.name))
  }
  const [used] = await conn.query<RowDataPacket[]>('SELECT DISTINCT type FROM {node}')
  const bundles = [...names].map(([type, name]) => ({ type, name, declared: true }))
  for (const r of used) {
    const type = String(r.type)
    if (!names.has(type)) bundles.push({ type, name: type, declared: false })
  }
  return bundles.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
}

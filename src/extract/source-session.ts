import type { CompiledMapping } from '../mapping/compile.js'
import { closeSnapshot, createSourcePool, openSnapshot, type SourceConnection } from './source-db.js'
import { describeSource, type SourceLayout } from './source-schema.js'

/**
 * Everything a command needs to read the legacy site: one connection inside a read-only,
 * consistent-snapshot transaction, and the source layout already checked against the mapping
 * (so configuration problems fail before the first batch). Used by migrate, verify and sync.
 */
export interface SourceSession {
  readonly conn: SourceConnection
  readonly layout: SourceLayout
  readonly url: string
  close(): Promise<void>
}

export async function openSourceSession(url: string, mapping: CompiledMapping): Promise<SourceSession> {
  const pool = createSourcePool(url, 2, mapping.source.tablePrefix)
  let conn: SourceConnection | null = null
  try {
    conn = await openSnapshot(pool, url)
    const layout = await describeSource(conn, mapping)
    const opened = conn
    return {
      conn: opened,
      layout,
      url,
      async close() {
        await closeSnapshot(opened).catch(() => undefined)
        await pool.end()
      },
    }
  } catch (error) {
    if (conn) await closeSnapshot(conn).catch(() => undefined)
    await pool.end()
    throw error
  }
}

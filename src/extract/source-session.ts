import type { CompiledMapping } from '../mapping/compile.js'
import { closeSnapshot, createSourcePool, openClockedSnapshot, type SourceConnection } from './source-db.js'
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
  /** The source server's clock just before the snapshot opened (see openClockedSnapshot). */
  readonly openedAt: number
  close(): Promise<void>
}

export async function openSourceSession(url: string, mapping: CompiledMapping): Promise<SourceSession> {
  const pool = createSourcePool(url, 2, mapping.source.tablePrefix)
  let conn: SourceConnection | null = null
  try {
    const snapshot = await openClockedSnapshot(pool, url)
    conn = snapshot.conn
    const layout = await describeSource(conn, mapping)
    const opened = conn
    return {
      conn: opened,
      layout,
      url,
      openedAt: snapshot.openedAt,
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

import type { RowDataPacket } from 'mysql2/promise'

type Query = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>

/** Rows per keyset query while reading the index. */
const CHUNK = 100_000

/**
 * Every node's type and language, and which url_alias row is its slug, read once at the start of a
 * long run (two keyset scans, in the run's snapshot), so that body links are resolved without
 * looking nodes up at random per batch.
 *
 * Why: links point anywhere in the archive. Looked up per batch (`node.nid IN`, `url_alias.source
 * IN`), each batch of 2,000 articles touched ~3,400 random nodes; on a 1M-node site with MariaDB's
 * default 128 MB buffer pool, those lookups were most of what MariaDB spent (bench/RESULTS.md).
 * Held compactly (typed arrays, 16 bytes per node: 16 MB for a million nodes); the slug's text is
 * still read per batch, by primary key.
 */
export class LinkTargetIndex {
  private constructor(
    private readonly nids: Int32Array,
    private readonly types: Uint16Array,
    private readonly languages: Uint16Array,
    /** pid of the newest alias in the node's language or `und` (0: none). */
    private readonly ownPid: Int32Array,
    /** pid of the newest alias in any language (0: none). */
    private readonly anyPid: Int32Array,
    private readonly names: readonly string[],
  ) {}

  static async read(query: Query): Promise<LinkTargetIndex> {
    const names: string[] = []
    const codes = new Map<string, number>()
    const code = (s: string) => {
      let c = codes.get(s)
      if (c === undefined) {
        c = names.length
        names.push(s)
        codes.set(s, c)
      }
      return c
    }
    const und = code('und')
    const nids: number[] = []
    const types: number[] = []
    const languages: number[] = []
    for (let after = -1; ; ) {
      const rows = await query('SELECT nid, type, language FROM node WHERE nid > ? ORDER BY nid LIMIT ?', [
        after,
        CHUNK,
      ])
      for (const r of rows) {
        nids.push(Number(r.nid))
        types.push(code(String(r.type)))
        languages.push(code(String(r.language)))
      }
      if (rows.length < CHUNK) break
      after = nids[nids.length - 1] ?? after
    }
    const index = new LinkTargetIndex(
      Int32Array.from(nids),
      Uint16Array.from(types),
      Uint16Array.from(languages),
      new Int32Array(nids.length),
      new Int32Array(nids.length),
      names,
    )
    for (let after = -1; ; ) {
      const rows = await query(
        `SELECT pid, source, language FROM url_alias WHERE pid > ? AND source LIKE 'node/%' ORDER BY pid LIMIT ?`,
        [after, CHUNK],
      )
      for (const r of rows) {
        // As `source IN ('node/<nid>')` matches: case and trailing spaces aside, the exact number.
        const digits = /^node\/(\d+) *$/i.exec(String(r.source))?.[1]
        const at = digits !== undefined && String(Number(digits)) === digits ? index.find(Number(digits)) : -1
        if (at < 0) continue
        // Ascending pid: a later row is newer and replaces the one before.
        const pid = Number(r.pid)
        index.anyPid[at] = pid
        const language = codes.get(String(r.language))
        if (language !== undefined && (language === index.languages[at] || language === und))
          index.ownPid[at] = pid
      }
      if (rows.length < CHUNK) break
      after = Number(rows[rows.length - 1]?.pid ?? after)
    }
    return index
  }

  get size(): number {
    return this.nids.length
  }

  /** The node's type and the pid of the alias that is its slug (null: no alias), or undefined: no such node. */
  lookup(nid: number): { type: string; slugPid: number | null } | undefined {
    const at = this.find(nid)
    if (at < 0) return undefined
    const pid = this.ownPid[at] || this.anyPid[at] || 0
    return { type: this.names[this.types[at] ?? 0] ?? '', slugPid: pid > 0 ? pid : null }
  }

  private find(nid: number): number {
    let lo = 0
    let hi = this.nids.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = this.nids[mid] as number
      if (v === nid) return mid
      if (v < nid) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }
}

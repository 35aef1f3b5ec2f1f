import type { RowDataPacket } from 'mysql2/promise'

type Query = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>

/** Rows per keyset query while reading the index. */
const CHUNK = 25_000

/**
 * Every node's type and language, and which url_alias row is its slug, read once at the start of a
 * long run (two keyset scans, in the run's snapshot), so that body links are resolved without
 * looking nodes up at random per batch.
 *
 * Why: links point anywhere in the archive. Looked up per batch (`node.nid IN`, `url_alias.source
 * IN`), each batch of 2,000 articles touched ~3,400 random nodes; on a 1M-node site with MariaDB's
 * default 128 MB buffer pool, those lookups were most of what MariaDB spent (bench/RESULTS.md).
 * Held compactly (typed arrays, 10 bytes per node: 10 MB for a million nodes); the slug's text is
 * still read per batch, by primary key.
 */
export class LinkTargetIndex {
  private constructor(
    private readonly nids: Int32Array,
    private readonly types: Uint16Array,
    /**
     * The url_alias row that is the node's slug: +pid of the newest alias in its language or `und`,
     * else -pid of its newest alias in any language, 0 when it has none.
     */
    private readonly slugPids: Int32Array,
    private readonly typeNames: readonly string[],
  ) {}

  static async read(query: Query): Promise<LinkTargetIndex> {
    const typeNames: string[] = []
    const typeCodes = new Map<string, number>()
    const languageCodes = new Map<string, number>([['und', 0]])
    const code = (codes: Map<string, number>, names: string[] | null, s: string) => {
      let c = codes.get(s)
      if (c === undefined) {
        c = codes.size
        codes.set(s, c)
        names?.push(s)
      }
      return c
    }
    let nids = new Int32Array(1 << 16)
    let types = new Uint16Array(nids.length)
    let languages = new Uint16Array(nids.length)
    let size = 0
    for (let after = -1; ; ) {
      const rows = await query('SELECT nid, type, language FROM {node} WHERE nid > ? ORDER BY nid LIMIT ?', [
        after,
        CHUNK,
      ])
      if (size + rows.length > nids.length) {
        const capacity = Math.max(nids.length * 2, size + rows.length)
        nids = grow(nids, new Int32Array(capacity))
        types = grow(types, new Uint16Array(capacity))
        languages = grow(languages, new Uint16Array(capacity))
      }
      for (const r of rows) {
        nids[size] = Number(r.nid)
        types[size] = code(typeCodes, typeNames, String(r.type))
        languages[size] = code(languageCodes, null, String(r.language))
        size++
      }
      if (rows.length < CHUNK) break
      after = nids[size - 1] ?? after
    }
    const index = new LinkTargetIndex(
      nids.slice(0, size),
      types.slice(0, size),
      new Int32Array(size),
      typeNames,
    )
    for (let after = -1; ; ) {
      const rows = await query(
        `SELECT pid, source, language FROM {url_alias} WHERE pid > ? AND source LIKE 'node/%' ORDER BY pid LIMIT ?`,
        [after, CHUNK],
      )
      for (const r of rows) {
        // As `source IN ('node/<nid>')` matches: case and trailing spaces aside, the exact number.
        const digits = /^node\/(\d+) *$/i.exec(String(r.source))?.[1]
        const at = digits !== undefined && String(Number(digits)) === digits ? index.find(Number(digits)) : -1
        if (at < 0) continue
        // Ascending pid: a later row is newer and replaces the one before.
        const pid = Number(r.pid)
        const language = languageCodes.get(String(r.language))
        if (language !== undefined && (language === languages[at] || language === 0)) index.slugPids[at] = pid
        else if ((index.slugPids[at] ?? 0) <= 0) index.slugPids[at] = -pid
      }
      if (rows.length < CHUNK) break
      after = Number(rows[rows.length - 1]?.pid ?? after)
    }
    return index
  }

  /** The node's type and the pid of the alias that is its slug (null: no alias), or undefined: no such node. */
  lookup(nid: number): { type: string; slugPid: number | null } | undefined {
    const at = this.find(nid)
    if (at < 0) return undefined
    const pid = Math.abs(this.slugPids[at] ?? 0)
    return { type: this.typeNames[this.types[at] ?? 0] ?? '', slugPid: pid > 0 ? pid : null }
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

function grow<T extends Int32Array | Uint16Array>(from: T, to: T): T {
  to.set(from)
  return to
}

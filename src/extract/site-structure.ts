import type { RowDataPacket } from 'mysql2/promise'
import { querySource, type SourceConnection } from './source-db.js'

/**
 * The site-wide structure an article sits in, read once per run (small tables): menu links of the
 * menus a mapping names, and the hierarchy of the terms the target holds.
 */

/** One menu_links row as a front end's navigation needs it. */
export interface D7MenuLink {
  readonly menu: string
  readonly mlid: number
  /** 0 at the top of the menu. */
  readonly plid: number
  readonly linkPath: string
  readonly title: string
  /** menu_links.hidden: 1 disabled, -1 hidden by its module (e.g. a local task); 0 shown. */
  readonly hidden: number
  readonly expanded: number
  readonly weight: number
  readonly external: number
}

/** The links of `menus`, parents before children (depth order), then weight and title as Drupal sorts. */
export async function readMenuLinks(
  conn: SourceConnection,
  url: string,
  menus: readonly string[],
): Promise<D7MenuLink[]> {
  if (menus.length === 0) return []
  const rows = await querySource<RowDataPacket>(
    conn,
    url,
    `SELECT menu_name, mlid, plid, link_path, link_title, hidden, expanded, weight, external
     FROM {menu_links} WHERE menu_name IN (?) ORDER BY depth, weight, link_title, mlid`,
    [menus],
  )
  return rows.map((r) => ({
    menu: String(r.menu_name),
    mlid: Number(r.mlid),
    plid: Number(r.plid),
    linkPath: String(r.link_path),
    title: String(r.link_title),
    hidden: Number(r.hidden),
    expanded: Number(r.expanded),
    weight: Number(r.weight),
    external: Number(r.external),
  }))
}

/** A term's place in its vocabulary: the parent (0 at the root) and the weight among siblings. */
export interface D7TermPlace {
  readonly tid: number
  readonly parent: number
  readonly weight: number
  readonly name: string
  readonly vocabulary: string
}

/**
 * taxonomy_term_hierarchy and weight of `tids`, in chunks. A term with several parents (allowed by
 * D7, rare) keeps the lowest non-zero parent.
 */
export async function readTermPlaces(
  conn: SourceConnection,
  url: string,
  tids: readonly number[],
): Promise<Map<number, D7TermPlace>> {
  const out = new Map<number, D7TermPlace>()
  for (let i = 0; i < tids.length; i += CHUNK) {
    for (const r of await querySource<RowDataPacket>(
      conn,
      url,
      `SELECT t.tid, COALESCE(MIN(NULLIF(h.parent, 0)), 0) AS parent, t.weight, t.name,
         v.machine_name AS vocabulary
       FROM {taxonomy_term_data} t JOIN {taxonomy_vocabulary} v ON v.vid = t.vid
       LEFT JOIN {taxonomy_term_hierarchy} h ON h.tid = t.tid
       WHERE t.tid IN (?) GROUP BY t.tid, t.weight, t.name, v.machine_name`,
      [tids.slice(i, i + CHUNK)],
    )) {
      out.set(Number(r.tid), {
        tid: Number(r.tid),
        parent: Number(r.parent),
        weight: Number(r.weight),
        name: String(r.name),
        vocabulary: String(r.vocabulary),
      })
    }
  }
  return out
}

const CHUNK = 10_000

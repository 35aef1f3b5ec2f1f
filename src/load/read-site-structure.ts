import type pg from 'pg'

/**
 * The site-wide structure as the target holds it, for `dhm verify` (what finish-relations wrote):
 * the menu links of the mapping's menus and the term tree. Read with SELECTs only.
 */

/** A menu_link row with its parent's and its article's legacy ids, and the URL its article gives. */
export interface TargetMenuLink {
  readonly mlid: number
  readonly menu: string
  readonly plid: number | null
  /** legacy_mlid of the row parent_id points at. */
  readonly parentMlid: number | null
  readonly weight: number
  readonly title: string
  readonly hidden: boolean
  readonly expanded: boolean
  readonly linkPath: string
  readonly external: boolean
  readonly url: string | null
  /** legacy_nid of the row article_id points at. */
  readonly articleNid: number | null
  /** The live article `node/N` names (what article_id should be) and the URL it gives the link. */
  readonly expectedNid: number | null
  readonly expectedUrl: string | null
}

const SELECT_MENU_LINKS = `
SELECT m.legacy_mlid AS mlid, m.menu, m.legacy_plid AS plid, p.legacy_mlid AS parent_mlid, m.weight, m.title,
  m.hidden, m.expanded, m.link_path, m.external, m.url, a.legacy_nid AS article_nid, t.legacy_nid AS expected_nid,
  CASE
    WHEN m.external THEN m.link_path
    WHEN m.link_path = '<front>' THEN '/'
    WHEN m.link_path ~ '^node/[0-9]+$' THEN '/' || t.slug
    ELSE '/' || m.link_path
  END AS expected_url
FROM menu_link m
LEFT JOIN menu_link p ON p.id = m.parent_id
LEFT JOIN article a ON a.id = m.article_id
LEFT JOIN article t ON t.site = m.site AND t.deleted_at IS NULL
  AND t.legacy_nid = CASE WHEN m.link_path ~ '^node/[0-9]{1,9}$' THEN substring(m.link_path FROM 6)::int END
WHERE m.site = $1 AND m.menu = ANY($2::text[])
ORDER BY m.legacy_mlid`

/** The site's links of `menus`, by mlid. */
export async function readTargetMenuLinks(
  pool: Pick<pg.Pool, 'query'>,
  site: string,
  menus: readonly string[],
): Promise<TargetMenuLink[]> {
  if (menus.length === 0) return []
  const { rows } = await pool.query<Record<string, unknown>>(SELECT_MENU_LINKS, [site, [...menus]])
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
  return rows.map((r) => ({
    mlid: Number(r.mlid),
    menu: String(r.menu),
    plid: num(r.plid),
    parentMlid: num(r.parent_mlid),
    weight: Number(r.weight),
    title: String(r.title),
    hidden: r.hidden === true,
    expanded: r.expanded === true,
    linkPath: String(r.link_path),
    external: r.external === true,
    url: r.url === null ? null : String(r.url),
    articleNid: num(r.article_nid),
    expectedNid: num(r.expected_nid),
    expectedUrl: r.expected_url === null ? null : String(r.expected_url),
  }))
}

/** A term's place in the target's tree: its legacy parent, the parent parent_id points at, its weight. */
export interface TargetTermPlace {
  readonly tid: number
  readonly parentTid: number | null
  /** legacy_tid of the row parent_id points at. */
  readonly linkedParentTid: number | null
  readonly weight: number
}

/** Every term of the site with its place, by tid. */
export async function readTargetTermTree(
  pool: Pick<pg.Pool, 'query'>,
  site: string,
): Promise<TargetTermPlace[]> {
  const { rows } = await pool.query<{
    tid: number
    parent_tid: number | null
    linked_parent_tid: number | null
    weight: number
  }>(
    `SELECT t.legacy_tid AS tid, t.legacy_parent_tid AS parent_tid, p.legacy_tid AS linked_parent_tid, t.weight
     FROM term t LEFT JOIN term p ON p.id = t.parent_id WHERE t.site = $1 ORDER BY t.legacy_tid`,
    [site],
  )
  return rows.map((r) => ({
    tid: r.tid,
    parentTid: r.parent_tid,
    linkedParentTid: r.linked_parent_tid,
    weight: r.weight,
  }))
}

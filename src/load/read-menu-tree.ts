import type pg from 'pg'

/** One menu link as a front end's navigation reads it, with its children in display order. */
export interface MenuTreeLink {
  readonly mlid: number
  readonly title: string
  /** `/<slug>` of a migrated article, `/` for <front>, an external URL, `/<path>`; null: node not migrated. */
  readonly url: string | null
  readonly linkPath: string
  /** The article a `node/N` link points at (its legacy nid), or null. */
  readonly legacyNid: number | null
  readonly hidden: boolean
  readonly expanded: boolean
  readonly weight: number
  readonly children: MenuTreeLink[]
}

export interface MenuTree {
  readonly menu: string
  readonly links: MenuTreeLink[]
}

interface LinkRow {
  id: number
  parent_id: number | null
  menu: string
  legacy_mlid: number
  title: string
  url: string | null
  link_path: string
  legacy_nid: number | null
  hidden: boolean
  expanded: boolean
  weight: number
}

/**
 * The menus of a site as trees (`dhm export --menus`), siblings ordered as Drupal shows them
 * (weight, then title). A link whose parent is not in the table (not migrated) is at the top.
 */
export async function readMenuTrees(pool: Pick<pg.Pool, 'query'>, site: string): Promise<MenuTree[]> {
  const { rows } = await pool.query<LinkRow>(
    `SELECT m.id, m.parent_id, m.menu, m.legacy_mlid, m.title, m.url, m.link_path, a.legacy_nid,
       m.hidden, m.expanded, m.weight
     FROM menu_link m LEFT JOIN article a ON a.id = m.article_id
     WHERE m.site = $1 ORDER BY m.menu, m.weight, m.title, m.legacy_mlid`,
    [site],
  )
  const nodes = new Map<number, MenuTreeLink>()
  for (const r of rows) {
    nodes.set(r.id, {
      mlid: r.legacy_mlid,
      title: r.title,
      url: r.url,
      linkPath: r.link_path,
      legacyNid: r.legacy_nid,
      hidden: r.hidden,
      expanded: r.expanded,
      weight: r.weight,
      children: [],
    })
  }
  const menus = new Map<string, MenuTreeLink[]>()
  for (const r of rows) {
    const node = nodes.get(r.id) as MenuTreeLink
    const parent = r.parent_id === null ? undefined : nodes.get(r.parent_id)
    if (parent) parent.children.push(node)
    else {
      const top = menus.get(r.menu) ?? []
      top.push(node)
      menus.set(r.menu, top)
    }
  }
  return [...menus].map(([menu, links]) => ({ menu, links }))
}

import type pg from 'pg'

/**
 * The end-of-run writes that need every batch written first: references resolved through the id
 * map (forward references and cycles), the term tree, and menu links pointing at articles.
 */

/** What the end-of-run pass did, in `counts.relations` of summary.json. */
export type RelationsSummary = {
  references: {
    total: number
    resolved: number
    dangling: number
    /** The first 100 (MAX_DANGLING_LISTED) dangling references (all of them are run messages). */
    danglingList: DanglingReference[]
  }
  /** Links of the mapping's menus now in `menu_link` (null: the mapping names no menu). */
  menuLinks: number | null
  /** Terms whose parent and weight were read; ancestors inserted because an article's term needs them. */
  terms: { placed: number; ancestorsAdded: number }
}

/** A reference whose target is not (or no longer) in the target: not migrated, or deleted. */
export type DanglingReference = {
  nid: number
  field: string
  kind: string
  target: number
}

export interface ReferenceResolution {
  readonly total: number
  readonly resolved: number
  readonly dangling: readonly DanglingReference[]
}

// Targets that went away (soft-deleted articles) are unset; targets that arrived are set. Only
// unresolved rows and rows pointing at a soft-deleted article are touched, never the whole table.
const UNSET_DELETED = `
UPDATE article_reference r SET target_article_id = NULL
FROM article t WHERE t.id = r.target_article_id AND t.deleted_at IS NOT NULL AND t.site = $1`
const RESOLVE_NODES = `
UPDATE article_reference r SET target_article_id = t.id
FROM article a, article t
WHERE a.id = r.article_id AND a.site = $1 AND r.kind = 'node' AND r.target_article_id IS NULL
  AND t.site = $1 AND t.legacy_nid = r.target_legacy_id AND t.deleted_at IS NULL`
const RESOLVE_USERS = `
UPDATE article_reference r SET target_author_id = t.id
FROM article a, author t
WHERE a.id = r.article_id AND a.site = $1 AND r.kind = 'user' AND r.target_author_id IS NULL
  AND t.site = $1 AND t.legacy_uid = r.target_legacy_id`
const RESOLVE_TERMS = `
UPDATE article_reference r SET target_term_id = t.id
FROM article a, term t
WHERE a.id = r.article_id AND a.site = $1 AND r.kind = 'term' AND r.target_term_id IS NULL
  AND t.site = $1 AND t.legacy_tid = r.target_legacy_id`
const COUNT_AND_DANGLING = `
SELECT a.legacy_nid AS nid, r.field, r.kind::text AS kind, r.target_legacy_id AS target,
  (COALESCE(r.target_article_id, r.target_author_id, r.target_term_id) IS NULL) AS dangling
FROM article_reference r JOIN article a ON a.id = r.article_id
WHERE a.site = $1 AND a.deleted_at IS NULL`

/** Uids that user references of the site point at with no author row yet (to create from users). */
export async function unresolvedUserTargets(pool: Pick<pg.Pool, 'query'>, site: string): Promise<number[]> {
  const { rows } = await pool.query<{ uid: number }>(
    `SELECT DISTINCT r.target_legacy_id AS uid FROM article_reference r JOIN article a ON a.id = r.article_id
     WHERE a.site = $1 AND r.kind = 'user' AND r.target_author_id IS NULL ORDER BY 1`,
    [site],
  )
  return rows.map((r) => r.uid)
}

/**
 * Resolve the site's references through the id map and list those left dangling (of articles not
 * deleted), in nid, field order.
 */
export async function resolveReferences(client: pg.ClientBase, site: string): Promise<ReferenceResolution> {
  await client.query(UNSET_DELETED, [site])
  await client.query(RESOLVE_NODES, [site])
  await client.query(RESOLVE_USERS, [site])
  await client.query(RESOLVE_TERMS, [site])
  const { rows } = await client.query<DanglingReference & { dangling: boolean }>(
    `${COUNT_AND_DANGLING} ORDER BY a.legacy_nid, r.field, r.delta`,
    [site],
  )
  const dangling = rows.filter((r) => r.dangling).map(({ dangling: _, ...d }) => d)
  return { total: rows.length, resolved: rows.length - dangling.length, dangling }
}

/** A menu link as the end-of-run pass writes it. */
export interface MenuLinkRow {
  readonly menu: string
  readonly mlid: number
  readonly plid: number
  readonly linkPath: string
  readonly title: string
  readonly hidden: boolean
  readonly expanded: boolean
  readonly weight: number
  readonly external: boolean
}

const UPSERT_MENU_LINKS = `
INSERT INTO menu_link (site, menu, legacy_mlid, legacy_plid, weight, title, hidden, expanded, link_path,
  external, article_id, url)
SELECT $1, m.menu, m.mlid, NULLIF(m.plid, 0), m.weight, m.title, m.hidden, m.expanded, m.link_path,
  m.external, t.id,
  CASE
    WHEN m.external THEN m.link_path
    WHEN m.link_path = '<front>' THEN '/'
    WHEN m.link_path ~ '^node/[0-9]+$' THEN '/' || t.slug
    ELSE '/' || m.link_path
  END
FROM jsonb_to_recordset($2::jsonb) AS m(menu text, mlid int, plid int, link_path text, title text,
  hidden boolean, expanded boolean, weight int, external boolean)
LEFT JOIN article t ON t.site = $1 AND t.deleted_at IS NULL
  AND t.legacy_nid = CASE WHEN m.link_path ~ '^node/[0-9]{1,9}$' THEN substring(m.link_path FROM 6)::int END
ON CONFLICT (site, legacy_mlid) DO UPDATE SET menu = excluded.menu, legacy_plid = excluded.legacy_plid,
  weight = excluded.weight, title = excluded.title, hidden = excluded.hidden, expanded = excluded.expanded,
  link_path = excluded.link_path, external = excluded.external, article_id = excluded.article_id,
  url = excluded.url
WHERE (menu_link.menu, menu_link.legacy_plid, menu_link.weight, menu_link.title, menu_link.hidden,
  menu_link.expanded, menu_link.link_path, menu_link.external, menu_link.article_id, menu_link.url)
  IS DISTINCT FROM (excluded.menu, excluded.legacy_plid, excluded.weight, excluded.title, excluded.hidden,
  excluded.expanded, excluded.link_path, excluded.external, excluded.article_id, excluded.url)`
const DELETE_GONE_LINKS = `
DELETE FROM menu_link WHERE site = $1 AND menu = ANY($2::text[]) AND NOT (legacy_mlid = ANY($3::int[]))`
const LINK_PARENTS = `
UPDATE menu_link c SET parent_id = p.id
FROM menu_link p WHERE c.site = $1 AND p.site = $1 AND p.legacy_mlid = c.legacy_plid
  AND c.parent_id IS DISTINCT FROM p.id`
const UNLINK_ORPHANS = `
UPDATE menu_link c SET parent_id = NULL
WHERE c.site = $1 AND c.parent_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM menu_link p WHERE p.id = c.parent_id AND p.legacy_mlid = c.legacy_plid)`

/**
 * Make the site's `menu_link` rows of `menus` what the source holds: upsert, remove links gone
 * from those menus, link parents. Node links point at the migrated article and its slug.
 */
export async function writeMenuLinks(
  client: pg.ClientBase,
  site: string,
  menus: readonly string[],
  links: readonly MenuLinkRow[],
): Promise<void> {
  const rows = links.map((l) => ({
    menu: l.menu,
    mlid: l.mlid,
    plid: l.plid,
    link_path: l.linkPath,
    title: l.title,
    hidden: l.hidden,
    expanded: l.expanded,
    weight: l.weight,
    external: l.external,
  }))
  if (rows.length > 0) await client.query(UPSERT_MENU_LINKS, [site, JSON.stringify(rows)])
  await client.query(DELETE_GONE_LINKS, [site, [...menus], links.map((l) => l.mlid)])
  await client.query(LINK_PARENTS, [site])
  await client.query(UNLINK_ORPHANS, [site])
}

/** A term's place as the end-of-run pass writes it (ancestors not yet in `term` are inserted). */
export interface TermPlaceRow {
  readonly tid: number
  readonly parent: number
  readonly weight: number
  readonly name: string
  readonly vocabulary: string
}

const UPSERT_TERM_PLACES = `
INSERT INTO term (site, legacy_tid, vocabulary, name, legacy_parent_tid, weight)
SELECT $1, t.tid, t.vocabulary, t.name, NULLIF(t.parent, 0), t.weight
FROM jsonb_to_recordset($2::jsonb) AS t(tid int, vocabulary text, name text, parent int, weight int)
ON CONFLICT (site, legacy_tid) DO UPDATE SET legacy_parent_tid = excluded.legacy_parent_tid,
  weight = excluded.weight
WHERE (term.legacy_parent_tid, term.weight) IS DISTINCT FROM (excluded.legacy_parent_tid, excluded.weight)`
const LINK_TERM_PARENTS = `
UPDATE term c SET parent_id = p.id
FROM term p WHERE c.site = $1 AND p.site = $1 AND p.legacy_tid = c.legacy_parent_tid
  AND c.parent_id IS DISTINCT FROM p.id`
const UNLINK_TERM_ROOTS = `
UPDATE term SET parent_id = NULL WHERE site = $1 AND legacy_parent_tid IS NULL AND parent_id IS NOT NULL`

/** The site's term ids in the target. */
export async function readSiteTids(pool: Pick<pg.Pool, 'query'>, site: string): Promise<number[]> {
  const { rows } = await pool.query<{ legacy_tid: number }>(
    'SELECT legacy_tid FROM term WHERE site = $1 ORDER BY legacy_tid',
    [site],
  )
  return rows.map((r) => r.legacy_tid)
}

/** Write parents and weights (name and vocabulary of existing terms stay the batch writer's). */
export async function writeTermPlaces(
  client: pg.ClientBase,
  site: string,
  places: readonly TermPlaceRow[],
): Promise<void> {
  const sorted = [...places].sort((a, b) => a.tid - b.tid)
  for (let i = 0; i < sorted.length; i += 5000) {
    await client.query(UPSERT_TERM_PLACES, [site, JSON.stringify(sorted.slice(i, i + 5000))])
  }
  await client.query(LINK_TERM_PARENTS, [site])
  await client.query(UNLINK_TERM_ROOTS, [site])
}

import type pg from 'pg'
import { findLinkTargets } from '../body-scan/links.js'
import type { Article } from '../model/article.js'
import type { RowOutcome } from '../transform/outcome.js'

/**
 * Which articles' bodies link to which nodes (`article_link`): what lets a sync re-transform the
 * articles whose rewritten links change when another node's alias changes (issue #24), without
 * reading every body. One row per article and link target as the body in the source writes it:
 * `n:<nid>` for `node/<nid>`, `a:<path>` (lower case, no leading slash) for a path that may be an
 * alias, exactly what the body-links rule resolves (findLinkTargets). Written by migrate and sync
 * with the articles, in the same transaction (and undo log); read by side-changes.ts.
 */

/** The link keys of one article's body as the source had it (the document keeps it when rewritten). */
export function bodyLinkKeys(article: Article, siteHosts: readonly string[]): string[] {
  const html = article.bodyOriginal ?? article.body?.value ?? ''
  if (!html.includes('href')) return []
  const { nids, aliases } = findLinkTargets(html, siteHosts)
  const keys = new Set<string>()
  for (const nid of nids) keys.add(nodeLinkKey(nid))
  for (const alias of aliases) keys.add(aliasLinkKey(alias))
  return [...keys]
}

export const nodeLinkKey = (nid: number) => `n:${nid}`
/** As the body-links rule looks an alias up: no leading slash, lower case. */
export const aliasLinkKey = (alias: string) => `a:${alias.replace(/^\/+/, '').trim().toLowerCase()}`

/**
 * Bring the batch's articles' rows of `article_link` up to date: rows no longer in a body go, new
 * ones come; rows already right are not written (a full pass over unchanged articles writes nothing).
 */
export async function writeArticleLinks(
  client: pg.ClientBase,
  site: string,
  outcomes: readonly RowOutcome[],
  siteHosts: readonly string[],
): Promise<void> {
  const nids: number[] = []
  const keyNids: number[] = []
  const keys: string[] = []
  for (const o of outcomes) {
    if (o.kind !== 'ok') continue
    nids.push(o.article.legacyNid)
    for (const key of bodyLinkKeys(o.article, siteHosts)) {
      keyNids.push(o.article.legacyNid)
      keys.push(key)
    }
  }
  if (nids.length === 0) return
  await client.query(
    `DELETE FROM article_link l WHERE l.site = $1 AND l.legacy_nid = ANY($2::int[])
       AND NOT EXISTS (SELECT 1 FROM unnest($3::int[], $4::text[]) AS k(nid, target)
                       WHERE k.nid = l.legacy_nid AND k.target = l.target)`,
    [site, nids, keyNids, keys],
  )
  if (keys.length === 0) return
  await client.query(
    `INSERT INTO article_link (site, target, legacy_nid)
     SELECT $1, k.target, k.nid FROM unnest($2::int[], $3::text[]) AS k(nid, target)
     ON CONFLICT DO NOTHING`,
    [site, keyNids, keys],
  )
}

/** The articles of a site whose bodies link to any of these keys. */
export async function readLinkingArticles(
  db: Pick<pg.Pool, 'query'>,
  site: string,
  keys: readonly string[],
): Promise<number[]> {
  if (keys.length === 0) return []
  const { rows } = await db.query<{ legacy_nid: number }>(
    'SELECT DISTINCT legacy_nid FROM article_link WHERE site = $1 AND target = ANY($2::text[])',
    [site, [...keys]],
  )
  return rows.map((r) => r.legacy_nid)
}

/**
 * What the target says each node's aliases were when dhm last wrote it: its article's slug and the
 * redirects of its own aliases, as link keys (through the indexes on article and redirect.article_id).
 * A merged translation has no article of its own: none, so it counts as changed with its bucket.
 */
export async function readTargetAliasKeys(
  db: Pick<pg.Pool, 'query'>,
  site: string,
  nids: readonly number[],
): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>()
  if (nids.length === 0) return out
  const { rows } = await db.query<{ nid: number; path: string }>(
    `SELECT legacy_nid AS nid, slug AS path FROM article
     WHERE site = $1 AND legacy_nid = ANY($2::int[]) AND slug IS NOT NULL
     UNION ALL
     SELECT a.legacy_nid, r.source_path FROM article a JOIN redirect r ON r.article_id = a.id
     WHERE a.site = $1 AND a.legacy_nid = ANY($2::int[]) AND r.legacy_nid = a.legacy_nid`,
    [site, [...nids]],
  )
  for (const r of rows) {
    const set = out.get(r.nid) ?? new Set<string>()
    set.add(aliasLinkKey(r.path))
    out.set(r.nid, set)
  }
  return out
}

import type pg from 'pg'
import type { Article } from '../model/article.js'

/**
 * The redirects of rewritten articles ($1) that are not among their new ones ($2..$5: path, language,
 * article, nid; $6: the site). The others stay as they are, ids included: a rewrite that leaves an
 * article's aliases alone (a renamed term, an edited title) deletes and writes none.
 */
const STALE_REDIRECTS_DELETE = `
DELETE FROM redirect x WHERE x.article_id = ANY($1::int[])
  AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[], $4::int[], $5::int[]) AS r(path, language, article_id, nid)
                  WHERE x.site = $6 AND r.path = x.source_path AND r.language = x.language
                    AND r.article_id = x.article_id AND r.nid = x.legacy_nid)`

// A redirect the target holds as it is is not proposed: ON CONFLICT DO UPDATE would lock it.
const INSERT_REDIRECTS = `
INSERT INTO redirect (site, source_path, language, article_id, legacy_nid)
SELECT $1, r.path, r.language, r.article_id, r.nid
FROM unnest($2::text[], $3::text[], $4::int[], $5::int[]) AS r(path, language, article_id, nid)
WHERE NOT EXISTS (SELECT 1 FROM redirect x WHERE x.site = $1 AND x.source_path = r.path
  AND x.language = r.language AND x.article_id = r.article_id AND x.legacy_nid = r.nid)
ON CONFLICT (site, source_path, language) DO UPDATE
SET article_id = excluded.article_id, legacy_nid = excluded.legacy_nid`

/** An article the batch inserted or updated, with its target id. */
export interface WrittenArticle {
  readonly id: number
  readonly inserted: boolean
  readonly article: Article
}

/**
 * Bring the redirects of the articles a batch wrote to their aliases (inside the batch's
 * transaction): every non-slug alias of an article and of its merged translation nodes points at the
 * article, so no old URL is lost; an updated article's redirects that are no longer among them go.
 * Keyed by (site, path, language); the last article claiming a path wins. Redirects are part of the
 * content hash, so an unchanged article's redirects are unchanged too and are not touched; a new
 * article has none to remove.
 */
export async function writeRedirects(
  client: pg.ClientBase,
  site: string,
  written: readonly WrittenArticle[],
): Promise<number> {
  const updated = written.filter((w) => !w.inserted).map((w) => w.id)
  const rows = new Map<string, { path: string; language: string; articleId: number; nid: number }>()
  for (const { id, article } of written) {
    for (const r of article.redirects) {
      rows.set(`${r.language}\u0000${r.path}`, {
        path: r.path,
        language: r.language,
        articleId: id,
        nid: r.legacyNid,
      })
    }
  }
  const list = [...rows.values()]
  const columns = [
    list.map((r) => r.path),
    list.map((r) => r.language),
    list.map((r) => r.articleId),
    list.map((r) => r.nid),
  ]
  if (updated.length > 0) await client.query(STALE_REDIRECTS_DELETE, [updated, ...columns, site])
  if (rows.size === 0) return 0
  await client.query(INSERT_REDIRECTS, [site, ...columns])
  return rows.size
}

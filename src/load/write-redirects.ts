import type pg from 'pg'
import type { Article } from '../model/article.js'

const DELETE_REDIRECTS = 'DELETE FROM redirect WHERE article_id = ANY($1::int[])'

const INSERT_REDIRECTS = `
INSERT INTO redirect (site, source_path, language, article_id, legacy_nid)
SELECT $1, r.path, r.language, r.article_id, r.nid
FROM unnest($2::text[], $3::text[], $4::int[], $5::int[]) AS r(path, language, article_id, nid)
ON CONFLICT (site, source_path, language) DO UPDATE
SET article_id = excluded.article_id, legacy_nid = excluded.legacy_nid`

/** An article the batch inserted or updated, with its target id. */
export interface WrittenArticle {
  readonly id: number
  readonly inserted: boolean
  readonly article: Article
}

/**
 * Replace the redirects of the articles a batch wrote (inside the batch's transaction): every
 * non-slug alias of an article and of its merged translation nodes points at the article, so no old
 * URL is lost. Keyed by (site, path, language); the last article claiming a path wins. Redirects are
 * part of the content hash, so an unchanged article's redirects are unchanged too and are not
 * touched; a new article has none to remove.
 */
export async function writeRedirects(
  client: pg.ClientBase,
  site: string,
  written: readonly WrittenArticle[],
): Promise<number> {
  const updated = written.filter((w) => !w.inserted).map((w) => w.id)
  if (updated.length > 0) await client.query(DELETE_REDIRECTS, [updated])
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
  if (rows.size === 0) return 0
  const list = [...rows.values()]
  await client.query(INSERT_REDIRECTS, [
    site,
    list.map((r) => r.path),
    list.map((r) => r.language),
    list.map((r) => r.articleId),
    list.map((r) => r.nid),
  ])
  return rows.size
}

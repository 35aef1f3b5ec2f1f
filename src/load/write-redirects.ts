import type pg from 'pg'
import type { RowOutcome } from '../transform/outcome.js'

const DELETE_REDIRECTS = `
DELETE FROM redirect WHERE article_id IN (SELECT id FROM article WHERE site = $1 AND legacy_nid = ANY($2::int[]))`

const INSERT_REDIRECTS = `
INSERT INTO redirect (site, source_path, language, article_id, legacy_nid)
SELECT $1, r.path, r.language, a.id, r.nid
FROM jsonb_to_recordset($2::jsonb) AS r(article_nid int, path text, language text, nid int)
JOIN article a ON a.site = $1 AND a.legacy_nid = r.article_nid
ON CONFLICT (site, source_path, language) DO UPDATE
SET article_id = excluded.article_id, legacy_nid = excluded.legacy_nid`

/**
 * Replace the redirects of the loaded articles of one batch (inside the batch's transaction): every
 * non-slug alias of an article and of its merged translation nodes points at the article, so no old
 * URL is lost. Keyed by (site, path, language); the last article claiming a path wins.
 */
export async function writeRedirects(
  client: pg.ClientBase,
  site: string,
  outcomes: readonly RowOutcome[],
): Promise<number> {
  const ok = outcomes.flatMap((o) => (o.kind === 'ok' ? [o.article] : []))
  if (ok.length === 0) return 0
  await client.query(DELETE_REDIRECTS, [site, ok.map((a) => a.legacyNid)])
  const rows = new Map<string, { article_nid: number; path: string; language: string; nid: number }>()
  for (const a of ok) {
    for (const r of a.redirects) {
      rows.set(`${r.language}\u0000${r.path}`, {
        article_nid: a.legacyNid,
        path: r.path,
        language: r.language,
        nid: r.legacyNid,
      })
    }
  }
  if (rows.size > 0) await client.query(INSERT_REDIRECTS, [site, JSON.stringify([...rows.values()])])
  return rows.size
}

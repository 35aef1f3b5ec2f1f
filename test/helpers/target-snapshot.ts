// What "the target equals a clean run's" means for the fault and chaos tests, in plain SQL on the
// target: checksums keyed by legacy ids (serial ids differ between runs), row counts, duplicates.
// Nothing here calls the tool's code.

import pg from 'pg'

export interface TargetSnapshot {
  /** md5 over `legacy_nid:content_hash` of every article, ordered by nid. */
  readonly articles: string
  /** md5 over every article_term row as (nid, role, position, tid). */
  readonly articleTerms: string
  /** md5 over every term, media_file and redirect row, by legacy key. */
  readonly terms: string
  readonly mediaFiles: string
  readonly redirects: string
  /** md5 over every author, article_author, article_reference and menu_link row, by legacy keys. */
  readonly authors: string
  readonly articleAuthors: string
  readonly articleReferences: string
  readonly menuLinks: string
  readonly counts: {
    readonly article: number
    readonly article_term: number
    readonly term: number
    readonly media_file: number
    readonly redirect: number
    readonly author: number
    readonly article_author: number
    readonly article_reference: number
    readonly menu_link: number
  }
  /** Rows that would break "exactly once": articles per nid > 1, the same term twice in a role. */
  readonly duplicates: { readonly articles: number; readonly articleTerms: number }
}

const SNAPSHOT_SQL = `
SELECT
  (SELECT md5(coalesce(string_agg(legacy_nid || ':' || content_hash, ',' ORDER BY legacy_nid), ''))
     FROM article WHERE site = $1) AS articles,
  (SELECT md5(coalesce(string_agg(concat_ws(':', a.legacy_nid, at.role, at.position, t.legacy_tid), ','
            ORDER BY a.legacy_nid, at.role, at.position), ''))
     FROM article_term at JOIN article a ON a.id = at.article_id JOIN term t ON t.id = at.term_id
     WHERE a.site = $1) AS article_terms,
  (SELECT md5(coalesce(string_agg(concat_ws(':', legacy_tid, vocabulary, name), ',' ORDER BY legacy_tid), ''))
     FROM term WHERE site = $1) AS terms,
  (SELECT md5(coalesce(string_agg(concat_ws(':', legacy_fid, uri, url, filename, mime, size), ','
            ORDER BY legacy_fid), ''))
     FROM media_file WHERE site = $1) AS media_files,
  (SELECT md5(coalesce(string_agg(concat_ws(':', r.source_path, r.language, r.legacy_nid, a.legacy_nid), ','
            ORDER BY r.source_path, r.language), ''))
     FROM redirect r JOIN article a ON a.id = r.article_id WHERE r.site = $1) AS redirects,
  (SELECT md5(coalesce(string_agg(concat_ws(':', u.legacy_uid, u.name, u.display_name, u.status, f.legacy_fid), ','
            ORDER BY u.legacy_uid), ''))
     FROM author u LEFT JOIN media_file f ON f.id = u.picture_file_id WHERE u.site = $1) AS authors,
  (SELECT md5(coalesce(string_agg(concat_ws(':', a.legacy_nid, aa.role, aa.position, u.legacy_uid), ','
            ORDER BY a.legacy_nid, aa.role, aa.position), ''))
     FROM article_author aa JOIN article a ON a.id = aa.article_id JOIN author u ON u.id = aa.author_id
     WHERE a.site = $1) AS article_authors,
  (SELECT md5(coalesce(string_agg(concat_ws(':', a.legacy_nid, r.field, r.delta, r.kind, r.target_legacy_id,
              'a' || ta.legacy_nid, 'u' || tu.legacy_uid, 't' || tt.legacy_tid), ','
            ORDER BY a.legacy_nid, r.field, r.delta), ''))
     FROM article_reference r JOIN article a ON a.id = r.article_id
       LEFT JOIN article ta ON ta.id = r.target_article_id LEFT JOIN author tu ON tu.id = r.target_author_id
       LEFT JOIN term tt ON tt.id = r.target_term_id
     WHERE a.site = $1) AS article_references,
  (SELECT md5(coalesce(string_agg(concat_ws(':', m.legacy_mlid, m.menu, m.legacy_plid, 'p' || p.legacy_mlid,
              m.weight, m.title, m.hidden, m.expanded, m.link_path, m.external, 'a' || a.legacy_nid, m.url), ','
            ORDER BY m.legacy_mlid), ''))
     FROM menu_link m LEFT JOIN menu_link p ON p.id = m.parent_id LEFT JOIN article a ON a.id = m.article_id
     WHERE m.site = $1) AS menu_links,
  (SELECT count(*)::int FROM article WHERE site = $1) AS n_article,
  (SELECT count(*)::int FROM article_term at JOIN article a ON a.id = at.article_id WHERE a.site = $1)
    AS n_article_term,
  (SELECT count(*)::int FROM term WHERE site = $1) AS n_term,
  (SELECT count(*)::int FROM media_file WHERE site = $1) AS n_media_file,
  (SELECT count(*)::int FROM redirect WHERE site = $1) AS n_redirect,
  (SELECT count(*)::int FROM author WHERE site = $1) AS n_author,
  (SELECT count(*)::int FROM article_author aa JOIN article a ON a.id = aa.article_id WHERE a.site = $1)
    AS n_article_author,
  (SELECT count(*)::int FROM article_reference r JOIN article a ON a.id = r.article_id WHERE a.site = $1)
    AS n_article_reference,
  (SELECT count(*)::int FROM menu_link WHERE site = $1) AS n_menu_link,
  (SELECT count(*)::int - count(DISTINCT legacy_nid)::int FROM article WHERE site = $1) AS dup_articles,
  (SELECT count(*)::int FROM (
     SELECT 1 FROM article_term at JOIN article a ON a.id = at.article_id WHERE a.site = $1
     GROUP BY at.article_id, at.role, at.term_id HAVING count(*) > 1) d) AS dup_article_terms`

/** Read the snapshot of one site on a target database. */
export async function snapshotTarget(url: string, site = 'bne'): Promise<TargetSnapshot> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<Record<string, string | number>>(SNAPSHOT_SQL, [site])
    const r = rows[0] ?? {}
    return {
      articles: String(r.articles),
      articleTerms: String(r.article_terms),
      terms: String(r.terms),
      mediaFiles: String(r.media_files),
      redirects: String(r.redirects),
      authors: String(r.authors),
      articleAuthors: String(r.article_authors),
      articleReferences: String(r.article_references),
      menuLinks: String(r.menu_links),
      counts: {
        article: Number(r.n_article),
        article_term: Number(r.n_article_term),
        term: Number(r.n_term),
        media_file: Number(r.n_media_file),
        redirect: Number(r.n_redirect),
        author: Number(r.n_author),
        article_author: Number(r.n_article_author),
        article_reference: Number(r.n_article_reference),
        menu_link: Number(r.n_menu_link),
      },
      duplicates: { articles: Number(r.dup_articles), articleTerms: Number(r.dup_article_terms) },
    }
  } finally {
    await client.end()
  }
}

/** The keys on which two snapshots differ (empty when the targets are equal). */
export function diffSnapshots(actual: TargetSnapshot, expected: TargetSnapshot): string[] {
  const out: string[] = []
  for (const key of [
    'articles',
    'articleTerms',
    'terms',
    'mediaFiles',
    'redirects',
    'authors',
    'articleAuthors',
    'articleReferences',
    'menuLinks',
  ] as const) {
    if (actual[key] !== expected[key]) out.push(`${key} checksum`)
  }
  for (const [table, n] of Object.entries(actual.counts)) {
    const want = expected.counts[table as keyof TargetSnapshot['counts']]
    if (n !== want) out.push(`${table} ${n} rows, expected ${want}`)
  }
  if (actual.duplicates.articles > 0) out.push(`${actual.duplicates.articles} duplicate article(s)`)
  if (actual.duplicates.articleTerms > 0) out.push(`${actual.duplicates.articleTerms} duplicate term link(s)`)
  return out
}

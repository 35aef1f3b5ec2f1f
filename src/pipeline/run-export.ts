import { explainTargetError, openTarget } from '../load/target-db.js'
import { type Article, ArticleSchema } from '../model/article.js'

/**
 * `dhm export`: the migrated articles of one site, read back from the target's `document` column,
 * in legacy nid order, one at a time (a cursor-like page loop, so memory stays flat). Keys come in
 * the model's order (jsonb keeps its own: by key length), as the schema's parse gives them.
 */
export async function* exportArticles(opts: {
  readonly targetUrl: string
  readonly site: string
  readonly ids?: readonly number[]
  readonly pageSize?: number
}): AsyncGenerator<Article> {
  const target = await openTarget(opts.targetUrl)
  const pageSize = opts.pageSize ?? 1000
  try {
    let after = 0
    for (;;) {
      const { rows } = await target.pool
        .query<{ legacy_nid: number; document: Article }>(
          `SELECT legacy_nid, document FROM article
           WHERE site = $1 AND deleted_at IS NULL AND legacy_nid > $2 AND ($3::int[] IS NULL OR legacy_nid = ANY($3::int[]))
           ORDER BY legacy_nid LIMIT $4`,
          [opts.site, after, opts.ids ? [...opts.ids] : null, pageSize],
        )
        .catch((error: unknown) => {
          // e.g. 42P01: a target dhm never migrated into; said as status and verify say it.
          throw explainTargetError(error, opts.targetUrl)
        })
      for (const r of rows) {
        const inModelOrder = ArticleSchema.safeParse(r.document)
        yield inModelOrder.success ? inModelOrder.data : r.document
      }
      if (rows.length < pageSize) return
      after = rows[rows.length - 1]?.legacy_nid ?? after
    }
  } finally {
    await target.close()
  }
}

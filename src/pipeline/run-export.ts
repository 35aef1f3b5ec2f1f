import { type MenuTree, readMenuTrees } from '../load/read-menu-tree.js'
import { readTargetArticles } from '../load/read-target-articles.js'
import { explainTargetError, openTarget } from '../load/target-db.js'
import { type Article, ArticleSchema } from '../model/article.js'

/**
 * `dhm export`: the migrated articles of one site as the target holds them (columns, term links,
 * files and redirects, rebuilt by the same reader `dhm verify` compares), in legacy nid order, a
 * page at a time, so memory stays flat. Keys come in the model's order, as the schema's parse
 * gives them.
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
      const page = await readTargetArticles(target.pool, {
        site: opts.site,
        after,
        ids: opts.ids ?? null,
        limit: pageSize,
        liveOnly: true,
      }).catch((error: unknown) => {
        // e.g. 42P01: a target dhm never migrated into; said as status and verify say it.
        throw explainTargetError(error, opts.targetUrl)
      })
      for (const { article } of page) {
        const inModelOrder = ArticleSchema.safeParse(article)
        yield inModelOrder.success ? inModelOrder.data : article
      }
      if (page.length < pageSize) return
      after = page[page.length - 1]?.legacyNid ?? after
    }
  } finally {
    await target.close()
  }
}

/** `dhm export --menus`: the site's menus (mapping key `menus`) as trees, one per menu. */
export async function exportMenus(opts: {
  readonly targetUrl: string
  readonly site: string
}): Promise<MenuTree[]> {
  const target = await openTarget(opts.targetUrl)
  try {
    return await readMenuTrees(target.pool, opts.site).catch((error: unknown) => {
      throw explainTargetError(error, opts.targetUrl)
    })
  } finally {
    await target.close()
  }
}

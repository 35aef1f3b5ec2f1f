import { classifyHref, HREF } from '../../body-scan/links.js'
import type { D7Links } from '../../extract/d7-types.js'
import type { CountFn } from './content-tally.js'
import { encodeUrlPath, escapeHtml } from './html-escape.js'
import { replaceChanged } from './replace-changed.js'

// The href scanner lives in body-scan/ (the extractor's look-ups use it too).
export { classifyHref, findLinkTargets } from '../../body-scan/links.js'

/**
 * Links inside bodies to Drupal's own URLs — `/node/123`, `node/123`, an old alias such as
 * `/news/2019/01/old-title` (or the same on the site's own host) — rewritten to the new article's
 * URL. External links are never touched; links to nodes that are not migrated are left and reported.
 */
export interface LinkOptions {
  /** The new URL of an article: `{slug}` and `{nid}` are replaced, e.g. `/{slug}` or `/articles/{nid}`. */
  readonly pattern: string
  /** Host names of the old site (`www.example.com`): absolute links to them count as internal. */
  readonly siteHosts: readonly string[]
}

/**
 * Rewrite internal links to the new URLs. Each changed link is counted (`link-node` for a node
 * path, `link-alias` for an old alias); links to nodes that exist but are not migrated
 * (`link-unmigrated`), to nodes that do not exist (`link-missing-node`), to migrated nodes
 * without a slug (`link-without-slug`) or to old-site paths that are no alias (`link-unknown-path`)
 * are left as they are and counted. A link already pointing at
 * the new URL is left alone. Returns the input itself when no link changed.
 *
 * The slug is percent-encoded per path segment and the whole URL escaped for the attribute, so an
 * alias such as `a" onmouseover="alert(1)` stays the href's text, with or without sanitizing.
 */
export function rewriteBodyLinks(html: string, links: D7Links, opts: LinkOptions, count: CountFn): string {
  if (!html.includes('href')) return html
  return replaceChanged(html, HREF, (m) => {
    const [whole, head = '', quote = '', href = ''] = m
    const t = classifyHref(href, opts.siteHosts)
    if (t === null) return whole
    const nid = t.kind === 'nid' ? t.nid : links.byAlias[t.alias.toLowerCase()]
    if (nid === undefined) {
      // A path on the old site that is no alias we know (a static page, a view, a broken link).
      count('link-unknown-path', href)
      return whole
    }
    const target = links.byNid[nid]
    if (!target) {
      count('link-missing-node', href)
      return whole
    }
    if (!target.migrated) {
      count('link-unmigrated', `${href} (${target.type} ${nid})`)
      return whole
    }
    if (target.slug === null && opts.pattern.includes('{slug}')) {
      count('link-without-slug', href)
      return whole
    }
    const slug = target.slug === null ? '' : encodeUrlPath(target.slug)
    const url = `${opts.pattern.replaceAll('{slug}', slug).replaceAll('{nid}', String(nid))}${t.rest}`
    const value = escapeHtml(url)
    if (value === href) return whole
    count(t.kind === 'nid' ? 'link-node' : 'link-alias', `${href} → ${url}`)
    return `${head}${quote}${value}${quote}`
  })
}

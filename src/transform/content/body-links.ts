import { decodeHTMLAttribute } from 'entities'
import type { D7Links } from '../../extract/d7-types.js'
import type { CountFn } from './content-tally.js'
import { encodeUrlPath, escapeHtml } from './html-escape.js'

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

const HREF = /(\shref\s*=\s*)(["'])([^"']*)\2/gi

type Target =
  | { readonly kind: 'nid'; readonly nid: number; readonly rest: string }
  | { readonly kind: 'alias'; readonly alias: string; readonly rest: string }
  | null

/**
 * What an href points at: a node path, a possible alias (relative path), or nothing internal.
 * `href` is the attribute as written (entities decoded here); `rest` is its decoded query/fragment.
 */
export function classifyHref(href: string, siteHosts: readonly string[]): Target {
  let path = decodeHTMLAttribute(href.trim())
  if (path === '' || path.startsWith('#')) return null
  const absolute = /^(?:[a-z][a-z0-9+.-]*:)?\/\/([^/?#]+)(.*)$/i.exec(path)
  if (absolute) {
    const host = (absolute[1] ?? '').toLowerCase()
    if (!siteHosts.some((h) => h.toLowerCase() === host)) return null
    path = absolute[2] ?? ''
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
    return null // mailto:, tel:, javascript: …
  }
  const split = /^([^?#]*)(.*)$/.exec(path)
  const bare = (split?.[1] ?? '').replace(/^\/+/, '').replace(/\/+$/, '')
  const rest = split?.[2] ?? ''
  if (bare === '') return null
  const node = /^node\/(\d+)$/i.exec(bare)
  if (node) return { kind: 'nid', nid: Number(node[1]), rest }
  // Drupal's own system paths and files are not aliases.
  if (/^(node|sites|files|system|user|taxonomy|admin|misc|modules|themes)(\/|$)/i.test(bare)) return null
  return { kind: 'alias', alias: safeDecode(bare), rest }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** The node ids and candidate aliases the links of `html` point at (for the extractor's bulk lookups). */
export function findLinkTargets(
  html: string,
  siteHosts: readonly string[],
): { readonly nids: number[]; readonly aliases: string[] } {
  const nids: number[] = []
  const aliases: string[] = []
  if (!html.includes('href')) return { nids, aliases }
  // exec in a loop, not matchAll (which copies the regex on every call).
  HREF.lastIndex = 0
  for (let m = HREF.exec(html); m !== null; m = HREF.exec(html)) {
    const t = classifyHref(m[3] ?? '', siteHosts)
    if (t?.kind === 'nid') nids.push(t.nid)
    else if (t?.kind === 'alias') aliases.push(t.alias)
  }
  return { nids, aliases }
}

/**
 * Rewrite internal links to the new URLs. Each changed link is counted (`link-node` for a node
 * path, `link-alias` for an old alias); links to nodes that exist but are not migrated
 * (`link-unmigrated`), to nodes that do not exist (`link-missing-node`) or to migrated nodes
 * without a slug (`link-without-slug`) are left as they are and counted. A link already pointing at
 * the new URL is left alone. Returns the input itself when no link changed.
 *
 * The slug is percent-encoded per path segment and the whole URL escaped for the attribute, so an
 * alias such as `a" onmouseover="alert(1)` stays the href's text, with or without sanitizing.
 */
export function rewriteBodyLinks(html: string, links: D7Links, opts: LinkOptions, count: CountFn): string {
  if (!html.includes('href')) return html
  return html.replace(HREF, (whole, head: string, quote: string, href: string) => {
    const t = classifyHref(href, opts.siteHosts)
    if (t === null) return whole
    const nid = t.kind === 'nid' ? t.nid : links.byAlias[t.alias.toLowerCase()]
    if (nid === undefined) return whole // a path that is no alias we know (e.g. a static page)
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

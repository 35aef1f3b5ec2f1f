import { decodeHTMLAttribute } from 'entities'

/*
 * Scanners of a D7 body's text that both the extractor (which nodes and aliases its links point at,
 * looked up in bulk per batch) and the transform (which rewrites them) need: a leaf module, so
 * that extract does not import transform.
 */

/** An href attribute: (head)(quote)(value). */
export const HREF = /(\shref\s*=\s*)(["'])([^"']*)\2/gi

export type LinkTarget =
  | { readonly kind: 'nid'; readonly nid: number; readonly rest: string }
  | { readonly kind: 'alias'; readonly alias: string; readonly rest: string }
  | null

/**
 * What an href points at: a node path, a possible alias (relative path), or nothing internal.
 * `href` is the attribute as written (entities decoded here); `rest` is its decoded query/fragment.
 */
export function classifyHref(href: string, siteHosts: readonly string[]): LinkTarget {
  // The extractor (its look-ups) and the transform (its rewrite) classify the same hrefs of a batch,
  // one after the other: the second asks the memo. Targets are immutable, so they can be shared.
  if (!sameHosts(siteHosts, memoHosts)) {
    memo.clear()
    memoHosts = siteHosts
  }
  let t = memo.get(href)
  if (t === undefined) {
    if (memo.size >= MEMO_SIZE) memo.clear()
    t = classifyOnce(href, siteHosts)
    memo.set(href, t)
  }
  return t
}

/** Hrefs remembered (a batch's worth of links, twice over); then the memo starts again. */
const MEMO_SIZE = 20_000
const memo = new Map<string, LinkTarget>()
let memoHosts: readonly string[] = []

function sameHosts(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function classifyOnce(href: string, siteHosts: readonly string[]): LinkTarget {
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

import type { D7Metatags } from '../extract/d7-types.js'
import type { Seo } from '../model/article.js'

/** What tokens in metatag values are replaced with: the article's own values, as mapped. */
export interface SeoContext {
  readonly nid: number
  readonly title: string | null
  readonly summary: string | null
  readonly slug: string | null
  readonly imageUrl: string | null
  /** The node field the mapping's `image` reads (`[node:<field>]` is the image's URL). */
  readonly imageField: string | null
  readonly baseUrl: string
  readonly siteName: string
}

const TAGS: readonly [keyof Seo, string][] = [
  ['title', 'title'],
  ['description', 'description'],
  ['canonical', 'canonical'],
  ['robots', 'robots'],
  ['ogImage', 'og:image'],
]

const TOKEN = /\[([a-z0-9_-]+(?::[a-z0-9_-]+)*)\]/gi

/**
 * The SEO metadata of one node as Drupal's metatag module shows it: the defaults of metatag_config
 * (global, node, node:<bundle>; each overrides the one before, tag by tag), then the node's own
 * row in its language (else und), tokens replaced with the article's values; tokens dhm cannot
 * replace are removed, as Drupal's token_replace(clear) does, with a warning. Pure.
 */
export function seoOf(
  metatags: D7Metatags | undefined,
  language: string,
  ctx: SeoContext,
  warn: (reason: string) => void,
): Seo {
  const merged: Record<string, unknown> = {}
  for (const d of metatags?.defaults ?? []) Object.assign(merged, d)
  const own = metatags?.byLanguage[language] ?? metatags?.byLanguage.und
  if (own) Object.assign(merged, own)
  const cleared = new Set<string>()
  const canonical = `${ctx.baseUrl}/${ctx.slug ?? `node/${ctx.nid}`}`
  const replace = (token: string): string | null => {
    switch (token) {
      case 'node:title':
      case 'current-page:title':
        return ctx.title ?? ''
      case 'node:summary':
        return ctx.summary ?? ''
      case 'site:name':
        return ctx.siteName
      case 'site:url':
        return `${ctx.baseUrl}/`
      case 'node:url':
      case 'current-page:url':
      case 'current-page:url:absolute':
        return canonical
      default: {
        const field = /^node:([a-z0-9_]+)(?::url)?$/.exec(token)?.[1]
        if (field !== undefined && field === ctx.imageField) return ctx.imageUrl ?? ''
        return null
      }
    }
  }
  const render = (value: unknown): string | null => {
    let text: string
    if (typeof value === 'string' || typeof value === 'number') text = String(value)
    else if (value !== null && typeof value === 'object') {
      // robots: directive → the directive when set, 0 when not.
      text = Object.values(value as Record<string, unknown>)
        .filter((v) => typeof v === 'string' && v !== '' && v !== '0')
        .join(', ')
    } else return null
    const out = text
      .replace(TOKEN, (whole, token: string) => {
        const r = replace(token.toLowerCase())
        if (r === null) cleared.add(whole)
        return r ?? ''
      })
      .replace(/\s+/g, ' ')
      .trim()
    return out === '' ? null : out
  }
  const seo = Object.fromEntries(TAGS.map(([key, tag]) => [key, render(merged[tag])])) as Seo
  if (cleared.size > 0)
    warn(`metatag token(s) dhm does not replace, removed as Drupal would: ${[...cleared].join(', ')}`)
  return seo
}

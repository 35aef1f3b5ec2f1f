import { z } from 'zod'
import type { D7File, D7Links } from '../../extract/d7-types.js'
import { rewriteBodyLinks } from './body-links.js'
import type { CountFn } from './content-tally.js'
import { deriveSummary } from './derive-summary.js'
import { repairEncoding } from './encoding-repair.js'
import { type FileBaseUrls, rewriteFileUris } from './file-urls.js'
import { rewriteInlineImages } from './inline-images.js'
import { type MediaRef, rewriteMediaTokens } from './media-tokens.js'
import { plainTextToHtml } from './plain-text.js'
import { sanitizeBody } from './sanitize-html.js'
import { rewriteSiteFileLinks } from './site-file-links.js'

const NO_HOSTS: readonly string[] = []

/** Tags a news body needs; the default allowlist of `sanitize: {}`. */
export const DEFAULT_ALLOWED_TAGS = [
  'p',
  'br',
  'a',
  'strong',
  'b',
  'em',
  'i',
  'u',
  's',
  'sub',
  'sup',
  'span',
  'div',
  'ul',
  'ol',
  'li',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'q',
  'cite',
  'hr',
  'pre',
  'code',
  'table',
  'caption',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'figure',
  'figcaption',
  'img',
]
export const DEFAULT_ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title', 'target', 'rel', 'name'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  th: ['colspan', 'rowspan', 'scope'],
  td: ['colspan', 'rowspan'],
  ol: ['start', 'type'],
}

/** `{ body-html: {...} }` in a mapping: which content rules run on a body (each off unless named). */
export const BodyHtmlOptionsSchema = z.strictObject({
  /** Rewrite D7 media tokens to <figure>/<img> (or links), listed in Article.media. */
  mediaTokens: z.boolean().default(false),
  /**
   * Rewrite public:// and private:// URIs in src/href to URLs (files.*BaseUrl); drop temporary://;
   * links to /sites/<site>/files/… (relative, or on rewriteLinks.siteHosts; image-style derivatives
   * as their original) become the file's public URL too; images pasted as data: URIs point at their
   * file (`inline/<sha256>.png`, copied by `dhm files`).
   */
  fileUris: z.boolean().default(false),
  /** Rewrite /node/N, node/N and old aliases to the new article URL. */
  rewriteLinks: z
    .strictObject({
      pattern: z.string().min(1).default('/{slug}'),
      siteHosts: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  /** Sanitize every non-plain_text body against an allowlist (script, on*, javascript: always go). */
  sanitize: z
    .strictObject({
      allowedTags: z.array(z.string().min(1)).default(DEFAULT_ALLOWED_TAGS),
      allowedAttributes: z.record(z.string(), z.array(z.string().min(1))).default(DEFAULT_ALLOWED_ATTRIBUTES),
      allowedSchemes: z.array(z.string().min(1)).default(['http', 'https', 'mailto', 'tel']),
      allowedIframeHostnames: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  /** plain_text bodies become escaped HTML paragraphs (format becomes the given one). */
  plainText: z.boolean().default(false),
  /** Repair double-encoded UTF-8 and remove NULs in the body and its summary. */
  repairEncoding: z.boolean().default(false),
  /** When the body has no summary, derive one (plain text, cut at a word boundary), marked derived. */
  deriveSummary: z.strictObject({ maxLength: z.number().int().positive().default(300) }).optional(),
})
export type BodyHtmlOptions = z.infer<typeof BodyHtmlOptionsSchema>

export interface BodyInput {
  readonly value: string
  readonly summary: string | null
  readonly format: string | null
}

export interface BodyContext {
  readonly files: Readonly<Record<number, D7File>>
  readonly links: D7Links | undefined
  readonly base: FileBaseUrls
  readonly count: CountFn
  readonly warn: (message: string) => void
}

export interface BodyResult {
  readonly value: string
  readonly summary: string | null
  readonly format: string | null
  readonly summaryDerived: boolean
  /** The source value when a rule changed it, else null (the value is the original). */
  readonly original: string | null
  readonly media: readonly MediaRef[]
}

/**
 * Run the configured content rules over one body, in this order: encoding repair, plain_text →
 * HTML, media tokens, file URIs, links, sanitizing, summary. Each rule detects before it rewrites,
 * so a body no rule applies to comes back byte for byte as it went in.
 */
export function processBody(body: BodyInput, options: BodyHtmlOptions, ctx: BodyContext): BodyResult {
  let value = body.value
  let format = body.format
  let summary = body.summary
  if (options.repairEncoding) {
    value = repairEncoding(value, ctx.count)
    if (summary !== null) summary = repairEncoding(summary, ctx.count)
  }
  const isPlain = format === 'plain_text'
  if (isPlain && options.plainText && value !== '') {
    value = plainTextToHtml(value)
    format = 'html'
    ctx.count('plain-text', body.value)
  }
  let media: readonly MediaRef[] = []
  if (options.mediaTokens) {
    const r = rewriteMediaTokens(value, ctx.files, ctx.base, ctx.count)
    value = r.html
    media = r.media
  }
  if (options.fileUris) {
    value = rewriteFileUris(value, ctx.base, ctx.count)
    value = rewriteSiteFileLinks(value, ctx.base, options.rewriteLinks?.siteHosts ?? NO_HOSTS, ctx.count)
    value = rewriteInlineImages(value, ctx.base, ctx.count)
  }
  if (options.rewriteLinks) {
    if (ctx.links) value = rewriteBodyLinks(value, ctx.links, options.rewriteLinks, ctx.count)
    else ctx.warn('links were not resolved by the extractor; body links left as they are')
  }
  if (options.sanitize && !(isPlain && !options.plainText))
    value = sanitizeBody(value, options.sanitize, ctx.count)
  let summaryDerived = false
  if (options.deriveSummary && (summary === null || summary.trim() === '')) {
    const derived = deriveSummary(value, options.deriveSummary.maxLength)
    if (derived !== null) {
      summary = derived
      summaryDerived = true
      ctx.count('summary-derived', derived)
    }
  }
  return {
    value,
    summary,
    format,
    summaryDerived,
    original: value === body.value ? null : body.value,
    media,
  }
}

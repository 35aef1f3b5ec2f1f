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

// The argument's schema is mapping language (mapping/body-html-options.ts): the extractor reads it too.
export {
  type BodyHtmlOptions,
  BodyHtmlOptionsSchema,
  DEFAULT_ALLOWED_ATTRIBUTES,
  DEFAULT_ALLOWED_TAGS,
} from '../../mapping/body-html-options.js'

import type { BodyHtmlOptions } from '../../mapping/body-html-options.js'

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

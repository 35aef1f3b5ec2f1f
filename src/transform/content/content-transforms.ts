import { TransformError } from '../../errors.js'
import type { Body } from '../../model/article.js'
import type { TransformContext, TransformDef } from '../registry.js'
import { type BodyHtmlOptions, BodyHtmlOptionsSchema, processBody } from './body-html.js'
import { repairEncoding } from './encoding-repair.js'

/**
 * The content-fidelity transforms of the registry (`body-html`, `repair-encoding`): thin adapters
 * from a pipeline value and the TransformContext to the pure functions of this folder.
 */

// compileMapping validates a transform's argument but hands the raw value on: parse once per mapping.
const parsedOptions = new WeakMap<object, BodyHtmlOptions>()
function bodyHtmlOptions(arg: unknown): BodyHtmlOptions {
  const key = arg !== null && typeof arg === 'object' ? arg : null
  const cached = key ? parsedOptions.get(key) : undefined
  if (cached) return cached
  const options = BodyHtmlOptionsSchema.parse(arg ?? {})
  if (key) parsedOptions.set(key, options)
  return options
}

const noCount = () => undefined

export const BODY_HTML: TransformDef = {
  description:
    'a text item ({ value, summary, format }) → the same with the content rules the argument enables: mediaTokens, fileUris, rewriteLinks, sanitize, plainText, repairEncoding, deriveSummary (see mappings/README.md); sets bodyOriginal and media',
  mode: 'each',
  arg: BodyHtmlOptionsSchema,
  apply: (v, arg, ctx: TransformContext): Body | null => {
    if (v === null || v === undefined) return null
    if (typeof v !== 'object' || Array.isArray(v) || typeof (v as { value?: unknown }).value !== 'string') {
      throw new TransformError('body-html expects a text item: put text-with-summary before it', v)
    }
    const body = v as { value: string; summary: string | null; format: string | null }
    const result = processBody(
      { value: body.value, summary: body.summary ?? null, format: body.format ?? null },
      bodyHtmlOptions(arg),
      {
        files: ctx.node.files,
        links: ctx.node.links,
        base: ctx.files,
        count: ctx.count ?? noCount,
        warn: (m) => ctx.warn(m),
      },
    )
    ctx.emit?.('bodyOriginal', result.original)
    ctx.emit?.('media', result.media)
    return {
      value: result.value,
      summary: result.summary,
      format: result.format,
      summaryDerived: result.summaryDerived,
    }
  },
}

export const REPAIR_ENCODING: TransformDef = {
  description:
    'repair a string: double-encoded UTF-8 ("Ã©" → "é") when unambiguous, NUL characters removed, invalid sequences replaced; each repair counted',
  mode: 'each',
  apply: (v, _arg, ctx) => (typeof v === 'string' ? repairEncoding(v, ctx.count ?? noCount) : v),
}

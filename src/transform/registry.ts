import type { z } from 'zod'
import { TransformError } from '../errors.js'
import type { D7DateField, D7FieldItem, D7File, D7NodeBundle, D7Value } from '../extract/d7-types.js'
import { asPhpRecord, readPhpSerialized } from '../extract/php-unserialize.js'
import { TRANSFORM_ARGS } from '../mapping/transform-catalog.js'
import type { Attachment, Body, FileRef, Image, Link, TermRef } from '../model/article.js'
import { BODY_HTML, REPAIR_ENCODING } from './content/content-transforms.js'
import { type FileBaseUrls, publishedFileUrl } from './content/file-urls.js'
import { htmlToText } from './content/html-text.js'
import { readDateField } from './date-field.js'

/**
 * Named, pure transforms a mapping chains in `using:`. A pipeline starts from the list of values a
 * source path yields (one per delta; one for node.* columns). `each` transforms apply to every
 * element of a list (or to a scalar); `list` transforms see the whole list.
 */
export interface TransformContext {
  readonly node: D7NodeBundle
  readonly files: FileBaseUrls
  /** The field the current pipeline reads (`list-label` looks up its allowed values), null for node.* paths. */
  readonly field?: string | null
  /** Record a caveat on a row that is still loaded (e.g. a referenced file that does not exist). */
  warn(message: string): void
  /** Count a deliberate content change (or a content problem) by rule, for the run report. */
  count?(rule: string, example?: string): void
  /** Set another article attribute as a by-product (body-html sets bodyOriginal and media). */
  emit?(attribute: string, value: unknown): void
}

export interface TransformDef {
  readonly description: string
  readonly mode: 'each' | 'list'
  /** Argument schema, for transforms written `{ name: arg }`; absent = takes no argument. */
  readonly arg?: z.ZodType
  apply(value: unknown, arg: unknown, ctx: TransformContext): unknown
}

/** `date-field` on a field field_config does not describe: UTC, every part, end dates read. */
const UNKNOWN_DATE_FIELD: D7DateField = {
  type: 'datetime',
  tzHandling: 'utc',
  granularity: ['year', 'month', 'day', 'hour', 'minute', 'second'],
  todate: 'optional',
  siteTimeZone: 'UTC',
}

const isEmpty = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '')

function toInt(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null
  const n = typeof v === 'number' ? v : Number(v)
  if (!Number.isInteger(n)) throw new TransformError(`expected an integer, got ${JSON.stringify(v)}`, v)
  return n
}

function resolveFile(fidValue: unknown, ctx: TransformContext): FileRef | null {
  const fid = toInt(fidValue)
  if (fid === null || fid === 0) return null
  const file: D7File | undefined = ctx.node.files[fid]
  if (!file) {
    ctx.warn(`file ${fid} is referenced but missing from file_managed; kept as null`)
    return null
  }
  if (file.uri.trim() === '') {
    ctx.warn(`file ${fid} has an empty uri in file_managed; kept as null`)
    return null
  }
  if (file.uri.startsWith('temporary://')) {
    ctx.warn(`file ${fid} is temporary (${file.uri}) and is never published; kept as null`)
    return null
  }
  return {
    fid,
    uri: file.uri,
    url: publishedFileUrl(file.uri, ctx.files),
    filename: file.filename,
    mime: file.filemime,
    size: Number(file.filesize),
  }
}

function resolveTerms(v: unknown, ctx: TransformContext): TermRef[] {
  const out: TermRef[] = []
  for (const raw of Array.isArray(v) ? v : [v]) {
    const tid = toInt(raw)
    if (tid === null || tid === 0) continue
    const term = ctx.node.terms[tid]
    if (!term) {
      ctx.warn(`term ${tid} is referenced but missing from taxonomy_term_data; dropped`)
      continue
    }
    if (term.name.trim() === '') {
      ctx.warn(`term ${tid} has an empty name in taxonomy_term_data; dropped`)
      continue
    }
    if (!out.some((t) => t.tid === tid)) out.push({ tid, name: term.name, vocabulary: term.vocabulary })
  }
  return out
}

/** Unix seconds or a date string → ISO 8601 UTC (date strings without an offset read as UTC). */
function toIsoDate(v: unknown): string | null {
  if (v === null || v === undefined || v === '' || v === 0 || v === '0') return null
  // Unix seconds as a number (node.created, publication dates): one Date, no string tests.
  if (typeof v === 'number' && Number.isInteger(v)) return isoSeconds(v * 1000, v)
  // MySQL's zero date ('0000-00-00', '0000-00-00 00:00:00') means "no date".
  if (typeof v === 'string' && /^0000-00-00/.test(v)) return null
  const n = typeof v === 'number' ? v : /^-?\d+$/.test(String(v)) ? Number(v) : Number.NaN
  const ms = Number.isFinite(n)
    ? n * 1000
    : Date.parse(`${String(v).replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? '' : 'Z'}`)
  if (!Number.isFinite(ms)) throw new TransformError(`not a date: ${JSON.stringify(v)}`, v)
  return isoSeconds(ms, v)
}

/**
 * ISO 8601 UTC to the second ("2023-09-30T18:53:20Z"). A time beyond what a Date holds (±275,760
 * years) is not a date: a TransformError that rejects the row, not a RangeError that stops the run.
 */
function isoSeconds(ms: number, source: unknown): string {
  // A whole second of years 1970–9999 (every D7 timestamp): the day's text from a memo, the time of
  // day from two-digit strings. A Date and its toISOString per date cost 5× as much, three times
  // an article.
  if (ms >= 0 && ms < YEAR_10000_MS && ms % 1000 === 0) {
    const day = Math.floor(ms / DAY_MS)
    const seconds = (ms - day * DAY_MS) / 1000
    return `${isoDay(day)}${TWO_DIGITS[(seconds / 3600) | 0]}:${TWO_DIGITS[((seconds % 3600) / 60) | 0]}:${TWO_DIGITS[seconds % 60]}Z`
  }
  const date = new Date(ms)
  if (Number.isNaN(date.getTime())) throw new TransformError(`not a date: ${JSON.stringify(source)}`, source)
  const iso = date.toISOString()
  // toISOString always writes milliseconds: ".000Z" for whole seconds.
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso.replace(/\.\d{3}Z$/, 'Z')
}

const DAY_MS = 86_400_000
const YEAR_10000_MS = 253_402_300_800_000
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))
/** Days since 1970 → "YYYY-MM-DDT" (a run's dates fall on a few thousand days). */
const isoDays = new Map<number, string>()

function isoDay(day: number): string {
  let text = isoDays.get(day)
  if (text === undefined) {
    if (isoDays.size >= 100_000) isoDays.clear()
    text = new Date(day * DAY_MS).toISOString().slice(0, 11)
    isoDays.set(day, text)
  }
  return text
}

function asItem(v: unknown): D7FieldItem['values'] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new TransformError(
      'expected a whole field item (map the field without a column, e.g. from: body)',
      v,
    )
  }
  return v as D7FieldItem['values']
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

/** A reference value: a scalar id, or a whole field item holding it under one of `columns`. */
function refId(v: unknown, columns: readonly string[]): number | null {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const item = v as Record<string, unknown>
    const column = columns.find((c) => item[c] !== null && item[c] !== undefined)
    return column === undefined ? null : toInt(item[column])
  }
  return toInt(v)
}

/** A node referenced by a node_reference (`nid`) or entityreference (`target_id`) field. */
export interface NodeRefValue {
  readonly nid: number
  readonly slug: string | null
}

/** A user referenced by a user_reference (`uid`) field or node.uid. */
export interface UserRefValue {
  readonly uid: number
  readonly name: string
}

export const TRANSFORMS: Readonly<Record<string, TransformDef>> = {
  first: {
    description: 'the first value (lowest delta), or null when there is none',
    mode: 'list',
    apply: (v) => (Array.isArray(v) ? (v[0] ?? null) : v),
  },
  last: {
    description: 'the last value, or null',
    mode: 'list',
    apply: (v) => (Array.isArray(v) ? (v.at(-1) ?? null) : v),
  },
  compact: {
    description: 'drop null and empty values from a list',
    mode: 'list',
    apply: (v) => (Array.isArray(v) ? v.filter((x) => !isEmpty(x)) : v),
  },
  join: {
    description: 'join a list into one string with the given separator; null when empty',
    mode: 'list',
    arg: TRANSFORM_ARGS.join,
    apply: (v, sep) => {
      const list = (Array.isArray(v) ? v : [v]).filter((x) => !isEmpty(x)).map(String)
      return list.length ? list.join(sep as string) : null
    },
  },
  split: {
    description: 'split a string into a list on the given separator, trimming the parts',
    mode: 'list',
    arg: TRANSFORM_ARGS.split,
    apply: (v, sep) =>
      (Array.isArray(v) ? v : [v])
        .filter((x) => !isEmpty(x))
        .flatMap((x) => String(x).split(sep as string))
        .map((s) => s.trim())
        .filter((s) => s !== ''),
  },
  trim: {
    description: 'remove leading and trailing white space',
    mode: 'each',
    apply: (v) => (typeof v === 'string' ? v.trim() : v),
  },
  'empty-to-null': {
    description: 'an empty or blank string becomes null',
    mode: 'each',
    apply: (v) => (isEmpty(v) ? null : v),
  },
  'zero-to-null': {
    description: '0 or "0" becomes null (Drupal stores "no date" as 0)',
    mode: 'each',
    apply: (v) => (v === 0 || v === '0' ? null : v),
  },
  int: {
    description: 'an integer (from a number or a numeric string)',
    mode: 'each',
    apply: (v) => toInt(v),
  },
  boolean: {
    description: '1/"1"/true → true, 0/"0"/false/"" → false, null stays null',
    mode: 'each',
    apply: (v) => {
      if (v === null || v === undefined) return null
      if (v === true || v === 1 || v === '1') return true
      if (v === false || v === 0 || v === '0' || v === '') return false
      throw new TransformError(`expected 0 or 1, got ${JSON.stringify(v)}`, v)
    },
  },
  date: {
    description:
      'a date field value → ISO 8601 UTC: unix time (datestamp), "YYYY-MM-DD HH:MM:SS" (datetime) or "YYYY-MM-DDTHH:MM:SS" (date, varchar), read as UTC; empty → null',
    mode: 'each',
    apply: (v) => toIsoDate(v),
  },
  'date-field': {
    description:
      "a date module field item (datetime, datestamp, date) → { start, end, timeZone }: ISO 8601 UTC instants read as the field stores them (tz_handling, the value's own zone, the site's date_default_timezone), or the date alone (YYYY-MM-DD, YYYY-MM, YYYY) when its granularity has no hour; end from value2 (null without one); map the whole item: { from: field_when, using: [first, date-field] }",
    mode: 'each',
    apply: (v, _arg, ctx) => {
      if (v === null || v === undefined) return null
      const item =
        typeof v === 'object' && !Array.isArray(v) ? (v as D7FieldItem['values']) : { value: v as D7Value }
      const settings = ctx.field ? ctx.node.dateFields?.[ctx.field] : undefined
      if (!settings) {
        ctx.warn(`field ${ctx.field ?? '(none)'} is not a date module field in field_config; read as UTC`)
        return readDateField(item, UNKNOWN_DATE_FIELD)
      }
      return readDateField(item, settings)
    },
  },
  link: {
    description:
      'a link field item → { url, title, attributes } (attributes: the PHP-serialized array, unserialized); no url → null',
    mode: 'each',
    apply: (v): Link | null => {
      if (v === null) return null
      const item = asItem(v)
      const url = str(item.url)?.trim()
      if (!url) return null
      const title = str(item.title)
      return {
        url,
        title: title === null || title.trim() === '' ? null : title,
        attributes: asPhpRecord(readPhpSerialized(str(item.attributes))),
      }
    },
  },
  timestamp: {
    description:
      'unix seconds (or a date string) → ISO 8601 UTC; 0 and null → null; a negative unix time (-1: a D7 sentinel) → null with a warning',
    mode: 'each',
    apply: (v, _arg, ctx) => {
      const n = typeof v === 'number' ? v : /^-\d+$/.test(String(v)) ? Number(v) : 0
      if (n < 0) {
        ctx.warn(`negative unix time ${n} is not a date; treated as none`)
        return null
      }
      return toIsoDate(v)
    },
  },
  'static-map': {
    description:
      'replace a value by looking it up in a table; unknown values fail unless the table has a "*" key',
    mode: 'each',
    arg: TRANSFORM_ARGS['static-map'],
    apply: (v, table) => {
      const t = table as Record<string, unknown>
      const key = String(v)
      if (key in t) return t[key]
      if ('*' in t) return t['*']
      throw new TransformError(`no static-map entry for ${JSON.stringify(v)}`, v)
    },
  },
  'strip-html': {
    description:
      'HTML → plain text for callouts and teasers: tags and script/style dropped, entities decoded, no-break spaces made spaces; never markup (&lt;b&gt; does not become a tag)',
    mode: 'each',
    apply: (v) => (typeof v === 'string' ? htmlToText(v).replaceAll('\u00a0', ' ') : v),
  },
  truncate: {
    description: 'cut a string to at most N characters at a word boundary, adding …',
    mode: 'each',
    arg: TRANSFORM_ARGS.truncate,
    apply: (v, n) => {
      if (typeof v !== 'string') return v
      const chars = [...v]
      const max = n as number
      if (chars.length <= max) return v
      const cut = chars.slice(0, max - 1).join('')
      const space = cut.lastIndexOf(' ')
      return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`
    },
  },
  terms: {
    description:
      'term ids → [{ tid, name, vocabulary }] in delta order; unknown terms are dropped with a warning',
    mode: 'list',
    apply: (v, _arg, ctx) => resolveTerms(v, ctx),
  },
  'term-name': {
    description: 'term ids → term names',
    mode: 'list',
    apply: (v, _arg, ctx) => resolveTerms(v, ctx).map((t) => t.name),
  },
  file: {
    description:
      'a file id → { fid, uri, url, filename, mime, size } (null for missing or temporary:// files)',
    mode: 'each',
    apply: (v, _arg, ctx) => resolveFile(v, ctx),
  },
  image: {
    description: 'an image field item → { file, alt, title, width, height } (caption/credit set separately)',
    mode: 'each',
    apply: (v, _arg, ctx): Image | null => {
      if (v === null) return null
      const item = asItem(v)
      return {
        file: resolveFile(item.fid, ctx),
        caption: null,
        credit: null,
        alt: str(item.alt),
        title: str(item.title),
        width: toInt(item.width),
        height: toInt(item.height),
      }
    },
  },
  attachment: {
    description: 'a file field item → { file, description }',
    mode: 'each',
    apply: (v, _arg, ctx): Attachment | null => {
      if (v === null) return null
      const item = asItem(v)
      return { file: resolveFile(item.fid, ctx), description: str(item.description) }
    },
  },
  'text-with-summary': {
    description: 'a text field item → { value, summary, format } (summary null when absent)',
    mode: 'each',
    apply: (v): Body | null => {
      if (v === null) return null
      const item = asItem(v)
      return {
        value: str(item.value) ?? '',
        summary: str(item.summary),
        format: str(item.format),
        summaryDerived: false,
      }
    },
  },
  'list-label': {
    description:
      "a list field's stored key → its label (allowed_values in field_config.data); an unknown key stays as it is, with a warning",
    mode: 'each',
    apply: (v, _arg, ctx) => {
      if (v === null || v === undefined || v === '') return null
      const key = String(v)
      const labels = ctx.field ? ctx.node.listLabels?.[ctx.field] : undefined
      if (!labels) {
        ctx.warn(
          `field ${ctx.field ?? '(none)'} has no allowed_values in field_config; kept the key "${key}"`,
        )
        return key
      }
      const label = Object.hasOwn(labels, key) ? labels[key] : undefined
      if (label === undefined) {
        ctx.warn(`"${key}" is not one of the allowed values of ${ctx.field}; kept as it is`)
        return key
      }
      return label
    },
  },
  'node-ref': {
    description:
      "node ids (node_reference nid, entityreference target_id) → [{ nid, slug }] (slug: the node's newest alias); missing nodes are dropped with a warning",
    mode: 'list',
    apply: (v, _arg, ctx): NodeRefValue[] => {
      const out: NodeRefValue[] = []
      for (const raw of Array.isArray(v) ? v : [v]) {
        const nid = refId(raw, ['nid', 'target_id'])
        if (nid === null || nid === 0) continue
        const target = ctx.node.nodeRefs?.[nid]
        if (!target) {
          ctx.warn(`node ${nid} is referenced but does not exist; dropped`)
          continue
        }
        if (!out.some((r) => r.nid === nid)) out.push({ nid, slug: target.slug })
      }
      return out
    },
  },
  'user-ref': {
    description:
      'a user id (user_reference uid, entityreference target_id, node.uid) → { uid, name } from users; 0 (anonymous) or a missing user → null with a warning',
    mode: 'each',
    apply: (v, _arg, ctx): UserRefValue | null => {
      const uid = refId(v, ['uid', 'target_id'])
      if (uid === null) return null
      if (uid === 0) {
        ctx.warn('user 0 (anonymous) is referenced; kept as null')
        return null
      }
      const user = ctx.node.users?.[uid]
      if (!user) {
        ctx.warn(`user ${uid} is referenced but missing from users; kept as null`)
        return null
      }
      return { uid, name: user.name }
    },
  },
  'body-html': BODY_HTML,
  'repair-encoding': REPAIR_ENCODING,
}

/** Transform names, for error messages and `dhm mapping transforms` (mapping/transform-catalog.ts). */
export { TRANSFORM_NAMES } from '../mapping/transform-catalog.js'

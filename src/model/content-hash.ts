import { createHash } from 'node:crypto'
import { type Article, type Body, type Link, parseArticle } from './article.js'

/**
 * Which text a content hash is taken over; part of every hash (`v3:` then sha256 hex), so a change
 * of definition changes every stored hash once, on purpose, and a reader can tell which one a row has.
 * - 1 (64 hex digits, no prefix): a key-sorted deep copy of the article, serialized for the hash alone.
 * - 2 (`v2:`): the article document exactly as the loader wrote it (JSON in model key order, the body
 *   value included).
 * - 3 (`v3:`): the document as the loader writes it now, without `body.value` (the `body` column
 *   holds it; the document no longer repeats it), then a NUL byte and the body value's UTF-8 bytes.
 *   JSON text never holds a raw NUL, so the two parts cannot run into each other.
 */
export const CONTENT_HASH_VERSION = 3
const PREFIX = `v${CONTENT_HASH_VERSION}:`
// article.content_hash is char(64): the prefix takes the place of the digest's last hex digits
// (244 bits are left, far beyond any chance of two versions of one article colliding).
const DIGITS = 64 - PREFIX.length
const NUL = Buffer.from([0])

/**
 * The article document: JSON in the model's key order, the text the loader writes and the hash covers,
 * without `body.value` (the `body` column holds it; `dhm export` and verify read it from there).
 * The model's free-form records (`extra`, a link's `attributes`) have no key order of their own: the
 * source gives one, the target's jsonb another. Their keys are sorted (deeply), so an article read
 * back from the target serializes, and hashes, exactly as the transform's does.
 *
 * `withBodyValue`: keep `body.value` in the document, for a mapping that owns `body` (its
 * edited-in-target test and `dhm release` read what dhm last wrote from the document, see
 * owned-fields.ts). The hash is the same either way ({@link hashDocument} with the body value).
 */
export function documentText(article: Article, withBodyValue = false): string {
  const sorted = hasRecords(article) ? withSortedRecords(article) : article
  const body = sorted.body
  if (withBodyValue || body === null || body === undefined) return JSON.stringify(sorted)
  return JSON.stringify({ ...sorted, body: bodyWithoutValue(body) })
}

function bodyWithoutValue(body: Body): Omit<Body, 'value'> {
  const { value: _value, ...rest } = body
  return rest
}

function hasRecords(article: Article): boolean {
  return article.extra !== undefined || article.links.some((l) => Object.keys(l.attributes).length > 0)
}

function withSortedRecords(article: Article): Article {
  return {
    ...article,
    links: article.links.map((l) => ({ ...l, attributes: sortKeys(l.attributes) as Link['attributes'] })),
    ...(article.extra !== undefined ? { extra: sortKeys(article.extra) as Article['extra'] } : {}),
  }
}

/**
 * The document as the UTF-8 bytes the loader sends: held this way from the transform to the write,
 * a batch's documents take half the memory of their JS strings (which are UTF-16 as soon as one
 * character is beyond Latin-1, i.e. nearly always) and stay out of the garbage collector's heap.
 */
export function documentBytes(text: string): Buffer {
  return Buffer.from(text, 'utf8')
}

/**
 * The content hash of an article from its document without `body.value` ({@link documentText}, as
 * text or the same text's UTF-8 bytes) and its body value (null when it has no body). Equal hash =
 * nothing to write.
 */
export function hashDocument(document: string | Buffer, bodyValue: string | null): string {
  const h = createHash('sha256').update(document)
  if (bodyValue !== null) h.update(NUL).update(bodyValue, 'utf8')
  return PREFIX + h.digest('hex').slice(0, DIGITS)
}

/**
 * The content hash of an article read back from anywhere (the target's jsonb keeps its own key
 * order): put in the model's order first, so it hashes as the transform's article does.
 */
export function hashArticle(article: Article): string {
  const parsed = parseArticle(article)
  const a = parsed.success ? parsed.data : article
  // A hand-edited document read back may hold anything: only a string is a body value.
  const value = a.body?.value
  return hashDocument(documentText(a), typeof value === 'string' ? value : null)
}

/** JSON with object keys sorted recursively; arrays keep their order (delta order matters). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

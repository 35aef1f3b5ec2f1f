import { hash } from 'node:crypto'
import type { CompiledMapping } from '../mapping/compile.js'
import { CONTENT_HASH_VERSION } from '../model/content-hash.js'
import { TRANSFORM_VERSION, transformCodeFingerprint } from '../model/transform-version.js'
import type { D7Author, D7Links, D7NodeBundle, D7NodeRef, D7User } from './d7-types.js'
import type { SourceLayout } from './source-schema.js'

/**
 * The source fingerprint of an article: a hash of every source value its transform can read (the
 * node row, its field items, workflow, publication date, aliases, terms, files, entity translations,
 * and of the batch-wide look-ups only the entries this node's values point at), prefixed with the
 * run's fingerprint (the mapping, the source layout, the transform's version and code). Two equal fingerprints
 * mean the transform would make the same article, so `dhm migrate` again, `sync --full` and `dhm
 * verify` may skip it (pipeline/skip-unchanged.ts) when the target is also as dhm left it.
 *
 * The values are fed to the hash as the extractor read them, in the order it read them, as one
 * length-prefixed text (no JSON of the bundle), written as UTF-8 into a reused buffer ({@link
 * TextWriter}): about 19 µs a bne article (3 KB of text), a third of it sha1, against 29 µs when the
 * text was one concatenated string (the same bytes: the same fingerprints).
 */
export const SOURCE_FINGERPRINT_VERSION = 2

/** Bundle keys that are not this node's own rows: batch-wide look-ups, handled by {@link NodeLookups}. */
const NOT_OWN = new Set([
  'links',
  'nodeRefs',
  'users',
  'authors',
  'listLabels',
  'translations',
  'sourceFingerprint',
])

/** What of a batch's shared look-ups one node reads: the keys its values point at. */
export interface NodeLookups {
  /** nids and aliases the node's text links to (content-refs.ts scanTextRefs). */
  readonly linkNids?: readonly number[]
  readonly linkAliases?: readonly string[]
  /** Ids its node-ref / user-ref paths yield (entity-refs.ts collectRefIds). */
  readonly refNids?: ReadonlySet<number>
  readonly refUids?: ReadonlySet<number>
  /** Uids its author records point at (author-records.ts nodeAuthorUids). */
  readonly authorUids?: ReadonlySet<number>
}

const runFingerprints = new WeakMap<CompiledMapping, WeakMap<SourceLayout, string>>()

/**
 * What every article's fingerprint of a run starts with: a change of the mapping (any key), of the
 * source's field layout or list labels, of TRANSFORM_VERSION or of the transform's code
 * (transformCodeFingerprint) changes every article's.
 */
export function runFingerprint(mapping: CompiledMapping, layout: SourceLayout): string {
  let byLayout = runFingerprints.get(mapping)
  const known = byLayout?.get(layout)
  if (known !== undefined) return known
  // A compiled step's `def` is the transform's code (covered by transformCodeFingerprint); its name and
  // argument, as the mapping spells them, stay.
  const text = JSON.stringify({ mapping, layout }, (key, v) =>
    key === 'def' || typeof v === 'function' ? undefined : v,
  )
  const versions = `s${SOURCE_FINGERPRINT_VERSION}:t${TRANSFORM_VERSION}:c${CONTENT_HASH_VERSION}:${transformCodeFingerprint()}`
  const fp = hash('sha1', `${versions}:${text}`)
  if (!byLayout) {
    byLayout = new WeakMap()
    runFingerprints.set(mapping, byLayout)
  }
  byLayout.set(layout, fp)
  return fp
}

/** The fingerprint of one node as read (its own values and the look-ups it points at). */
export function fingerprintNode(run: string, node: D7NodeBundle, lookups: NodeLookups): string {
  const out = writer
  out.reset()
  out.ascii(run)
  for (const key in node) {
    if (NOT_OWN.has(key)) continue
    out.key(key)
    out.value((node as unknown as Record<string, unknown>)[key])
  }
  if (node.links) writeLinks(out, node.links, lookups)
  if (node.nodeRefs) writeRefs(out, 'r', node.nodeRefs, lookups.refNids)
  if (node.users) writeRefs(out, 'u', node.users, lookups.refUids)
  if (node.authors) writeRefs(out, 'a', node.authors, lookups.authorUids)
  return out.digest()
}

/**
 * An article made of several nodes (a translation set, `source.translations: tnid`): its
 * fingerprint covers the source node's and each translation's, in the order they were read.
 */
export function combineFingerprints(
  own: string,
  translations: readonly (string | undefined)[],
): string | undefined {
  if (translations.length === 0) return own
  if (translations.some((t) => t === undefined)) return undefined
  return hash('sha1', `${own}+${translations.join('+')}`)
}

function writeLinks(out: TextWriter, links: D7Links, lookups: NodeLookups): void {
  out.ascii('L')
  for (const nid of lookups.linkNids ?? []) {
    out.ascii('n')
    out.number(nid)
    out.value(links.byNid[nid])
  }
  for (const alias of lookups.linkAliases ?? []) {
    // As body-links.ts looks it up: lower-cased alias → nid → the node.
    const key = alias.toLowerCase()
    const nid = links.byAlias[key]
    out.ascii('a')
    out.key(key)
    out.value(nid)
    if (nid !== undefined) out.value(links.byNid[nid])
  }
}

function writeRefs(
  out: TextWriter,
  tag: string,
  map: Readonly<Record<number, D7NodeRef | D7User | D7Author>>,
  ids: ReadonlySet<number> | undefined,
): void {
  out.ascii(tag)
  for (const id of ids ?? []) {
    out.number(id)
    out.value(map[id])
  }
}

/**
 * The fingerprint's text, written as UTF-8 into one reused buffer and hashed from there: the same
 * bytes as the one string this used to concatenate (version 2 of the text), so the same hashes,
 * without a string per piece nor a flattened copy of every body per node. A value as a
 * self-delimiting text: a type letter, strings with their length (in UTF-16 code units):
 * `s5:hello`, `n42;`, `T`/`F`, `U` (undefined), `N` (null), `b9;` (bigint), `[…]` for an array of
 * values, `{3:key…}` for an object's keys in for…in order, each followed by its value.
 */
class TextWriter {
  private buf = Buffer.allocUnsafe(64 * 1024)
  private len = 0

  reset(): void {
    this.len = 0
  }

  digest(): string {
    return hash('sha1', this.buf.subarray(0, this.len))
  }

  /** `<length>:<key>`, as object keys and aliases are written. */
  key(k: string): void {
    this.integer(k.length)
    this.byte(0x3a)
    this.string(k)
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.byte(0x73) // s
        this.key(v)
        return
      case 'number':
        this.byte(0x6e) // n
        this.number(v)
        this.byte(0x3b)
        return
      case 'boolean':
        this.byte(v ? 0x54 : 0x46)
        return
      case 'undefined':
        this.byte(0x55)
        return
      case 'bigint':
        this.byte(0x62)
        this.ascii(String(v))
        this.byte(0x3b)
        return
      case 'object':
        break
      default:
        this.byte(0x3f)
        this.string(String(v))
        this.byte(0x3b)
        return
    }
    if (v === null) {
      this.byte(0x4e)
      return
    }
    if (Array.isArray(v)) {
      this.byte(0x5b)
      for (const item of v) this.value(item)
      this.byte(0x5d)
      return
    }
    this.byte(0x7b)
    for (const k in v as Record<string, unknown>) {
      this.key(k)
      this.value((v as Record<string, unknown>)[k])
    }
    this.byte(0x7d)
  }

  /** A number as `${n}` writes it. */
  number(n: number): void {
    if (Number.isInteger(n) && n >= 0 && n < 1e15) this.integer(n)
    else this.ascii(String(n))
  }

  /** Text known to be ASCII (hex digests, tags, number texts). */
  ascii(s: string): void {
    this.ensure(s.length)
    const buf = this.buf
    let at = this.len
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i)
    this.len = at
  }

  /** Any text, as UTF-8 (lone surrogates as U+FFFD, as a string hashed whole is encoded). */
  string(s: string): void {
    const n = s.length
    this.ensure(3 * n)
    if (n > 32) {
      this.len += this.buf.write(s, this.len, 'utf8')
      return
    }
    // Short texts (keys, codes, ids) byte by byte while they are ASCII: no call into C++ per piece.
    const buf = this.buf
    let at = this.len
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) {
        this.len = at + buf.write(s.slice(i), at, 'utf8')
        return
      }
      buf[at++] = c
    }
    this.len = at
  }

  private integer(n: number): void {
    this.ensure(16)
    const buf = this.buf
    if (n < 10) {
      buf[this.len++] = 0x30 + n
      return
    }
    let digits = 1
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++
    let at = this.len + digits
    this.len = at
    for (let m = n; ; m = Math.floor(m / 10)) {
      buf[--at] = 0x30 + (m % 10)
      if (m < 10) break
    }
  }

  private byte(b: number): void {
    this.ensure(1)
    this.buf[this.len++] = b
  }

  private ensure(more: number): void {
    if (this.len + more <= this.buf.length) return
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.len + more))
    this.buf.copy(bigger, 0, 0, this.len)
    this.buf = bigger
  }
}

/** One writer per process: fingerprintNode is synchronous, each call starts it afresh. */
const writer = new TextWriter()

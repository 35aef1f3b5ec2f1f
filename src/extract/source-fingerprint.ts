import { hash } from 'node:crypto'
import type { CompiledMapping } from '../mapping/compile.js'
import { CONTENT_HASH_VERSION } from '../model/content-hash.js'
import { TRANSFORM_VERSION, transformCodeFingerprint } from '../model/transform-version.js'
import type { D7Links, D7NodeBundle, D7NodeRef, D7User } from './d7-types.js'
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
 * length-prefixed text (no JSON of the bundle): about 15 µs for a 5 KB article.
 */
export const SOURCE_FINGERPRINT_VERSION = 1

/** Bundle keys that are not this node's own rows: batch-wide look-ups, handled by {@link NodeLookups}. */
const NOT_OWN = new Set(['links', 'nodeRefs', 'users', 'listLabels', 'translations', 'sourceFingerprint'])

/** What of a batch's shared look-ups one node reads: the keys its values point at. */
export interface NodeLookups {
  /** nids and aliases the node's text links to (content-refs.ts scanTextRefs). */
  readonly linkNids?: readonly number[]
  readonly linkAliases?: readonly string[]
  /** Ids its node-ref / user-ref paths yield (entity-refs.ts collectRefIds). */
  readonly refNids?: ReadonlySet<number>
  readonly refUids?: ReadonlySet<number>
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
  const out: string[] = [run]
  for (const key in node) {
    if (NOT_OWN.has(key)) continue
    out.push(key.length.toString(), ':', key)
    feed((node as unknown as Record<string, unknown>)[key], out)
  }
  if (node.links) feedLinks(node.links, lookups, out)
  if (node.nodeRefs) feedRefs('r', node.nodeRefs, lookups.refNids, out)
  if (node.users) feedRefs('u', node.users, lookups.refUids, out)
  return hash('sha1', out.join(''))
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

function feedLinks(links: D7Links, lookups: NodeLookups, out: string[]): void {
  out.push('L')
  for (const nid of lookups.linkNids ?? []) {
    out.push('n', String(nid))
    feed(links.byNid[nid], out)
  }
  for (const alias of lookups.linkAliases ?? []) {
    // As body-links.ts looks it up: lower-cased alias → nid → the node.
    const key = alias.toLowerCase()
    const nid = links.byAlias[key]
    out.push('a', key.length.toString(), ':', key)
    feed(nid, out)
    if (nid !== undefined) feed(links.byNid[nid], out)
  }
}

function feedRefs(
  tag: string,
  map: Readonly<Record<number, D7NodeRef | D7User>>,
  ids: ReadonlySet<number> | undefined,
  out: string[],
): void {
  out.push(tag)
  for (const id of ids ?? []) {
    out.push(String(id))
    feed(map[id], out)
  }
}

/** Values as a self-delimiting text: a type letter, strings with their length. */
function feed(v: unknown, out: string[]): void {
  switch (typeof v) {
    case 'string':
      out.push('s', v.length.toString(), ':', v)
      return
    case 'number':
      out.push('n', v.toString(), ';')
      return
    case 'boolean':
      out.push(v ? 'T' : 'F')
      return
    case 'undefined':
      out.push('U')
      return
    case 'bigint':
      out.push('b', v.toString(), ';')
      return
    case 'object':
      break
    default:
      out.push('?', String(v), ';')
      return
  }
  if (v === null) {
    out.push('N')
    return
  }
  if (Array.isArray(v)) {
    out.push('[')
    for (const item of v) feed(item, out)
    out.push(']')
    return
  }
  out.push('{')
  for (const key in v as Record<string, unknown>) {
    out.push(key.length.toString(), ':', key)
    feed((v as Record<string, unknown>)[key], out)
  }
  out.push('}')
}

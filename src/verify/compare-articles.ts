import { canonicalJson } from '../model/content-hash.js'
import type { Difference, DifferenceClass, FieldChange, RetiredArticle } from '../report/verify-report.js'
import { EXCERPT_LENGTH, excerpt, type RowOutcome } from '../transform/outcome.js'

/**
 * One article as the target holds it. `document` is the article rebuilt from the target's columns
 * and rows (src/load/read-target-articles.ts); migrate --dry-run reads it only where the stored hash
 * does not settle the question, so it may be absent there.
 */
export interface TargetArticle {
  readonly legacyNid: number
  /**
   * What is compared with the source's content hash: for verify, the hash of `document` computed at
   * verify time; for migrate --dry-run, the stored content_hash (what a migration decides by).
   */
  readonly contentHash: string
  readonly isDeleted: boolean
  /** The row's `published` and `is_live` columns (what the front end and `legacy_article` read). */
  readonly isPublished: boolean
  readonly isLive: boolean
  readonly document?: unknown
  /** Owned fields whose target column differs from what dhm last wrote there (edited in the target). */
  readonly editedInTarget?: readonly string[]
}

// The report's data model (report/verify-report.ts) is what a comparison produces.
export type { Difference, DifferenceClass, FieldChange, RetiredArticle }

export type Comparison =
  | { readonly kind: 'matched' }
  /** Not eligible in the source and not in the target: nothing to say. */
  | { readonly kind: 'absent' }
  | { readonly kind: 'retired'; readonly retired: RetiredArticle }
  | { readonly kind: 'difference'; readonly difference: Difference }

/** Why a target row the source does not produce is there: the node is gone, or filtered out. */
export const GONE_FROM_SOURCE = 'not in the source (deleted, or no longer of a mapped bundle)'

/**
 * Compare what the source would become with what the target holds, for one nid. Pure.
 *
 * - source `ok`, target live with the same content hash → matched (fields are not looked at);
 * - source `ok`, target absent or soft-deleted → missing;
 * - source `ok`, hashes differ → changed, with the top-level attributes that differ; edited when
 *   all of them are owned fields edited in the target (`editedInTarget`);
 * - source gone or filtered out, target soft-deleted or unpublished (not published and not live,
 *   in the columns) → retired: sync's delete policy has handled it;
 * - source gone or filtered out, target still published or live → extra;
 * - source `invalid` → rejected, with the transformer's reasons, whatever the target holds;
 * - source `unchanged` (settled by the fingerprints before the transform) → matched.
 */
export function compareArticle(source: RowOutcome | null, target: TargetArticle | null): Comparison {
  // Settled by the fingerprints: the target holds what dhm last wrote from this very source.
  if (source?.kind === 'unchanged') return { kind: 'matched' }
  const live = target && !target.isDeleted ? target : null
  if (source?.kind === 'invalid') {
    return difference({
      legacyNid: source.ref.nid,
      class: 'rejected',
      fields: unique(source.issues.map((i) => i.field.split('.')[0] ?? i.field)),
      title: titleOf(live?.document),
      changes: [],
      issues: source.issues,
    })
  }
  if (source === null || source.kind === 'filtered') {
    if (!target) return { kind: 'absent' }
    const state = target.isDeleted ? 'soft-deleted' : isUnpublished(target) ? 'unpublished' : null
    if (state) {
      const reason = source ? `filtered out by the mapping: ${source.reason}` : GONE_FROM_SOURCE
      return {
        kind: 'retired',
        retired: { legacyNid: target.legacyNid, title: titleOf(target.document), state, reason },
      }
    }
    return difference({
      legacyNid: target.legacyNid,
      class: 'extra',
      fields: [],
      title: titleOf(target.document),
      changes: [],
      issues: source ? [{ field: '(article)', reason: source.reason, excerpt: null }] : [],
    })
  }
  const title = source.article.title
  if (!live) {
    return difference({
      legacyNid: source.ref.nid,
      class: 'missing',
      fields: [],
      title,
      changes: [],
      issues: [],
    })
  }
  if (live.contentHash === source.contentHash) return { kind: 'matched' }
  const changes = diffFields(live.document, source.article)
  if (changes.length === 0) {
    // Same attributes, different hash: written by something else than dhm (a stored hash that is
    // not the article's, or a key set to null that dhm leaves out).
    return difference({
      legacyNid: source.ref.nid,
      class: 'changed',
      fields: ['contentHash'],
      title,
      changes: [{ field: 'contentHash', target: live.contentHash, source: source.contentHash, detail: null }],
      issues: [],
    })
  }
  // Only owned fields an editor changed in the target differ: the new system owns them (`owned`).
  const edited = live.editedInTarget ?? []
  const isEdited = edited.length > 0 && changes.every((c) => edited.includes(c.field))
  return difference({
    legacyNid: source.ref.nid,
    class: isEdited ? 'edited' : 'changed',
    fields: changes.map((c) => c.field),
    title,
    changes,
    issues: [],
  })
}

/**
 * The top-level attributes whose values differ (compared as canonical JSON, so key order does not
 * matter but list order does), in the source article's attribute order, then any attribute only the
 * target document has.
 */
export function diffFields(target: unknown, source: object): FieldChange[] {
  const t = isRecord(target) ? target : {}
  const s = source as Record<string, unknown>
  const keys = unique([...Object.keys(s), ...Object.keys(t)])
  const changes: FieldChange[] = []
  for (const key of keys) {
    const a = t[key]
    const b = s[key]
    if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) continue
    changes.push(describeChange(key, a, b))
  }
  return changes
}

function describeChange(field: string, target: unknown, source: unknown): FieldChange {
  if (isRecord(target) && isRecord(source)) {
    // Nested objects are compared as wholes but shown by the keys that differ: {"caption": …}.
    const keys = unique([...Object.keys(source), ...Object.keys(target)]).filter(
      (k) => canonicalJson(target[k] ?? null) !== canonicalJson(source[k] ?? null),
    )
    return {
      field,
      ...excerptPair(pick(target, keys), pick(source, keys)),
      detail: keys.join(', '),
    }
  }
  if (Array.isArray(target) && Array.isArray(source)) {
    const inSource = new Set(source.map((v) => canonicalJson(v)))
    const inTarget = new Set(target.map((v) => canonicalJson(v)))
    const removed = target.filter((v) => !inSource.has(canonicalJson(v)))
    const added = source.filter((v) => !inTarget.has(canonicalJson(v)))
    const parts = [
      added.length > 0 ? `missing in target: ${listExcerpt(added)}` : '',
      removed.length > 0 ? `only in target: ${listExcerpt(removed)}` : '',
    ].filter(Boolean)
    return {
      field,
      ...excerptPair(target, source),
      detail: parts.length > 0 ? parts.join('; ') : 'same items, different order',
    }
  }
  return { field, ...excerptPair(target ?? null, source ?? null), detail: null }
}

/** How many leading characters of a long value an excerpt keeps before the first difference. */
const CONTEXT_BEFORE_DIFFERENCE = 20

/**
 * Both sides' excerpts. A long value that differs only past the start (a sentence added at the end
 * of a body) is excerpted from just before its first differing character, `…` marking the cut, so
 * that the two excerpts show the change rather than the same opening twice.
 */
function excerptPair(target: unknown, source: unknown): { target: string | null; source: string | null } {
  const a = target === undefined ? undefined : JSON.stringify(target)
  const b = source === undefined ? undefined : JSON.stringify(source)
  if (a === undefined || b === undefined || (a.length <= EXCERPT_LENGTH && b.length <= EXCERPT_LENGTH)) {
    return { target: excerpt(target), source: excerpt(source) }
  }
  let same = 0
  while (same < a.length && same < b.length && a[same] === b[same]) same++
  const start = Math.max(0, same - CONTEXT_BEFORE_DIFFERENCE)
  const from = (flat: string) => {
    const rest = flat.slice(start)
    return `${start > 0 ? '…' : ''}${rest.length > EXCERPT_LENGTH ? `${rest.slice(0, EXCERPT_LENGTH)}…` : rest}`
  }
  return { target: from(a), source: from(b) }
}

/** Terms and files are shown by name ("Energy (12)"), anything else as JSON. */
function listExcerpt(items: readonly unknown[]): string {
  const names = items.map((v) =>
    isRecord(v) && typeof v.name === 'string' && 'tid' in v ? `${v.name} (${String(v.tid)})` : v,
  )
  return excerpt(names) ?? ''
}

/**
 * What the unpublish policy leaves: published and is_live false in the columns and in the article
 * (verify's article is rebuilt from those columns; the two disagree only in a hand-made input).
 */
function isUnpublished(target: TargetArticle): boolean {
  const doc = target.document
  return (
    !target.isPublished && !target.isLive && isRecord(doc) && doc.published === false && doc.isLive === false
  )
}

function titleOf(document: unknown): string | null {
  return isRecord(document) && typeof document.title === 'string' ? document.title : null
}

function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, o[k] ?? null]))
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}

function difference(d: Difference): Comparison {
  return { kind: 'difference', difference: d }
}

import type { Article } from '../model/article.js'
import type { ContentTally } from './content/content-tally.js'

/** Which source row an outcome is about. */
export interface SourceRef {
  readonly nid: number
  readonly vid: number
}

/** One problem with one attribute of one node: what the rejects file and migration_message hold. */
export interface Issue {
  readonly field: string
  readonly reason: string
  /** The start of the offending value, for a person to recognise it. */
  readonly excerpt: string | null
}

/** What the transformer made of one node. Every node read ends in exactly one of these. */
export type RowOutcome =
  | {
      readonly kind: 'ok'
      readonly ref: SourceRef
      readonly article: Article
      /** The article as JSON text in model key order, UTF-8: what the loader writes, what contentHash covers. */
      readonly document: Buffer
      readonly contentHash: string
      readonly warnings: readonly Issue[]
      /** Rows of non-translatable fields in another language than `und`, ignored. */
      readonly strayLanguageRows: number
      /** Content rules that changed (or reported on) this row's values, by rule, with examples. */
      readonly content?: Readonly<ContentTally>
    }
  | { readonly kind: 'filtered'; readonly ref: SourceRef; readonly reason: string }
  | { readonly kind: 'invalid'; readonly ref: SourceRef; readonly issues: readonly Issue[] }
  | {
      /**
       * Not transformed: the node's source fingerprint and its article's target fingerprint are
       * those the last write stored (pipeline/skip-unchanged.ts), so the transform would make the
       * article the target holds. Counted as unchanged (migrate, sync) or matched (verify).
       */
      readonly kind: 'unchanged'
      readonly ref: SourceRef
      readonly strayLanguageRows: number
      /** The article's filled attributes as stored with its fingerprints (model/article-coverage.ts). */
      readonly coverage: string | null
    }

export const EXCERPT_LENGTH = 120

/** A short, single-line rendering of any value for messages and reports (JSON, cut at 120 chars). */
export function excerpt(value: unknown): string | null {
  if (value === undefined) return null
  // JSON-quoted, so blank and odd strings stay visible ("   ", "\u0000").
  const flat = JSON.stringify(value)
  if (flat === undefined) return null
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH)}…` : flat
}

/** A batch's outcomes split by kind: what a loader writes, rejects and only counts. */
export function partitionOutcomes(outcomes: readonly RowOutcome[]): {
  readonly ok: Extract<RowOutcome, { kind: 'ok' }>[]
  readonly rejected: { readonly nid: number; readonly issues: readonly Issue[] }[]
  readonly filtered: number
  /** Settled before the transform (kind `unchanged`): nothing to write. */
  readonly unchanged: number
} {
  const ok: Extract<RowOutcome, { kind: 'ok' }>[] = []
  const rejected: { nid: number; issues: readonly Issue[] }[] = []
  let filtered = 0
  let unchanged = 0
  for (const o of outcomes) {
    if (o.kind === 'ok') ok.push(o)
    else if (o.kind === 'invalid') rejected.push({ nid: o.ref.nid, issues: o.issues })
    else if (o.kind === 'unchanged') unchanged++
    else filtered++
  }
  return { ok, rejected, filtered, unchanged }
}

/** Rows of non-translatable fields in another language than `und` that a batch ignored. */
export function countStrayLanguageRows(outcomes: readonly RowOutcome[]): number {
  let n = 0
  for (const o of outcomes) if (o.kind === 'ok' || o.kind === 'unchanged') n += o.strayLanguageRows
  return n
}

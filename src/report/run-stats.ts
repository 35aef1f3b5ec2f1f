import { InternalError } from '../errors.js'
import type { BatchResult } from '../load/load-batch.js'
import type { RelationsSummary } from '../load/site-relations.js'
import { MAX_EXAMPLES, shorten, UNRESOLVED_LINK_RULES } from '../transform/content/content-tally.js'
import type { RowOutcome } from '../transform/outcome.js'

/**
 * The counts every run reports. Invariant: read = inserted + updated + unchanged + rejected + filtered
 * (every row read is accounted for).
 */
export interface RunCounts {
  read: number
  inserted: number
  updated: number
  unchanged: number
  rejected: number
  filtered: number
  /** Rows loaded with a caveat (e.g. a missing file reference); they are also in inserted/updated/unchanged. */
  warnings: number
  /** Rows of non-translatable fields in a language other than `und`, ignored. */
  strayLanguageRows: number
  /**
   * Deliberate content changes and content problems, by rule (`media-token`, `link-node`,
   * `encoding-double-utf8`…): occurrences over every row transformed. See mappings/README.md.
   */
  content: Record<string, number>
  /** Up to 5 examples per content rule (`node <nid> <attribute>: …`). */
  contentExamples: Record<string, string[]>
  /** The end-of-run pass: references resolved and dangling, menu links, the term tree. */
  relations?: RelationsSummary
  /**
   * What the fast path did (pipeline/skip-unchanged.ts): rows settled by their fingerprints without
   * a transform (counted in `unchanged`), and articles whose target fingerprint had changed (edited
   * in Postgres behind dhm's back, or without one yet): rewritten. Absent where it did not run.
   */
  fastPath?: { settled: number; targetChanged: number }
}

// The links of a run, listed in its report only: kept beside the counts, not in them, since
// migration_run.counts stores the counts (after every batch of a sync).
const listedLinks = new WeakMap<RunCounts, UnresolvedLink[]>()

/**
 * Links bodies keep because they cannot be resolved (UNRESOLVED_LINK_RULES), each with its node:
 * the first MAX_LISTED_LINKS the run met (the content counts have the totals).
 */
export function unresolvedLinks(counts: RunCounts): readonly UnresolvedLink[] {
  return listedLinks.get(counts) ?? []
}

/** One link a body keeps as it was: its node, the attribute, the rule and the href as written. */
export interface UnresolvedLink {
  readonly nid: number
  readonly attribute: string
  readonly rule: string
  readonly link: string
}

/** How many unresolved links a run report lists (summary.json; summary.md shows the first 100). */
export const MAX_LISTED_LINKS = 5000

export function emptyCounts(): RunCounts {
  return {
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    filtered: 0,
    warnings: 0,
    strayLanguageRows: 0,
    content: {},
    contentExamples: {},
  }
}

export function addBatch(
  counts: RunCounts,
  read: number,
  batch: BatchResult,
  strayLanguageRows: number,
): void {
  counts.read += read
  counts.inserted += batch.inserted
  counts.updated += batch.updated
  counts.unchanged += batch.unchanged
  counts.rejected += batch.rejected.length
  counts.filtered += batch.filtered
  counts.warnings += batch.warnings
  counts.strayLanguageRows += strayLanguageRows
}

/** True when every row read is accounted for. */
export function isBalanced(c: RunCounts): boolean {
  return c.read === c.inserted + c.updated + c.unchanged + c.rejected + c.filtered
}

/**
 * The invariant as one summary line, e.g.
 * `accounted: read 2137 = loaded 2100 + unchanged 0 + rejected 12 + filtered 25 ✓`
 * (loaded = inserted + updated), or `… ✗ MISMATCH` when a row went missing from the counts.
 */
export function renderAccountedLine(c: RunCounts, opts: { dryRun?: boolean } = {}): string {
  const ok = isBalanced(c)
  return (
    `accounted: read ${c.read} ${ok ? '=' : '≠'} ${opts.dryRun ? 'would load' : 'loaded'} ${c.inserted + c.updated} + unchanged ${c.unchanged} + ` +
    `rejected ${c.rejected} + filtered ${c.filtered} ${ok ? '✓' : '✗ MISMATCH'}`
  )
}

/** Every command that reads nodes ends with this: a row that is not accounted for is a bug in dhm. */
export function assertAccounted(c: RunCounts): void {
  if (!isBalanced(c)) {
    throw new InternalError(
      `counts do not add up: read ${c.read} ≠ inserted ${c.inserted} + updated ${c.updated} + unchanged ${c.unchanged} + rejected ${c.rejected} + filtered ${c.filtered}`,
    )
  }
}

/** Add the content-rule counts of a batch's transformed rows (see RunCounts.content). */
export function addContentCounts(counts: RunCounts, outcomes: readonly RowOutcome[]): void {
  for (const o of outcomes) {
    if (o.kind !== 'ok' || !o.content) continue
    for (const [rule, { n, examples }] of Object.entries(o.content)) {
      counts.content[rule] = (counts.content[rule] ?? 0) + n
      const kept = counts.contentExamples[rule] ?? []
      // Shortened here, for the few the run keeps, not by the rule for every occurrence.
      for (const e of examples) if (kept.length < MAX_EXAMPLES) kept.push(shorten(e))
      counts.contentExamples[rule] = kept
      if (!UNRESOLVED_LINK_RULES.has(rule)) continue
      const listed = listedLinks.get(counts) ?? []
      listedLinks.set(counts, listed)
      for (const e of examples) {
        if (listed.length >= MAX_LISTED_LINKS) break
        // Examples read `node <nid> <attribute>: <href>` (transformNode's count).
        const m = /^node \d+ ([^:]+): ([\s\S]*)$/.exec(e)
        listed.push({ nid: o.ref.nid, attribute: m?.[1] ?? '', rule, link: m?.[2] ?? e })
      }
    }
  }
}

/**
 * `fast path: 99,000 of 100,000 settled without a transform; 12 edited in the target since dhm wrote
 * them, rewritten` — null when the fast path did not run.
 */
export function renderFastPathLine(counts: RunCounts, opts: { rewrites?: boolean } = {}): string | null {
  const f = counts.fastPath
  if (!f) return null
  const changed =
    f.targetChanged > 0
      ? `; ${f.targetChanged} article(s) whose target changed since dhm wrote them (or never fingerprinted)${opts.rewrites === false ? '' : ': rewritten'}`
      : ''
  return `fast path: ${f.settled} of ${counts.read} settled by their fingerprints without a transform${changed}`
}

/** `content: 812 link-node, 40 media-token, …` — one line, most frequent first; null when nothing. */
export function renderContentLine(counts: RunCounts): string | null {
  const entries = Object.entries(counts.content ?? {}).filter(([, n]) => n > 0)
  if (entries.length === 0) return null
  entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return `content: ${entries.map(([rule, n]) => `${n} ${rule}`).join(', ')}`
}

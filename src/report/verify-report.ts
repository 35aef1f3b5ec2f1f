import type { Issue } from '../transform/outcome.js'

/** The classes of `dhm verify`; `matched` and `absent` (neither side wants the row) are not differences. */
export type DifferenceClass = 'missing' | 'extra' | 'changed' | 'edited' | 'rejected'

/** One attribute that differs: `target` is what the target holds now (old), `source` what a migration would write (new). */
export interface FieldChange {
  readonly field: string
  readonly target: string | null
  readonly source: string | null
  /** What changed inside a list or object, for a person: "missing in target: [\"Energy (12)\"]", "caption". */
  readonly detail: string | null
}

export interface Difference {
  readonly legacyNid: number
  readonly class: DifferenceClass
  /** Top-level article attributes involved (changed: those that differ; rejected: those at fault). */
  readonly fields: readonly string[]
  /** The article's title, from the source when it has one, else from the target. */
  readonly title: string | null
  readonly changes: readonly FieldChange[]
  /** Why the transformer rejected the node (class `rejected` only). */
  readonly issues: readonly Issue[]
}

/**
 * A target article whose node is gone from the source (or that the mapping's filters exclude) and
 * that sync's `--on-delete` policy has already taken out of sight: unpublished (not published and
 * not live, in the columns and the document, as the unpublish policy writes it) or soft-deleted.
 * Consistent, not a difference.
 */
export interface RetiredArticle {
  readonly legacyNid: number
  /** From the target's document, when it was read. */
  readonly title: string | null
  readonly state: 'unpublished' | 'soft-deleted'
  /** Why the source no longer wants it. */
  readonly reason: string
}

/**
 * A menu link or a term whose place in the site's structure differs between the source and the
 * target (`dhm verify` without --ids/--sample): `missing` in the target, `extra` there (a menu link
 * the menu no longer has), or `changed` in the `fields` named (menu links: title, weight, parent,
 * hidden, expanded, link_path, external, article, url; terms: parent, weight).
 */
export interface StructureDifference {
  readonly kind: 'menu_link' | 'term'
  /** The legacy id: menu_links.mlid or taxonomy tid. */
  readonly id: number
  readonly class: 'missing' | 'extra' | 'changed'
  readonly fields: readonly string[]
}

/** What verify compared of the site's structure, and the differences (all of them). */
export interface StructureCheck {
  readonly menuLinks: number
  readonly terms: number
  readonly differences: readonly StructureDifference[]
}

/**
 * The data behind report.json, report.md and report.html, for `dhm verify` (kind `verify`) and for
 * `dhm migrate --dry-run` (kind `plan`: the same classes read as would-insert, would-update,
 * would-delete). Renderers are pure functions of this.
 */
export interface VerifyReport {
  readonly schemaVersion: 1
  readonly kind: 'verify' | 'plan'
  readonly command: string
  readonly site: string
  readonly startedAt: string
  readonly finishedAt: string
  /** Run parameters, URLs masked. */
  readonly params: Readonly<Record<string, unknown>>
  readonly counts: VerifyCounts
  /** verify of a whole site: its menu links and term tree compared (absent for plans, --ids, --sample). */
  readonly structure?: StructureCheck
  /** How many differences of class `changed` involve each top-level attribute, most first. */
  readonly fieldChanges: Readonly<Record<string, number>>
  /** Per attribute: articles where it is non-empty, in the source (loadable rows) and in the target (live rows). */
  readonly coverage: readonly FieldCoverage[]
  readonly rejects: {
    readonly reasons: readonly RejectReason[]
    /** Rejected rows with all their issues, also in rejects.ndjson; null when none. */
    readonly file: string | null
  }
  /** The first `differencesLimit` differences in nid order; every one is in `differencesFile`. */
  readonly differences: readonly Difference[]
  readonly differencesTotal: number
  readonly differencesLimit: number
  readonly differencesFile: string | null
  /**
   * The first `differencesLimit` retired articles in nid order (gone from the source or filtered
   * out, already unpublished or soft-deleted in the target); every one is in `retiredFile`.
   */
  readonly retired: readonly RetiredArticle[]
  readonly retiredTotal: number
  readonly retiredFile: string | null
  /**
   * verify only: articles matched by their fingerprints without a transform (`settled`, in
   * `matched`), and articles whose target changed since dhm wrote them (compared in full).
   */
  readonly fastPath?: { readonly settled: number; readonly targetChanged: number }
  readonly timings: {
    readonly totalSeconds: number
    /** Reading the source and transforming (what `migrate` spends too). */
    readonly sourceSeconds: number
    /** Reading the target and comparing. */
    readonly targetSeconds: number
  }
}

export interface VerifyCounts {
  /** Source nodes of the mapped bundles read (in scope). */
  read: number
  matched: number
  missing: number
  extra: number
  changed: number
  /**
   * Articles that differ only in owned fields editors changed in the target (mapping `owned`): the
   * new system owns those; not a difference unless `--strict`. Absent from reports written before it.
   */
  edited: number
  rejected: number
  /**
   * Source nodes the mapping's filters exclude (not differences; their target rows are `extra`
   * while still published or live, `retired` once sync's delete policy has handled them).
   */
  filtered: number
  /**
   * Target articles the source no longer produces (node gone, or filtered out) that are already
   * out of sight: unpublished (not published, not live) or soft-deleted, as `dhm sync`'s delete
   * policy leaves them. Consistent, not a difference. Absent from reports written before it existed.
   */
  retired: number
}

export interface FieldCoverage {
  readonly field: string
  readonly source: number
  readonly sourceTotal: number
  readonly target: number
  readonly targetTotal: number
}

export interface RejectReason {
  readonly field: string
  readonly reason: string
  readonly count: number
  /** A few nids with this reason. */
  readonly nids: readonly number[]
  readonly excerpt: string | null
}

export type { Issue }

/** Differences (missing + extra + changed), not counting rejected rows. */
export function countDifferences(c: VerifyCounts): number {
  return c.missing + c.extra + c.changed
}

/** Class names as a person reads them: verify's, or the migration plan's. */
export function classLabel(kind: VerifyReport['kind'], cls: string): string {
  if (kind === 'plan') {
    const plan: Record<string, string> = {
      matched: 'unchanged',
      missing: 'would insert',
      changed: 'would update',
      extra: 'would delete',
      rejected: 'rejected',
      retired: 'already retired',
    }
    return plan[cls] ?? cls
  }
  const verify: Record<string, string> = {
    matched: 'matched',
    missing: 'missing in target',
    extra: 'extra in target',
    changed: 'changed',
    edited: 'edited in target',
    rejected: 'rejected',
    retired: 'retired in target',
  }
  return verify[cls] ?? cls
}

/** What `retired` means, for the reports and the CLI. */
export const RETIRED_MEANING =
  'Gone from the source (or filtered out by the mapping) and already unpublished or soft-deleted in the target, as dhm sync leaves them: consistent, not a difference'

/**
 * `matched 196, missing 1, extra 1, changed 2, rejected 0 (read 200, filtered 0) in 1.2s`, with
 * `, edited in target 2` and `, retired in target 3` after `rejected` when there are such articles.
 */
/**
 * The verdict report.md and report.html open with: the articles' differences and, for a whole site's
 * verify, the differences of its structure (menus, term tree), which exit 4 as well.
 */
export function renderVerdict(r: Pick<VerifyReport, 'counts' | 'structure'>): {
  clean: boolean
  text: string
} {
  const articles = countDifferences(r.counts)
  const structure = r.structure?.differences.length ?? 0
  if (articles + structure === 0) {
    return {
      clean: true,
      text:
        r.counts.rejected > 0
          ? `No differences; ${r.counts.rejected} row(s) rejected by the transformer.`
          : 'No differences.',
    }
  }
  return {
    clean: false,
    text:
      structure === 0
        ? `${articles} difference(s) found.`
        : `${articles} difference(s) in articles, ${structure} in the site's structure (menus, term tree).`,
  }
}

export function renderHeadline(r: Pick<VerifyReport, 'kind' | 'counts' | 'timings'>): string {
  const c = r.counts
  const parts = (['matched', 'missing', 'extra', 'changed', 'rejected'] as const).map(
    (k) => `${classLabel(r.kind, k)} ${c[k]}`,
  )
  // `?? 0`: report.json files written before `retired` existed (dhm report --last) lack it.
  if (r.kind === 'verify' && (c.edited ?? 0) > 0) parts.push(`${classLabel(r.kind, 'edited')} ${c.edited}`)
  if ((c.retired ?? 0) > 0) parts.push(`${classLabel(r.kind, 'retired')} ${c.retired}`)
  return `${parts.join(', ')} (read ${c.read}, filtered ${c.filtered}) in ${r.timings.totalSeconds.toFixed(1)}s`
}

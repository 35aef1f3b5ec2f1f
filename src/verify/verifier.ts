import { appendFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type pg from 'pg'
import { redactValues } from '../config/redact.js'
import { readTargetArticles } from '../load/read-target-articles.js'
import type { Article } from '../model/article.js'
import { COVERAGE_FIELDS, coveredFields, isNonEmpty } from '../model/article-coverage.js'
import { hashArticle } from '../model/content-hash.js'
import { NO_OWNED_FIELDS, type OwnedFields } from '../model/owned-fields.js'
import type { FieldCoverage, RejectReason, VerifyCounts, VerifyReport } from '../report/verify-report.js'
import type { RowOutcome } from '../transform/outcome.js'
import {
  type Comparison,
  compareArticle,
  type Difference,
  type RetiredArticle,
  type TargetArticle,
} from './compare-articles.js'

export const DEFAULT_DIFFERENCES_LIMIT = 1000
/** Distinct rejection reasons kept (a reason quoting a value could otherwise grow without bound). */
const MAX_REASONS = 500
const TAIL_PAGE = 2000

export { COVERAGE_FIELDS, isNonEmpty }

export interface VerifierOptions {
  /** null: the target has no schema yet, so every row is missing. */
  readonly pool: Pick<pg.Pool, 'query'> | null
  readonly site: string
  /**
   * The mapping's bundles. A target row the source does not produce is judged only if it is of one
   * of them: another mapping may share the site, and its articles are none of this one's business.
   */
  readonly bundles: readonly string[]
  readonly reportDir: string
  /** Only these nids (sorted, unique), from --ids or --sample; null = all. */
  readonly ids: readonly number[] | null
  /** Look for extra target rows beyond the last source nid (false with --limit). */
  readonly tail: boolean
  /**
   * What tells an unchanged article: `content` (dhm verify), the hash of the article rebuilt from
   * what the target holds now; `stored-hash` (migrate --dry-run), the content_hash column, because
   * that is what a migration decides by (an article whose stored hash equals the source's is not
   * written, whatever its columns hold).
   */
  readonly fingerprint?: 'content' | 'stored-hash'
  /** Write rejects.ndjson (migrate --dry-run writes its own). */
  readonly writeRejects?: boolean
  readonly differencesLimit?: number
  /** The mapping's owned fields: differences only in those, edited in the target, are class `edited`. */
  readonly owned?: OwnedFields
}

interface TargetRow {
  legacy_nid: number
  bundle: string
  content_hash: string
  is_deleted: boolean
  published: boolean
  is_live: boolean
  /** Rebuilt from the target's columns and rows (read-target-articles.ts); absent until read. */
  article?: Article
  /** Owned fields edited in the target (read with `article`). */
  editedInTarget?: readonly string[]
}

/**
 * Streams a comparison of source batches with the target: for each batch, the target articles of
 * the same nid range are read and rebuilt from what the target holds (the reader `dhm export` uses:
 * columns, term links, files, redirects), a handful of queries per batch. An article whose rebuilt
 * hash equals the source's is matched; any other is compared attribute by attribute. With
 * `fingerprint: 'stored-hash'` only the hashes are read first, and articles only where they differ
 * or the source no longer wants the row. Memory stays flat: counts, per-field tallies and the first
 * `differencesLimit` differences; every difference goes to differences.ndjson as it is found.
 */
export class Verifier {
  readonly counts: VerifyCounts = {
    read: 0,
    matched: 0,
    missing: 0,
    extra: 0,
    changed: 0,
    edited: 0,
    rejected: 0,
    filtered: 0,
    retired: 0,
  }
  private readonly fieldChanges = new Map<string, number>()
  private readonly sourceCoverage = new Map<string, number>()
  private readonly targetCoverage = new Map<string, number>()
  /** Coverage masks of the articles the fingerprints settled, counted once each (see {@link snapshot}). */
  private readonly settledMasks = new Map<string | null, number>()
  private sourceTotal = 0
  private targetTotal = 0
  private readonly reasons = new Map<
    string,
    { field: string; reason: string; count: number; nids: number[]; excerpt: string | null }
  >()
  private readonly kept: Difference[] = []
  private total = 0
  private readonly keptRetired: RetiredArticle[] = []
  private prevHi = 0
  private readonly started = new Set<string>()
  targetMs = 0

  constructor(private readonly opts: VerifierOptions) {}

  /** Compare one source batch (every node read, in nid order) with the target's rows of its nid range. */
  async addBatch(outcomes: readonly RowOutcome[]): Promise<void> {
    if (outcomes.length === 0) return
    const started = Date.now()
    const hi = outcomes.reduce((m, o) => Math.max(m, o.ref.nid), this.prevHi)
    const sourceNids = new Set(outcomes.map((o) => o.ref.nid))
    // Articles the fingerprints settled (kind `unchanged`) are not read back: the others of the
    // range are then read by nid after a look at the range's keys.
    const hasSettled = outcomes.some((o) => o.kind === 'unchanged')
    const rows = (await this.readRange(this.prevHi, hi, undefined, hasSettled)).filter(
      (r) => sourceNids.has(r.legacy_nid) || this.inScope(r),
    )
    this.prevHi = hi
    const byNid = new Map(rows.map((r) => [r.legacy_nid, r]))
    // Stored-hash mode: articles only where the hash does not settle it; always for rows the source
    // no longer produces (their title, and whether the delete policy unpublished them).
    const needArticles: number[] = []
    for (const o of outcomes) {
      const t = byNid.get(o.ref.nid)
      if (!t || t.article !== undefined || o.kind === 'unchanged') continue
      if (
        this.byContent ||
        o.kind === 'filtered' ||
        (!t.is_deleted && (o.kind !== 'ok' || o.contentHash !== t.content_hash))
      )
        needArticles.push(o.ref.nid)
    }
    for (const r of rows)
      if (!sourceNids.has(r.legacy_nid) && r.article === undefined) needArticles.push(r.legacy_nid)
    await this.attachArticles(byNid, needArticles)

    const found: Difference[] = []
    const retired: RetiredArticle[] = []
    for (const o of outcomes) {
      this.counts.read++
      if (o.kind === 'filtered') this.counts.filtered++
      const t = byNid.get(o.ref.nid) ?? null
      this.tally(o, t, compareArticle(o, this.toTarget(t)), found, retired)
    }
    for (const r of rows) {
      if (sourceNids.has(r.legacy_nid)) continue
      this.tally(null, r, compareArticle(null, this.toTarget(r)), found, retired)
    }
    await this.record(found, retired, outcomes)
    this.targetMs += Date.now() - started
  }

  /** After the last batch: target rows beyond the last source nid are extra (paged, flat memory). */
  async finish(): Promise<void> {
    if (!this.opts.tail) return
    const started = Date.now()
    for (;;) {
      const page = await this.readRange(this.prevHi, null, TAIL_PAGE)
      if (page.length === 0) break
      this.prevHi = page[page.length - 1]?.legacy_nid ?? this.prevHi
      const rows = page.filter((r) => this.inScope(r))
      const byNid = new Map(rows.map((r) => [r.legacy_nid, r]))
      await this.attachArticles(
        byNid,
        rows.filter((r) => r.article === undefined).map((r) => r.legacy_nid),
      )
      const found: Difference[] = []
      const retired: RetiredArticle[] = []
      for (const r of rows) this.tally(null, r, compareArticle(null, this.toTarget(r)), found, retired)
      await this.record(found, retired, [])
      if (page.length < TAIL_PAGE) break
    }
    this.targetMs += Date.now() - started
  }

  /** Everything the report needs except the run's own fields (command, params, timings). */
  snapshot(): Pick<
    VerifyReport,
    | 'counts'
    | 'fieldChanges'
    | 'coverage'
    | 'rejects'
    | 'differences'
    | 'differencesTotal'
    | 'differencesLimit'
    | 'differencesFile'
    | 'retired'
    | 'retiredTotal'
    | 'retiredFile'
  > {
    const fieldChanges = Object.fromEntries([...this.fieldChanges].sort((a, b) => b[1] - a[1]))
    const settled = new Map<string, number>()
    for (const [mask, n] of this.settledMasks) for (const f of coveredFields(mask) ?? []) bump(settled, f, n)
    const coverage: FieldCoverage[] = COVERAGE_FIELDS.map((field) => ({
      field,
      source: (this.sourceCoverage.get(field) ?? 0) + (settled.get(field) ?? 0),
      sourceTotal: this.sourceTotal,
      target: (this.targetCoverage.get(field) ?? 0) + (settled.get(field) ?? 0),
      targetTotal: this.targetTotal,
    }))
    const reasons: RejectReason[] = [...this.reasons.values()]
      .sort((a, b) => b.count - a.count || a.field.localeCompare(b.field))
      .map((r) => ({ ...r, nids: [...r.nids] }))
    return {
      counts: { ...this.counts },
      fieldChanges,
      coverage,
      rejects: { reasons, file: this.counts.rejected > 0 ? 'rejects.ndjson' : null },
      differences: [...this.kept],
      differencesTotal: this.total,
      differencesLimit: this.limit,
      differencesFile: this.total > 0 ? 'differences.ndjson' : null,
      retired: [...this.keptRetired],
      retiredTotal: this.counts.retired,
      retiredFile: this.counts.retired > 0 ? 'retired.ndjson' : null,
    }
  }

  /** Whether this mapping could have written the row (its site is already in every query). */
  private inScope(row: TargetRow): boolean {
    return this.opts.bundles.includes(row.bundle)
  }

  private get limit(): number {
    return this.opts.differencesLimit ?? DEFAULT_DIFFERENCES_LIMIT
  }

  private tally(
    source: RowOutcome | null,
    target: TargetRow | null,
    c: Comparison,
    found: Difference[],
    retired: RetiredArticle[],
  ): void {
    if (source?.kind === 'unchanged') {
      // Matched by the fingerprints: the article (source's and target's alike) is the one whose
      // filled attributes were stored with them.
      // Counted by mask: a site's articles share a few dozen masks.
      bump(this.settledMasks, source.coverage)
      this.sourceTotal++
      this.targetTotal++
      this.counts.matched++
      return
    }
    const ok = source?.kind === 'ok' ? source : null
    if (ok) {
      this.sourceTotal++
      for (const f of COVERAGE_FIELDS) if (isNonEmpty(ok.article[f])) bump(this.sourceCoverage, f)
    }
    if (c.kind === 'retired') {
      // Out of sight in the target, as the source wants: not part of the target's coverage.
      this.counts.retired++
      retired.push(c.retired)
      return
    }
    if (target && !target.is_deleted) {
      this.targetTotal++
      // A matched row's article is the source's (same hash): no need to have read it.
      const doc = c.kind === 'matched' && ok ? ok.article : target.article
      if (doc !== null && typeof doc === 'object') {
        const d = doc as Record<string, unknown>
        for (const f of COVERAGE_FIELDS) if (isNonEmpty(d[f])) bump(this.targetCoverage, f)
      }
    }
    if (c.kind === 'matched') this.counts.matched++
    if (c.kind !== 'difference') return
    const d = c.difference
    this.counts[d.class]++
    if (d.class === 'changed') for (const f of d.fields) bump(this.fieldChanges, f)
    if (d.class === 'rejected') {
      for (const i of d.issues) {
        const key = `${i.field}\u0000${i.reason}`
        const r = this.reasons.get(key)
        if (r) {
          r.count++
          if (r.nids.length < 5) r.nids.push(d.legacyNid)
        } else if (this.reasons.size < MAX_REASONS) {
          this.reasons.set(key, {
            field: i.field,
            reason: i.reason,
            count: 1,
            nids: [d.legacyNid],
            excerpt: i.excerpt,
          })
        }
      }
    }
    found.push(d)
  }

  private async record(
    found: Difference[],
    retired: RetiredArticle[],
    outcomes: readonly RowOutcome[],
  ): Promise<void> {
    found.sort((a, b) => a.legacyNid - b.legacyNid)
    this.total += found.length
    for (const d of found) if (this.kept.length < this.limit) this.kept.push(d)
    await this.appendLines('differences.ndjson', found)
    retired.sort((a, b) => a.legacyNid - b.legacyNid)
    for (const r of retired) if (this.keptRetired.length < this.limit) this.keptRetired.push(r)
    await this.appendLines('retired.ndjson', retired)
    if (this.opts.writeRejects ?? true) {
      await this.appendLines(
        'rejects.ndjson',
        outcomes.flatMap((o) => (o.kind === 'invalid' ? [{ nid: o.ref.nid, issues: o.issues }] : [])),
      )
    }
  }

  /** NDJSON, a batch at a time; the first write of a run replaces a file left by an earlier one. */
  private async appendLines(name: string, records: readonly unknown[]): Promise<void> {
    if (records.length === 0) return
    const file = join(this.opts.reportDir, name)
    const text = `${records.map((r) => JSON.stringify(redactValues(r))).join('\n')}\n`
    if (this.started.has(name)) {
      await appendFile(file, text)
    } else {
      this.started.add(name)
      await writeFile(file, text)
    }
  }

  private get byContent(): boolean {
    return (this.opts.fingerprint ?? 'content') === 'content'
  }

  /**
   * Target rows with lo < nid <= hi (hi null: no upper bound, paged), restricted to `ids` if set;
   * by content (and not `keysOnly`) with their articles.
   */
  private async readRange(
    lo: number,
    hi: number | null,
    limit?: number,
    keysOnly = false,
  ): Promise<TargetRow[]> {
    const { pool, site, ids } = this.opts
    if (!pool) return []
    let inRange: number[] | null = null
    if (ids) {
      inRange = ids.filter((n) => n > lo && (hi === null || n <= hi))
      if (inRange.length === 0) return []
    }
    if (this.byContent && !keysOnly) {
      const records = await readTargetArticles(pool, {
        site,
        after: lo,
        upTo: hi,
        ids: inRange,
        owned: this.opts.owned ?? NO_OWNED_FIELDS,
        ...(limit ? { limit } : {}),
      })
      return records.map((r) => ({
        legacy_nid: r.legacyNid,
        bundle: r.bundle,
        content_hash: r.storedHash,
        is_deleted: r.isDeleted,
        published: r.article.published,
        is_live: r.article.isLive,
        article: r.article,
        editedInTarget: r.editedInTarget,
      }))
    }
    const params: unknown[] = [site, lo]
    let where = 'site = $1 AND legacy_nid > $2'
    if (hi !== null) {
      params.push(hi)
      where += ` AND legacy_nid <= $${params.length}`
    }
    if (inRange) {
      params.push(inRange)
      where += ` AND legacy_nid = ANY($${params.length}::int[])`
    }
    const { rows } = await pool.query<TargetRow>(
      `SELECT legacy_nid, bundle, content_hash, deleted_at IS NOT NULL AS is_deleted, published, is_live
       FROM article WHERE ${where} ORDER BY legacy_nid${limit ? ` LIMIT ${limit}` : ''}`,
      params,
    )
    return rows
  }

  private async attachArticles(byNid: Map<number, TargetRow>, nids: readonly number[]): Promise<void> {
    if (!this.opts.pool || nids.length === 0) return
    const selection = { site: this.opts.site, ids: nids, owned: this.opts.owned ?? NO_OWNED_FIELDS }
    for (const r of await readTargetArticles(this.opts.pool, selection)) {
      const t = byNid.get(r.legacyNid)
      if (t) {
        t.article = r.article
        t.editedInTarget = r.editedInTarget
      }
    }
  }

  /**
   * The target side of a comparison. Its fingerprint is computed now from the rebuilt article (by
   * content), or is the stored content_hash (stored-hash mode).
   */
  private toTarget(r: TargetRow | null): TargetArticle | null {
    if (!r) return null
    const fingerprint = this.byContent && r.article && !r.is_deleted ? hashArticle(r.article) : r.content_hash
    return {
      legacyNid: r.legacy_nid,
      contentHash: fingerprint,
      isDeleted: r.is_deleted,
      isPublished: r.published,
      isLive: r.is_live,
      ...(r.article !== undefined ? { document: r.article } : {}),
      ...(r.editedInTarget !== undefined ? { editedInTarget: r.editedInTarget } : {}),
    }
  }
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by)
}

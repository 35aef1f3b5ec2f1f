import type pg from 'pg'
import type { D7NodeBundle } from '../extract/d7-types.js'
import { type FingerprintPlan, readTargetFingerprints } from '../load/target-fingerprint.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { COVERAGE_FIELDS } from '../model/article-coverage.js'
import type { OwnedFields } from '../model/owned-fields.js'
import type { RunCounts } from '../report/run-stats.js'
import type { RowOutcome } from '../transform/outcome.js'
import type { PreTransform } from './engine.js'

export interface UnchangedFilterOptions {
  /** The target (null: no schema yet, nothing to skip). */
  readonly pool: Pick<pg.Pool, 'query'> | null
  readonly site: string
  /** The mapping's owned fields: an article with an editor's value in one is never skipped. */
  readonly owned: OwnedFields
  /** false (`--no-fast-path`): transform and compare every node; fingerprints are still kept. */
  readonly fastPath: boolean
  /**
   * The run writes (migrate, sync): keep what the loader needs to store fingerprints and to repair
   * articles edited in the target ({@link UnchangedFilter.plansFor}). verify: false.
   */
  readonly writes: boolean
}

/** What the fast path did over a run, for its report. */
export interface FastPathCounts {
  /** Nodes settled without a transform (in `unchanged` / `matched`). */
  settled: number
  /**
   * Articles whose target no longer computes the fingerprint stored with them: edited in Postgres
   * since dhm wrote them (or written before fingerprints existed, or rolled back). migrate and sync
   * rewrite them (owned fields keep the editor's value).
   */
  targetChanged: number
}

/**
 * The fast path of migrate again, `sync --full` and verify (issue #19 "Unchanged rows", #25). For a
 * batch, one query returns each article's stored source and target fingerprints and the target
 * fingerprint Postgres computes now (load/target-fingerprint.ts). A node whose source fingerprint
 * (extract/source-fingerprint.ts) equals the stored one, and whose article still computes the stored
 * target fingerprint, is settled without a transform: the last write made that article from this
 * very source, and nobody changed it since. Every other node goes the full way; one whose target
 * changed is rewritten by the loader whatever its content hash says (see {@link plansFor}).
 *
 * Called once per batch before the transform: `beforeTransform` is the batch engine's hook
 * (pipeline/engine.ts); the sinks of migrate and sync hand each batch's plans to loadBatch, verify's
 * tallies its batches.
 */
export class UnchangedFilter {
  /** Counted as batches are handed on (plansFor, tally), not as they are read ahead. */
  readonly counts: FastPathCounts = { settled: 0, targetChanged: 0 }
  private readonly plans = new Map<number, FingerprintPlan>()
  /** Nodes read ahead whose target changed, until their batch is counted. */
  private readonly changed = new Set<number>()
  /** The last batch plansFor was called for, and what it returned (a retried write asks again). */
  private last: { outcomes: readonly RowOutcome[]; plans: ReadonlyMap<number, FingerprintPlan> } | null = null

  constructor(private readonly opts: UnchangedFilterOptions) {}

  /** Split a batch into nodes to transform and nodes settled by their fingerprints. */
  async beforeTransform(nodes: readonly D7NodeBundle[]): Promise<PreTransform> {
    const { pool, site, owned } = this.opts
    const fingerprinted = nodes.filter((n) => n.sourceFingerprint !== undefined)
    if (pool === null || fingerprinted.length === 0) return { transform: nodes, decided: [] }
    const found = await readTargetFingerprints(
      pool,
      site,
      fingerprinted.map((n) => n.nid),
      owned,
    )
    const byNid = new Map(found.map((f) => [f.legacyNid, f]))
    const transform: D7NodeBundle[] = []
    const decided: RowOutcome[] = []
    for (const node of nodes) {
      const source = node.sourceFingerprint
      const target = byNid.get(node.nid)
      if (source === undefined) {
        transform.push(node)
        continue
      }
      const isTargetIntact = target !== undefined && target.storedTarget === target.target
      if (target !== undefined && !target.isDeleted && !isTargetIntact) this.changed.add(node.nid)
      if (
        this.opts.fastPath &&
        target !== undefined &&
        isTargetIntact &&
        !target.isDeleted &&
        !target.isOwnedEdited &&
        target.storedSource === source &&
        target.coverage?.length === COVERAGE_FIELDS.length
      ) {
        decided.push({
          kind: 'unchanged',
          ref: { nid: node.nid, vid: node.vid },
          strayLanguageRows: node.strayLanguageRows,
          coverage: target.coverage,
        })
        continue
      }
      transform.push(node)
      if (this.opts.writes) {
        this.plans.set(node.nid, {
          source,
          seen: target?.target ?? null,
          force: target !== undefined && !target.isDeleted && !isTargetIntact,
        })
      }
    }
    return { transform, decided }
  }

  /**
   * For the loader (loadBatch's `fingerprints`): per node of these outcomes, the source fingerprint
   * to store, the target fingerprint seen before the transform, and whether the article must be
   * rewritten (its target changed). Counts the batch. Asked again for the same batch (the engine
   * retries a write on a lost connection), it returns the same plans and counts nothing.
   */
  plansFor(outcomes: readonly RowOutcome[]): ReadonlyMap<number, FingerprintPlan> {
    if (this.last?.outcomes === outcomes) return this.last.plans
    this.tally(outcomes)
    const out = new Map<number, FingerprintPlan>()
    for (const o of outcomes) {
      const plan = this.plans.get(o.ref.nid)
      if (plan === undefined) continue
      this.plans.delete(o.ref.nid)
      out.set(o.ref.nid, plan)
    }
    this.last = { outcomes, plans: out }
    return out
  }

  /** Count a batch the run has handed on (plansFor does it for runs that write). */
  tally(outcomes: readonly RowOutcome[]): void {
    for (const o of outcomes) {
      if (o.kind === 'unchanged') this.counts.settled++
      if (this.changed.delete(o.ref.nid)) this.counts.targetChanged++
    }
  }
}

/**
 * The filter of a run that writes (migrate, sync), its counts kept in `counts.fastPath`. It also runs
 * with the fast path off: it still stores fingerprints and repairs articles edited in the target.
 */
export function fastPathFilter(
  pool: Pick<pg.Pool, 'query'>,
  mapping: CompiledMapping,
  fastPath: boolean | undefined,
  counts: RunCounts,
): UnchangedFilter {
  const filter = new UnchangedFilter({
    pool,
    site: mapping.site,
    owned: mapping.owned,
    fastPath: fastPath ?? true,
    writes: true,
  })
  counts.fastPath = filter.counts
  return filter
}

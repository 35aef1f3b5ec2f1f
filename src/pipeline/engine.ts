import type { D7NodeBundle } from '../extract/d7-types.js'
import { countBundleNodes, type SourceConnection } from '../extract/source-db.js'
import { explainSourceLoss, isSourceConnectionLost } from '../extract/source-loss.js'
import type { BatchResult } from '../load/load-batch.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { addBatch, addContentCounts, type RunCounts } from '../report/run-stats.js'
import { countStrayLanguageRows, type RowOutcome } from '../transform/outcome.js'
import { transformNode } from '../transform/transform-node.js'
import type { RunEvent, RunListener } from './events.js'
import { prefetch } from './prefetch.js'
import { retryTargetBatch } from './retry.js'

/**
 * The one batch loop of migrate, `migrate --dry-run`, sync (incremental and full) and verify:
 *
 *   source batches → beforeTransform → transform → sink (write | plan | compare)
 *
 * Each command brings its own setup (target, candidates, lock, marks), a source and a sink; this
 * file owns what they share: the transform (on the producer side of a bounded queue, so that while
 * the sink works on batch N, batch N+1 is read and transformed), retries of a target batch, the
 * run counts, progress events, the stop signal (the batch in progress finishes) and what a failure
 * is reported as.
 */

/** A batch as the source reads it, tagged with what the command needs once it is done (or null). */
export interface SourceBatch<Tag> {
  readonly nodes: readonly D7NodeBundle[]
  readonly tag: Tag
}

/**
 * What {@link BeforeTransform} decided for a batch: the nodes still to transform, and outcomes it
 * already knows without a transform (e.g. a node whose source fingerprint is unchanged).
 */
export interface PreTransform {
  readonly transform: readonly D7NodeBundle[]
  readonly decided: readonly RowOutcome[]
}

/** Runs per batch before the transform (on the producer side too); may drop nodes from it. */
export type BeforeTransform = (nodes: readonly D7NodeBundle[]) => PreTransform | Promise<PreTransform>

/** A batch once transformed: what a sink gets. */
export interface TransformedBatch<Tag> {
  /** Nodes read (every one ends in exactly one outcome). */
  readonly read: number
  /** In nid order, whether transformed or decided before the transform. */
  readonly outcomes: readonly RowOutcome[]
  readonly tag: Tag
  /** The source has no batch after this one (only known with `RunBatchesOptions.lookAhead`). */
  readonly isLast: boolean
}

/** Where transformed batches go: loadBatch (write), planBatch (dry run) or the Verifier (compare). */
export interface BatchSink<Tag, R> {
  /**
   * Handle one batch. With `retry`, a target transaction: on a lost connection it is called again,
   * so it must be safe to repeat (loadBatch is: idempotent upserts keyed by site + nid).
   */
  write(batch: TransformedBatch<Tag>): Promise<R>
  /** Retry `write` on a lost target connection, naming the command to rerun when it stays lost. */
  readonly retry?: { readonly command: 'migrate' | 'sync'; readonly targetUrl: string }
  /** The rows the batch wrote (or would write), for the run counts; omitted: the sink counts itself. */
  counted?(result: R): BatchResult
  /** After the batch is counted, before its progress event (reports, statistics, run state). */
  after?(batch: TransformedBatch<Tag>, result: R): Promise<void>
}

export interface RunBatchesOptions<Tag, R> {
  readonly source: AsyncIterable<SourceBatch<Tag>>
  readonly mapping: CompiledMapping
  readonly sink: BatchSink<Tag, R>
  readonly beforeTransform?: BeforeTransform
  /** The run counts, added to per batch (with `sink.counted`). */
  readonly counts?: RunCounts
  /** The number of nodes the run expects to read (progress events count against it). */
  readonly total: number
  /** Date.now() when the run started (progress events carry the time since). */
  readonly started: number
  readonly emit: RunListener
  /**
   * The event after each batch; default: a `progress` event with the counts. Verify tells its own
   * (a phase line at most every 2 s). null: none for this batch.
   */
  readonly progress?: (elapsedMs: number) => RunEvent | null
  /** Aborted: stop after the batch in progress (Ctrl-C). */
  readonly signal?: AbortSignal
  /** Read one batch ahead to tell the sink which batch is the last (sync commits its mark there). */
  readonly lookAhead?: boolean
  /** A lost source connection is reported with how to resume this command. */
  readonly command?: 'migrate' | 'sync'
  readonly sourceUrl: string
  /** Told the error a run fails with (e.g. to record the run as failed); its own errors are ignored. */
  readonly onFailure?: (error: Error) => Promise<void>
  /** Batches read and transformed ahead of the sink (default 1; measured with bench/run.ts, 2 cores). */
  readonly prefetchDepth?: number
}

export interface RunBatchesResult {
  /** The stop signal ended the run after a batch (not necessarily before the source's end). */
  readonly interrupted: boolean
  readonly batches: number
}

/** Batches read and transformed ahead of the sink; more was measured: no faster, more memory. */
export const PREFETCH_DEPTH = 1

/**
 * Drive `source` through the transform into `sink`, batch by batch, until the source ends or the
 * stop signal is seen after a batch. A lost source connection becomes a SourceQueryError saying how
 * to resume; any failure is told to `onFailure` before it is thrown.
 */
export async function runBatches<Tag, R>(opts: RunBatchesOptions<Tag, R>): Promise<RunBatchesResult> {
  const { sink, counts, emit } = opts
  const progress =
    opts.progress ??
    ((elapsedMs: number): RunEvent | null =>
      counts ? { kind: 'progress', counts: { ...counts }, total: opts.total, elapsedMs } : null)
  const { retry } = sink
  const write = retry
    ? (batch: TransformedBatch<Tag>) => retryTargetBatch(() => sink.write(batch), { ...retry, emit })
    : (batch: TransformedBatch<Tag>) => sink.write(batch)
  // The transform runs on the producer side of the queue; only the outcomes wait in it, the raw
  // source rows (5× bigger) are dropped at once.
  const transformed = transformBatches(opts.source, opts.mapping, opts.beforeTransform)
  const queued = prefetch(
    opts.lookAhead ? withLast(transformed) : transformed,
    opts.prefetchDepth ?? PREFETCH_DEPTH,
  )
  let batches = 0
  try {
    for await (const batch of queued) {
      const result = await write(batch)
      if (counts && sink.counted) countBatch(counts, batch, sink.counted(result))
      await sink.after?.(batch, result)
      batches++
      const event = progress(Date.now() - opts.started)
      if (event) emit(event)
      if (opts.signal?.aborted) return { interrupted: true, batches }
    }
  } catch (caught) {
    const error = (
      opts.command && isSourceConnectionLost(caught)
        ? explainSourceLoss(caught, opts.sourceUrl, opts.command)
        : caught
    ) as Error
    await opts.onFailure?.(error).catch(() => undefined)
    throw error
  }
  return { interrupted: false, batches }
}

/** Add a batch to the run counts: its rows, their content-rule counts and stray language rows. */
export function countBatch(counts: RunCounts, batch: TransformedBatch<unknown>, result: BatchResult): void {
  addBatch(counts, batch.read, result, countStrayLanguageRows(batch.outcomes))
  addContentCounts(counts, batch.outcomes)
}

/** The counts a batch leaves (without its content-rule counts): what a sink commits with the batch. */
export function countsAfter<C extends RunCounts>(
  counts: C,
  batch: TransformedBatch<unknown>,
  result: BatchResult,
): C {
  const next = { ...counts }
  addBatch(next, batch.read, result, countStrayLanguageRows(batch.outcomes))
  return next
}

/**
 * How many nodes a run reads: the mapping's bundles, those among `ids`, those after `afterNid` (a
 * resumed pass), at most `limit`. The total that progress lines count against.
 */
export async function countSourceNodes(
  conn: SourceConnection,
  url: string,
  mapping: CompiledMapping,
  where: {
    readonly ids?: readonly number[] | null
    readonly afterNid?: number
    readonly throughNid?: number
    readonly limit?: number
  } = {},
): Promise<number> {
  const { limit, ...rest } = where
  const n = await countBundleNodes(conn, url, mapping.source.bundles, rest)
  return limit !== undefined ? Math.min(n, limit) : n
}

/** Tag each batch of a node source with `tag(nodes)`. */
export async function* tagged<Tag>(
  source: AsyncIterable<readonly D7NodeBundle[]>,
  tag: (nodes: readonly D7NodeBundle[]) => Tag,
): AsyncGenerator<SourceBatch<Tag>> {
  for await (const nodes of source) yield { nodes, tag: tag(nodes) }
}

/** One source after the other. */
export async function* concatSources<T>(...sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  for (const source of sources) yield* source
}

async function* transformBatches<Tag>(
  source: AsyncIterable<SourceBatch<Tag>>,
  mapping: CompiledMapping,
  beforeTransform: BeforeTransform | undefined,
): AsyncGenerator<TransformedBatch<Tag>> {
  for await (const { nodes, tag } of source) {
    let outcomes: RowOutcome[]
    if (beforeTransform) {
      const pre = await beforeTransform(nodes)
      const made = pre.transform.map((node) => transformNode(node, mapping))
      outcomes = pre.decided.length === 0 ? made : mergeByNid(made, pre.decided)
    } else {
      outcomes = nodes.map((node) => transformNode(node, mapping))
    }
    yield { read: nodes.length, outcomes, tag, isLast: false }
  }
}

function mergeByNid(a: readonly RowOutcome[], b: readonly RowOutcome[]): RowOutcome[] {
  return [...a, ...b].sort((x, y) => x.ref.nid - y.ref.nid)
}

/** Mark the last batch (reads one batch ahead). */
async function* withLast<T extends { isLast: boolean }>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  let current = await it.next()
  while (!current.done) {
    const next = await it.next()
    yield next.done ? { ...current.value, isLast: true } : current.value
    current = next
  }
}

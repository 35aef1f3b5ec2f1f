import type pg from 'pg'
import { runIsAliveSql } from '../load/run-log.js'

/** One range of a distributed run as `dhm status` shows it: its newest attempt. */
export interface RangeStatus {
  readonly index: number
  readonly afterNid: number
  readonly throughNid: number | null
  /** The newest attempt's status (a dead worker's attempt shows as interrupted). */
  readonly status: string
  readonly worker: string
  readonly attempts: number
  readonly counts: Record<string, unknown>
}

export interface DistributedRunStatus {
  readonly runId: number
  /** Ranges the run was cut into (ranges not yet taken by a worker have no row here). */
  readonly ranges: number
  readonly attempts: readonly RangeStatus[]
}

/** The ranges of these runs (the distributed ones among them), from the run log. */
export async function readRangeStatus(
  db: pg.Pool | pg.ClientBase,
  runIds: readonly number[],
): Promise<DistributedRunStatus[]> {
  const { rows: parents } = await db.query<{ id: number; ranges: number }>(
    `SELECT id, (params->'distributed'->>'ranges')::int AS ranges FROM migration_run
     WHERE id = ANY($1::int[]) AND params ? 'distributed' ORDER BY id DESC`,
    [runIds],
  )
  if (parents.length === 0) return []
  const { rows } = await db.query<{
    parent: number
    index: number
    after_nid: number
    through_nid: number | null
    status: string
    worker: string
    attempts: number
    counts: Record<string, unknown>
  }>(
    `SELECT DISTINCT ON (parent, index) parent, index, after_nid, through_nid, status, worker, attempts, counts
     FROM (SELECT (params->'range'->>'parentRunId')::int AS parent, (params->'range'->>'index')::int AS index,
             (params->'range'->>'afterNid')::int AS after_nid, (params->'range'->>'throughNid')::int AS through_nid,
             CASE WHEN status = 'running' AND NOT ${runIsAliveSql('r')} THEN 'interrupted' ELSE status END AS status,
             params->'range'->>'worker' AS worker, counts, id,
             count(*) OVER (PARTITION BY params->'range'->>'parentRunId', params->'range'->>'index')::int AS attempts
           FROM migration_run r
           WHERE command = 'migrate-range' AND (params->'range'->>'parentRunId')::int = ANY($1::int[])) a
     ORDER BY parent, index, id DESC`,
    [parents.map((p) => p.id)],
  )
  return parents.map((p) => ({
    runId: p.id,
    ranges: p.ranges,
    attempts: rows
      .filter((r) => r.parent === p.id)
      .map((r) => ({
        index: r.index,
        afterNid: r.after_nid,
        throughNid: r.through_nid,
        status: r.status,
        worker: r.worker,
        attempts: r.attempts,
        counts: r.counts,
      })),
  }))
}

const COUNT_KEYS = ['read', 'inserted', 'updated', 'unchanged', 'rejected', 'filtered'] as const

/**
 * `ranges of run 12 (7): 6 succeeded, 1 running` and a table of the ranges: nids, status of the
 * newest attempt, its worker, how many attempts, its counts.
 */
export function renderRangeStatus(run: DistributedRunStatus): string {
  const byStatus = new Map<string, number>()
  for (const r of run.attempts) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1)
  const waiting = run.ranges - run.attempts.length
  const tally = [...byStatus].map(([s, n]) => `${n} ${s}`)
  if (waiting > 0) tally.push(`${waiting} not started`)
  const table = [
    ['range', 'nids', 'status', 'worker', 'attempts', ...COUNT_KEYS],
    ...run.attempts.map((r) => [
      String(r.index + 1),
      `${r.afterNid + 1}–${r.throughNid ?? ''}`,
      r.status,
      r.worker,
      String(r.attempts),
      ...COUNT_KEYS.map((k) => (typeof r.counts[k] === 'number' ? String(r.counts[k]) : '-')),
    ]),
  ]
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0))) ?? []
  const lines = table.map(
    (row) =>
      `  ${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}`,
  )
  return [`ranges of run ${run.runId} (${run.ranges}): ${tally.join(', ')}`, ...lines].join('\n')
}

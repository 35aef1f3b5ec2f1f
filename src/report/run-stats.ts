import type { BatchResult } from '../load/load-batch.js'

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
}

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

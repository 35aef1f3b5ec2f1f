import type { VerifyReport } from './verify-report.js'

/**
 * report.json, the machine contract (schemaVersion 1): `counts` (matched, missing, extra, changed,
 * rejected, read, filtered), `differences[]` (legacyNid, class, fields, title, changes, issues),
 * `fieldChanges`, `coverage`, `rejects`, `params` (no secrets), `timings`.
 */
export function renderVerifyJson(report: VerifyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}

import type { RunCounts } from '../report/run-stats.js'

const MAX_EXAMPLES = 5
const SUMMED = [
  'read',
  'inserted',
  'updated',
  'unchanged',
  'rejected',
  'filtered',
  'warnings',
  'strayLanguageRows',
] as const

/**
 * Add `more` (one range's counts, or a catch-up's) into `into`: the numbers summed, content rules
 * summed, examples kept up to five per rule. Counts read back from the run log may lack keys an
 * older dhm did not record.
 */
export function addCounts(into: RunCounts, more: Partial<RunCounts>): void {
  for (const key of SUMMED) into[key] += Number(more[key] ?? 0)
  for (const [rule, n] of Object.entries(more.content ?? {}))
    into.content[rule] = (into.content[rule] ?? 0) + n
  for (const [rule, examples] of Object.entries(more.contentExamples ?? {})) {
    const kept = into.contentExamples[rule] ?? []
    for (const e of examples) if (kept.length < MAX_EXAMPLES) kept.push(e)
    into.contentExamples[rule] = kept
  }
}

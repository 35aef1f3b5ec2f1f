import { describe, expect, it } from 'vitest'
import { type RunStatusRow, renderRunHistory } from '../../src/cli/commands/status.js'

const run = (id: number, command: string, counts: Record<string, unknown>): RunStatusRow => ({
  id,
  site: 'bne',
  command,
  status: 'succeeded',
  startedAt: '2026-12-07T13:01:45.000Z',
  seconds: 13.3,
  counts,
  highWaterMark: null,
})

describe('renderRunHistory (dhm status)', () => {
  it('shows what a files run copied, skipped and missed (it showed only "-")', () => {
    const files = { files: 2653, copied: 2424, skipped: 117, missing: 112, failed: 0, bytes: 493024 }
    const migrate = { read: 3000, inserted: 3000, updated: 0, unchanged: 0, rejected: 0, filtered: 0 }
    expect(renderRunHistory([run(3, 'files', files), run(1, 'migrate', migrate)])).toMatchInlineSnapshot(`
      "run  site  command  status     started (UTC)        took   read  inserted  updated  unchanged  rejected  filtered  deleted  high-water mark  files
      3    bne   files    succeeded  2026-12-07 13:01:45  13.3s  -     -         -        -          -         -         -        -                2653: copied 2424, skipped 117, missing 112, failed 0
      1    bne   migrate  succeeded  2026-12-07 13:01:45  13.3s  3000  3000      0        0          0         0         -        -                -"
    `)
  })

  it('has no files column when no files run is listed', () => {
    const migrate = { read: 3000, inserted: 3000, updated: 0, unchanged: 0, rejected: 0, filtered: 0 }
    expect(renderRunHistory([run(1, 'migrate', migrate)])).not.toContain('files')
  })
})

import { describe, expect, it } from 'vitest'
import { type RunStatusRow, renderRunHistory } from '../../src/cli/commands/status.js'

const run = (over: Partial<RunStatusRow>): RunStatusRow => ({
  id: 1,
  site: 'bne',
  command: 'sync',
  status: 'succeeded',
  startedAt: '2026-11-27T09:05:00.000Z',
  seconds: 0.9,
  counts: {},
  highWaterMark: 1696118400,
  ...over,
})

describe('dhm status table: a sync row says what each kind of change brought in', () => {
  it.each([
    {
      name: 'a sync with node and side-table changes lists the non-zero kinds',
      counts: {
        read: 528,
        updated: 488,
        changes: { node: 40, term: 484, alias: 4, file: 0, user: 0, 'list-label': 0 },
      },
      expected: 'node 40, term 484, alias 4',
    },
    {
      name: 'a sync that found nothing says none',
      counts: { read: 0, changes: { node: 0, term: 0, alias: 0, file: 0, user: 0, 'list-label': 0 } },
      expected: 'none',
    },
    {
      name: 'a migrate (no changes recorded) shows a dash',
      counts: { read: 300, inserted: 300 },
      expected: '-',
    },
  ])('$name', ({ counts, expected }) => {
    const [header, row] = renderRunHistory([run({ counts })]).split('\n')
    expect(header).toMatch(/\s+high-water mark\s+changes$/)
    expect(row?.endsWith(`2023-10-01 00:00:00  ${expected}`)).toBe(true)
  })
})

const listed = (id: number, command: string, counts: Record<string, unknown>): RunStatusRow => ({
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
    expect(
      renderRunHistory([listed(3, 'files', files), listed(1, 'migrate', migrate)]),
    ).toMatchInlineSnapshot(`
      "run  site  command  status     started (UTC)        took   read  inserted  updated  unchanged  rejected  filtered  deleted  high-water mark  changes  files
      3    bne   files    succeeded  2026-12-07 13:01:45  13.3s  -     -         -        -          -         -         -        -                -        2653: copied 2424, skipped 117, missing 112, failed 0
      1    bne   migrate  succeeded  2026-12-07 13:01:45  13.3s  3000  3000      0        0          0         0         -        -                -        -"
    `)
  })

  it('has no files column when no files run is listed', () => {
    const migrate = { read: 3000, inserted: 3000, updated: 0, unchanged: 0, rejected: 0, filtered: 0 }
    expect(renderRunHistory([listed(1, 'migrate', migrate)])).not.toContain('files')
  })
})

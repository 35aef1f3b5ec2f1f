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

import { describe, expect, it } from 'vitest'
import { emptyCounts, renderAccountedLine } from '../../src/report/run-stats.js'
import { normalizeDates, scrubNul } from '../../src/transform/normalize-row.js'

const NOW = Date.parse('2025-01-01T00:00:00Z')
const A = '2023-09-01T00:00:00Z'
const B = '2023-10-01T00:00:00Z'

describe('normalizeDates', () => {
  it.each([
    {
      name: 'all present',
      input: { createdAt: A, updatedAt: B, publishedAt: A },
      out: { createdAt: A, updatedAt: B, publishedAt: A },
      warned: [],
    },
    {
      name: 'created = 0 → changed',
      input: { createdAt: null, updatedAt: B, publishedAt: A },
      out: { createdAt: B, updatedAt: B, publishedAt: A },
      warned: ['createdAt'],
    },
    {
      name: 'changed = 0 → created',
      input: { createdAt: A, updatedAt: null, publishedAt: A },
      out: { createdAt: A, updatedAt: A, publishedAt: A },
      warned: ['updatedAt'],
    },
    {
      name: 'only a publication date',
      input: { createdAt: null, updatedAt: null, publishedAt: B },
      out: { createdAt: B, updatedAt: B, publishedAt: B },
      warned: ['createdAt', 'updatedAt'],
    },
    {
      name: 'future is kept',
      input: { createdAt: '2037-01-01T00:00:00Z', updatedAt: A, publishedAt: A },
      out: { createdAt: '2037-01-01T00:00:00Z' },
      warned: ['createdAt'],
    },
  ])('$name', ({ input, out, warned }) => {
    const values: Record<string, unknown> = { ...input }
    const fields: string[] = []
    expect(normalizeDates(values, (f) => fields.push(f), NOW)).toBeNull()
    expect(values).toMatchObject(out)
    expect(fields).toEqual(warned)
  })

  it('rejects a row without any date', () => {
    expect(
      normalizeDates({ createdAt: null, updatedAt: null, publishedAt: null }, () => undefined, NOW),
    ).toMatchObject({
      field: 'createdAt',
      reason: expect.stringMatching(/^no usable date/),
    })
  })
})

describe('scrubNul', () => {
  it('removes NULs everywhere, one warning per path, and keeps untouched values identical', () => {
    const clean = { a: ['x'] }
    const fields: string[] = []
    const out = scrubNul({ t: 'a\u0000b', r: [{ path: '\u0000p' }], clean }, (f) => fields.push(f))
    expect(out).toEqual({ t: 'ab', r: [{ path: 'p' }], clean })
    expect(out.clean).toBe(clean)
    expect(fields).toEqual(['t', 'r[0].path'])
  })
})

describe('renderAccountedLine', () => {
  it('shows the invariant, or the mismatch', () => {
    const c = { ...emptyCounts(), read: 10, inserted: 4, updated: 1, unchanged: 2, rejected: 2, filtered: 1 }
    expect(renderAccountedLine(c)).toBe(
      'accounted: read 10 = loaded 5 + unchanged 2 + rejected 2 + filtered 1 ✓',
    )
    expect(renderAccountedLine({ ...c, read: 11 })).toBe(
      'accounted: read 11 ≠ loaded 5 + unchanged 2 + rejected 2 + filtered 1 ✗ MISMATCH',
    )
  })

  it('a dry run says what it would load, not what it loaded', () => {
    const c = { ...emptyCounts(), read: 3, inserted: 2, unchanged: 1 }
    expect(renderAccountedLine(c, { dryRun: true })).toBe(
      'accounted: read 3 = would load 2 + unchanged 1 + rejected 0 + filtered 0 ✓',
    )
  })
})

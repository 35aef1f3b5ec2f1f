import { describe, expect, it } from 'vitest'
import { emptyCounts } from '../../src/report/run-stats.js'
import { addCounts } from '../../src/workers/merge-counts.js'
import { rangesFromBoundaries } from '../../src/workers/nid-ranges.js'

describe('rangesFromBoundaries', () => {
  it.each([
    {
      name: 'no boundary: one open range',
      input: [],
      expected: [{ index: 0, afterNid: 0, throughNid: null }],
    },
    {
      name: 'every boundary closes a range; the last one stays open for nodes created later',
      input: [40, 95],
      expected: [
        { index: 0, afterNid: 0, throughNid: 40 },
        { index: 1, afterNid: 40, throughNid: 95 },
        { index: 2, afterNid: 95, throughNid: null },
      ],
    },
  ])('$name', ({ input, expected }) => {
    expect(rangesFromBoundaries(input)).toEqual(expected)
  })
})

describe('addCounts', () => {
  it('sums the numbers and content rules of ranges, keeping five examples per rule', () => {
    const total = emptyCounts()
    const range = (n: number) => ({
      ...emptyCounts(),
      read: n,
      inserted: n,
      content: { 'link-node': n },
      contentExamples: { 'link-node': [`a${n}`, `b${n}`, `c${n}`] },
    })
    addCounts(total, range(40))
    addCounts(total, range(2))
    addCounts(total, { read: 1, unchanged: 1 }) // a run log row from an older dhm: keys missing
    expect(total).toMatchObject({ read: 43, inserted: 42, unchanged: 1, content: { 'link-node': 42 } })
    expect(total.contentExamples['link-node']).toEqual(['a40', 'b40', 'c40', 'a2', 'b2'])
  })
})

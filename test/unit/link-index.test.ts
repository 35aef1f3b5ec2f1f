import { describe, expect, it } from 'vitest'
import { linkIndexPays, MAX_NID, nidSpanCanPay } from '../../src/extract/extract-nodes.js'

describe('the link-target index is read up front only when it pays', () => {
  it.each([
    { case: 'a small run looks links up per batch', toRead: 49_999, total: 100_000, expected: false },
    { case: 'from 50,000 nodes to read on', toRead: 50_000, total: 100_000, expected: true },
    { case: 'the 1M bench database', toRead: 1_000_000, total: 1_160_000, expected: true },
    {
      case: 'a source of exactly 4M nodes (40 MB of index)',
      toRead: 50_000,
      total: 4_000_000,
      expected: true,
    },
    {
      case: 'a bigger source looks links up per batch',
      toRead: 3_000_000,
      total: 4_000_001,
      expected: false,
    },
  ])('$case', ({ toRead, total, expected }) => {
    expect(linkIndexPays(toRead, total)).toBe(expected)
  })
})

describe('a nid range too narrow to hold enough nodes does not count them first', () => {
  it.each([
    { case: 'a whole run', afterNid: 0, throughNid: MAX_NID, expected: true },
    { case: 'a resumed run', afterNid: 900_000, throughNid: MAX_NID, expected: true },
    {
      case: "a distributed run's range of 10,000 nids",
      afterNid: 40_000,
      throughNid: 50_000,
      expected: false,
    },
    { case: 'a range of exactly 50,000 nids', afterNid: 0, throughNid: 50_000, expected: true },
  ])('$case', ({ afterNid, throughNid, expected }) => {
    expect(nidSpanCanPay(afterNid, throughNid)).toBe(expected)
  })
})

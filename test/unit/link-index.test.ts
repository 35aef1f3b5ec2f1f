import { describe, expect, it } from 'vitest'
import { linkIndexPays } from '../../src/extract/extract-nodes.js'

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

import { describe, expect, it } from 'vitest'
import { addContentCounts, emptyCounts } from '../../src/report/run-stats.js'
import { type ContentTally, countRule, MAX_EXAMPLES } from '../../src/transform/content/content-tally.js'
import type { RowOutcome } from '../../src/transform/outcome.js'

const LONG = `node 1 body: ${'<p>a  long\n body</p> '.repeat(400)}`

const okWith = (content: ContentTally): RowOutcome =>
  ({ kind: 'ok', ref: { nid: 1, vid: 1 }, content }) as unknown as RowOutcome

describe('content-rule examples', () => {
  it('a row keeps the first five examples of a rule as the rule gave them: nothing is built per occurrence', () => {
    const tally: ContentTally = {}
    for (let i = 0; i < 8; i++) countRule(tally, 'link-node', `${LONG}${i}`)
    expect(tally['link-node']?.n).toBe(8)
    expect(tally['link-node']?.examples).toEqual([0, 1, 2, 3, 4].map((i) => `${LONG}${i}`))
  })

  it('a run keeps five examples per rule in all, each shortened to one line of at most 160 characters', () => {
    const tallies = [0, 1, 2].map((row) => {
      const tally: ContentTally = {}
      for (let i = 0; i < 3; i++) countRule(tally, 'media-token', `${LONG} row ${row}`)
      return tally
    })
    const counts = emptyCounts()
    addContentCounts(counts, tallies.map(okWith))
    expect(counts.content).toEqual({ 'media-token': 9 })
    const kept = counts.contentExamples['media-token'] ?? []
    expect(kept).toHaveLength(MAX_EXAMPLES)
    for (const e of kept) {
      expect(e.length).toBeLessThanOrEqual(160)
      expect(e).toMatch(/^node 1 body: <p>a long body<\/p> <p>a long body<\/p>.*…$/)
    }
  })
})

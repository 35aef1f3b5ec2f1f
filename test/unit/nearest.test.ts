import { describe, expect, it } from 'vitest'
import { nearest } from '../../src/mapping/nearest.js'

const CONDITION_KEYS = ['path', 'equals', 'in', 'present', 'all', 'any', 'not']

describe('nearest (did you mean)', () => {
  it.each([
    { name: 'one letter too many', word: 'trimm', candidates: ['trim', 'truncate'], expected: 'trim' },
    { name: 'one letter missing', word: 'al', candidates: CONDITION_KEYS, expected: 'all' },
    { name: 'case only', word: 'publicBaseURL', candidates: ['publicBaseUrl'], expected: 'publicBaseUrl' },
    { name: 'nothing close', word: 'colour', candidates: ['site', 'source', 'fields'], expected: null },
    { name: 'every letter different', word: 'eq', candidates: CONDITION_KEYS, expected: null },
    { name: 'no candidates', word: 'live', candidates: [], expected: null },
  ])('$name: $word → $expected', ({ word, candidates, expected }) => {
    expect(nearest(word, candidates)).toBe(expected)
  })
})

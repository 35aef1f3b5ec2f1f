import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/model/content-hash.js'

/** The definition canonicalJson must keep: JSON.stringify of a copy with keys sorted at every level. */
function definition(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys)
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(v).sort()) out[key] = sortKeys((v as Record<string, unknown>)[key])
      return out
    }
    return v
  }
  return JSON.stringify(sortKeys(value))
}

const sparse: unknown[] = [1]
sparse[3] = 2

describe('canonicalJson', () => {
  it.each([
    ['null', null],
    ['string with quotes, controls, a lone surrogate', 'a"b\\c\n\u0000\u001f\ud800 é 😀 \u2028'],
    ['numbers', [0, -0, 1.5, 1e21, 1e-7, -3, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER]],
    ['booleans', [true, false]],
    [
      'nested, unsorted keys',
      { b: 1, a: { d: [3, { z: 1, y: null }], c: 'x' }, B: 2, _: 0, '10': 1, '9': 2 },
    ],
    ['undefined and functions', { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol('s')], d: 1 }],
    ['sparse array', sparse],
    ['empty', [{}, [], '']],
    ['a Date and a Map', { d: new Date(0), m: new Map([[1, 2]]) }],
    ['toJSON key', { toJSON: () => 'x', a: 1 }],
    [
      'index-like keys',
      { '4294967294': 1, '4294967295': 2, '01': 3, '1': 4, '-1': 5, '1.5': 6, '0': 7, a: 8 },
    ],
    ['keys needing escapes', { 'a"b': 1, é: 2, '\n': 3 }],
    [
      'an article-like document',
      {
        site: 'bne',
        legacyNid: 1,
        title: 'T',
        body: { value: '<p>x</p>', summary: null, format: 'full_html' },
        sections: [{ tid: 2, name: 'S', vocabulary: 'v' }],
        translations: [],
        redirects: [{ path: 'a', language: 'und', legacyNid: 1 }],
      },
    ],
  ])('%s', (_name, value) => {
    expect(canonicalJson(value)).toBe(definition(value))
  })

  it('leaves out a top-level undefined like JSON.stringify', () => {
    expect(canonicalJson(undefined)).toBe(definition(undefined))
  })
})

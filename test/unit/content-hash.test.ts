import { describe, expect, it } from 'vitest'
import type { Article } from '../../src/model/article.js'
import { canonicalJson, documentText } from '../../src/model/content-hash.js'

// The canonical JSON is what every content hash is taken over: any change of its text changes every
// stored hash and makes the next run rewrite every article. The expected strings are written out by
// hand (JSON.stringify's rules with keys sorted at every level), not computed by code like the one
// under test.

const sparse: unknown[] = [1]
sparse[3] = 2

describe('canonicalJson', () => {
  it.each([
    { name: 'null', input: null, expected: 'null' },
    {
      name: 'a string with quotes, controls, a lone surrogate, emoji and U+2028',
      input: 'a"b\\c\n\u0000\u001f\ud800 é 😀 \u2028',
      expected: '"a\\"b\\\\c\\n\\u0000\\u001f\\ud800 é 😀 \u2028"',
    },
    {
      name: 'numbers: -0 as 0, exponents as JSON writes them, NaN and Infinity as null',
      input: [0, -0, 1.5, 1e21, 1e-7, -3, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER],
      expected: '[0,0,1.5,1e+21,1e-7,-3,null,null,9007199254740991]',
    },
    { name: 'booleans', input: [true, false], expected: '[true,false]' },
    {
      name: 'keys sorted at every level (index-like keys first, numerically; then by code unit)',
      input: { b: 1, a: { d: [3, { z: 1, y: null }], c: 'x' }, B: 2, _: 0, '10': 1, '9': 2 },
      expected: '{"9":2,"10":1,"B":2,"_":0,"a":{"c":"x","d":[3,{"y":null,"z":1}]},"b":1}',
    },
    {
      name: 'the same content built in another key order gives the same text',
      input: { '9': 2, _: 0, B: 2, '10': 1, b: 1, a: { c: 'x', d: [3, { y: null, z: 1 }] } },
      expected: '{"9":2,"10":1,"B":2,"_":0,"a":{"c":"x","d":[3,{"y":null,"z":1}]},"b":1}',
    },
    {
      name: 'undefined and functions: left out of objects, null in arrays',
      input: { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol('s')], d: 1 },
      expected: '{"c":[null,null,null],"d":1}',
    },
    { name: 'a sparse array: holes as null', input: sparse, expected: '[1,null,null,2]' },
    { name: 'empty object, array and string', input: [{}, [], ''], expected: '[{},[],""]' },
    {
      name: 'only canonical array indices count as index-like keys',
      input: { '4294967294': 1, '4294967295': 2, '01': 3, '1': 4, '-1': 5, '1.5': 6, '0': 7, a: 8 },
      expected: '{"0":7,"1":4,"4294967294":1,"-1":5,"01":3,"1.5":6,"4294967295":2,"a":8}',
    },
    {
      name: 'keys needing escapes',
      input: { 'a"b': 1, é: 2, '\n': 3 },
      expected: '{"\\n":3,"a\\"b":1,"é":2}',
    },
    {
      name: 'an article-like document',
      input: {
        site: 'bne',
        legacyNid: 1,
        title: 'T',
        body: { value: '<p>x</p>', summary: null, format: 'full_html' },
        sections: [{ tid: 2, name: 'S', vocabulary: 'v' }],
        translations: [],
        redirects: [{ path: 'a', language: 'und', legacyNid: 1 }],
      },
      expected:
        '{"body":{"format":"full_html","summary":null,"value":"<p>x</p>"},"legacyNid":1,' +
        '"redirects":[{"language":"und","legacyNid":1,"path":"a"}],' +
        '"sections":[{"name":"S","tid":2,"vocabulary":"v"}],"site":"bne","title":"T","translations":[]}',
    },
  ])('$name', ({ input, expected }) => {
    expect(canonicalJson(input)).toBe(expected)
  })

  it('leaves out a top-level undefined like JSON.stringify', () => {
    expect(canonicalJson(undefined)).toBeUndefined()
  })
})

describe('documentText: free-form records hash the same whatever order their keys come in', () => {
  // The target's jsonb orders keys its own way: an article read back must serialize as the transform's.
  const article = (extra: object, attributes: object) =>
    ({ title: 'T', links: [{ url: 'https://x.org', title: null, attributes }], extra }) as unknown as Article

  it('sorts the keys of extra and of link attributes (deeply); the article keeps its model key order', () => {
    const a = article({ zeta: 1, alpha: { b: 2, a: 1 } }, { title: 't', class: 'c' })
    const b = article({ alpha: { a: 1, b: 2 }, zeta: 1 }, { class: 'c', title: 't' })
    expect(documentText(a)).toBe(documentText(b))
    expect(documentText(a)).toBe(
      '{"title":"T","links":[{"url":"https://x.org","title":null,"attributes":{"class":"c","title":"t"}}],' +
        '"extra":{"alpha":{"a":1,"b":2},"zeta":1}}',
    )
  })
})

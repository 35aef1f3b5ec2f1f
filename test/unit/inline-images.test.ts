import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BodyHtmlOptionsSchema, processBody } from '../../src/transform/content/body-html.js'
import { type ContentTally, countRule } from '../../src/transform/content/content-tally.js'
import { findInlineImages, rewriteInlineImages } from '../../src/transform/content/inline-images.js'

const BASE = { publicBaseUrl: 'https://media.example.org/files/' }
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000009077', 'hex')
const pngSha = createHash('sha256').update(PNG).digest('hex')
const b64 = PNG.toString('base64')

function tallied(fn: (count: (rule: string, example?: string) => void) => string) {
  const tally: ContentTally = {}
  const result = fn((rule, example) => countRule(tally, rule, example))
  return { result, counts: Object.fromEntries(Object.entries(tally).map(([k, v]) => [k, v.n])) }
}

describe('rewriteInlineImages', () => {
  it.each([
    {
      name: 'png data: URI → its content-addressed file',
      input: `<img src="data:image/png;base64,${b64}" alt="chart">`,
      expected: `<img src="https://media.example.org/files/inline/${pngSha}.png" alt="chart">`,
      counts: { 'file-inline-image': 1 },
    },
    {
      name: 'jpeg with parameters, single quotes, wrapped base64',
      input: `<img alt='x' src='data:image/jpeg;name=a.jpg;base64,${b64.slice(0, 10)}\n${b64.slice(10)}'>`,
      expected: `<img alt='x' src='https://media.example.org/files/inline/${pngSha}.jpg'>`,
      counts: { 'file-inline-image': 1 },
    },
    {
      name: 'svg is not taken (left for the sanitizer)',
      input: '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
      expected: '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
      counts: {},
    },
    { name: 'no data: image', input: '<img src="/a.png">', expected: '<img src="/a.png">', counts: {} },
  ])('$name', ({ input, expected, counts }) => {
    const r = tallied((count) => rewriteInlineImages(input, BASE, count))
    expect(r.result).toBe(expected)
    expect(r.counts).toEqual(counts)
  })

  it('without a public base URL the data: URL is left and counted', () => {
    const input = `<img src="data:image/png;base64,${b64}">`
    const r = tallied((count) => rewriteInlineImages(input, {}, count))
    expect(r).toEqual({ result: input, counts: { 'file-inline-image-unresolved': 1 } })
  })

  it('findInlineImages decodes what the rewrite points at', () => {
    expect(findInlineImages(`<p><img src="data:image/png;base64,${b64}"></p>`)).toEqual([
      { path: `inline/${pngSha}.png`, mime: 'image/png', bytes: PNG },
    ])
  })
})

describe('a 3 MB image pasted into a body (CKEditor)', () => {
  it('keeps its <img> through the sanitizer, pointing at the file, instead of <img alt="chart" />', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x5a)
    const sha = createHash('sha256').update(big).digest('hex')
    const value = `<p>Results</p><img src="data:image/png;base64,${big.toString('base64')}" alt="chart">`
    const tally: ContentTally = {}
    const r = processBody(
      { value, summary: null, format: 'full_html' },
      BodyHtmlOptionsSchema.parse({ fileUris: true, sanitize: {} }),
      {
        files: {},
        links: undefined,
        base: BASE,
        count: (rule, e) => countRule(tally, rule, e),
        warn: () => {},
      },
    )
    expect(r.value).toBe(
      `<p>Results</p><img src="https://media.example.org/files/inline/${sha}.png" alt="chart">`,
    )
    expect(tally['file-inline-image']?.n).toBe(1)
    expect(tally['sanitize-url']).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import { TransformError } from '../../src/errors.js'
import type { D7NodeBundle } from '../../src/extract/d7-types.js'
import { TRANSFORMS, type TransformContext } from '../../src/transform/registry.js'

const node: D7NodeBundle = {
  nid: 10,
  vid: 11,
  type: 'article',
  language: 'en',
  title: 'T',
  uid: 1,
  status: 1,
  created: 0,
  changed: 0,
  promote: 0,
  sticky: 0,
  tnid: 0,
  fields: {},
  workflow: null,
  publicationDate: null,
  aliases: [],
  terms: {
    5: { tid: 5, name: 'Türkiye', vocabulary: 'subjects' },
    6: { tid: 6, name: 'Banking', vocabulary: 'subjects' },
  },
  files: {
    7: {
      fid: 7,
      uri: 'public://images/a b.jpg',
      filename: 'a b.jpg',
      filemime: 'image/jpeg',
      filesize: 123,
      status: 1,
    },
    8: {
      fid: 8,
      uri: 'temporary://upload.pdf',
      filename: 'upload.pdf',
      filemime: 'application/pdf',
      filesize: 9,
      status: 0,
    },
  },
  strayLanguageRows: 0,
}

function run(name: string, value: unknown, arg?: unknown) {
  const warnings: string[] = []
  const ctx: TransformContext = {
    node,
    files: { publicBaseUrl: 'https://cdn.example.com/files/' },
    warn: (m) => warnings.push(m),
  }
  const def = TRANSFORMS[name]
  if (!def) throw new Error(`no transform ${name}`)
  const result =
    def.mode === 'each' && Array.isArray(value)
      ? value.map((v) => def.apply(v, arg, ctx))
      : def.apply(value, arg, ctx)
  return { result, warnings }
}

describe('transforms', () => {
  it.each([
    { name: 'first', input: ['a', 'b'], expected: 'a' },
    { name: 'first', input: [], expected: null },
    { name: 'last', input: ['a', 'b'], expected: 'b' },
    { name: 'compact', input: ['a', null, ' ', 'b'], expected: ['a', 'b'] },
    { name: 'join', arg: ', ', input: ['a', null, 'b'], expected: 'a, b' },
    { name: 'join', arg: ', ', input: [], expected: null },
    { name: 'split', arg: ';', input: ['a; b ;', 'c'], expected: ['a', 'b', 'c'] },
    { name: 'trim', input: '  x  ', expected: 'x' },
    { name: 'empty-to-null', input: ['', ' ', 'x'], expected: [null, null, 'x'] },
    { name: 'zero-to-null', input: [0, '0', 5], expected: [null, null, 5] },
    { name: 'int', input: '42', expected: 42 },
    { name: 'boolean', input: [1, '0', null, ''], expected: [true, false, null, false] },
    { name: 'timestamp', input: 1108056704, expected: '2005-02-10T17:31:44Z' },
    { name: 'timestamp', input: '1108056704', expected: '2005-02-10T17:31:44Z' },
    { name: 'timestamp', input: '2019-03-01 10:00:00', expected: '2019-03-01T10:00:00Z' },
    { name: 'timestamp', input: 0, expected: null },
    { name: 'timestamp', input: 86399, expected: '1970-01-01T23:59:59Z' },
    { name: 'timestamp', input: 86400, expected: '1970-01-02T00:00:00Z' },
    { name: 'timestamp', input: 951782400, expected: '2000-02-29T00:00:00Z' },
    { name: 'date', input: -1, expected: '1969-12-31T23:59:59Z' },
    { name: 'timestamp', input: 253402300799, expected: '9999-12-31T23:59:59Z' },
    { name: 'timestamp', input: 253402300800, expected: '+010000-01-01T00:00:00Z' },
    { name: 'timestamp', input: '2019-03-01 10:00:00.250', expected: '2019-03-01T10:00:00Z' },
    { name: 'static-map', arg: { 12: 'news', '*': 'other' }, input: [12, 13], expected: ['news', 'other'] },
    { name: 'strip-html', input: '<p>Tom &amp; Jerry&nbsp;<b>go</b></p>', expected: 'Tom & Jerry go' },
    { name: 'truncate', arg: 12, input: 'The quick brown fox', expected: 'The quick…' },
    { name: 'truncate', arg: 50, input: 'short', expected: 'short' },
    {
      name: 'terms',
      input: ['6', 5, 6],
      expected: [
        { tid: 6, name: 'Banking', vocabulary: 'subjects' },
        { tid: 5, name: 'Türkiye', vocabulary: 'subjects' },
      ],
    },
    { name: 'term-name', input: [5], expected: ['Türkiye'] },
    {
      name: 'text-with-summary',
      input: { value: '<p>x</p>', summary: null, format: 'full_html' },
      expected: {
        value: '<p>x</p>',
        summary: null,
        format: 'full_html',
        summaryDerived: false,
      },
    },
  ])('$name($input) → $expected', ({ name, input, arg, expected }) => {
    expect(run(name, input, arg).result).toEqual(expected)
  })

  it('file resolves public:// to the configured base URL, path segments encoded', () => {
    expect(run('file', 7).result).toEqual({
      fid: 7,
      uri: 'public://images/a b.jpg',
      url: 'https://cdn.example.com/files/images/a%20b.jpg',
      filename: 'a b.jpg',
      mime: 'image/jpeg',
      size: 123,
    })
  })

  it.each([
    {
      name: 'a missing file',
      fid: 99,
      warning: 'file 99 is referenced but missing from file_managed; kept as null',
    },
    {
      name: 'a temporary:// file',
      fid: 8,
      warning: 'file 8 is temporary (temporary://upload.pdf) and is never published; kept as null',
    },
  ])('file turns $name into null with a warning', ({ fid, warning }) => {
    expect(run('file', fid)).toEqual({ result: null, warnings: [warning] })
  })

  it('terms drops unknown terms with a warning instead of failing the row', () => {
    expect(run('terms', [5, 404])).toEqual({
      result: [{ tid: 5, name: 'Türkiye', vocabulary: 'subjects' }],
      warnings: ['term 404 is referenced but missing from taxonomy_term_data; dropped'],
    })
  })

  it('image keeps the item metadata even when its file is gone', () => {
    expect(run('image', { fid: 99, alt: 'Alt', title: null, width: '640', height: 480 }).result).toEqual({
      file: null,
      caption: null,
      credit: null,
      alt: 'Alt',
      title: null,
      width: 640,
      height: 480,
    })
  })

  it.each([
    { name: 'boolean', input: 'yes', message: 'expected 0 or 1, got "yes"' },
    { name: 'int', input: '4.5', message: 'expected an integer, got "4.5"' },
    { name: 'timestamp', input: 'someday', message: 'not a date: "someday"' },
    // Beyond what a JS Date holds (±8.64e15 ms): a rejected row, not a RangeError that stops the run.
    { name: 'timestamp', input: 99999999999999, message: 'not a date: 99999999999999' },
    { name: 'date', input: '99999999999999', message: 'not a date: "99999999999999"' },
  ])('$name rejects $input with a message', ({ name, input, message }) => {
    expect(() => run(name, input)).toThrow(TransformError)
    expect(() => run(name, input)).toThrow(message)
  })
})

import { describe, expect, it } from 'vitest'
import {
  arrayLiteral,
  type CopyType,
  copyChunks,
  copyField,
  copyLine,
  escapeCopy,
} from '../../src/load/copy-rows.js'

describe('COPY text format', () => {
  it.each([
    { name: 'plain text is untouched', input: 'Türkiye «news»', expected: 'Türkiye «news»' },
    { name: 'backslash is doubled', input: 'C:\\path', expected: 'C:\\\\path' },
    { name: 'newline, CR and tab are escaped', input: 'a\nb\r\tc', expected: 'a\\nb\\r\\tc' },
    { name: 'a literal \\N is not NULL', input: '\\N', expected: '\\\\N' },
  ])('escapeCopy: $name', ({ input, expected }) => {
    expect(escapeCopy(input)).toBe(expected)
  })

  it.each([
    { name: 'empty array', input: [], expected: '{}' },
    { name: 'every element quoted', input: ['a', 'b c', 'NULL'], expected: '{"a","b c","NULL"}' },
    {
      name: 'quote and backslash escaped',
      input: ['say "hi"', 'a\\b'],
      expected: '{"say \\"hi\\"","a\\\\b"}',
    },
    { name: 'null element', input: ['x', null], expected: '{"x",NULL}' },
  ])('arrayLiteral: $name', ({ input, expected }) => {
    expect(arrayLiteral(input)).toBe(expected)
  })

  it.each<{ name: string; value: unknown; type: CopyType; expected: string }>([
    { name: 'null', value: null, type: 'text', expected: '\\N' },
    { name: 'undefined', value: undefined, type: 'int', expected: '\\N' },
    { name: 'boolean', value: false, type: 'boolean', expected: 'f' },
    { name: 'int', value: 42, type: 'int', expected: '42' },
    { name: 'array with a tab', value: ['a\tb'], type: 'text[]', expected: '{"a\\tb"}' },
    { name: 'jsonb escapes its backslashes', value: { q: '"' }, type: 'jsonb', expected: '{"q":"\\\\""}' },
    {
      name: 'jsonb: newline, CR and tab inside strings arrive as JSON escapes',
      value: { t: 'a\nb\r\tc\\' },
      type: 'jsonb',
      expected: '{"t":"a\\\\nb\\\\r\\\\tc\\\\\\\\"}',
    },
  ])('copyField: $name', ({ value, type, expected }) => {
    expect(copyField(value, type)).toBe(expected)
  })

  it('copyLine: tab-separated, newline-terminated', () => {
    expect(copyLine([1, 'x', null, true], ['int', 'text', 'text', 'boolean'])).toBe('1\tx\t\\N\tt\n')
  })

  describe('copyChunks: rows as COPY text in UTF-8, in buffers of about 1 MB', () => {
    const TYPES: CopyType[] = ['int', 'text', 'jsonb', 'text[]', 'boolean']
    const bytes = (rows: unknown[][], types = TYPES) => Buffer.concat([...copyChunks(rows, types)])
    const lines = (rows: unknown[][], types = TYPES) => rows.map((r) => copyLine(r, types)).join('')

    it('writes the bytes of copyLine, whatever the characters', () => {
      const rows = [
        [1, 'ascii', { a: 1 }, ['x'], true],
        [2, 'Türkiye «news» — €\ttab', { q: 'say "hi"\n' }, ['a\\b', null], false],
        [3, 'emoji 📰 and CJK 新闻', null, [], null],
        [4, 'lone surrogate \ud800 here', { s: '\ud800' }, ['\udc00'], true],
      ]
      expect(bytes(rows).equals(Buffer.from(lines(rows)))).toBe(true)
    })

    it('takes fields longer than a buffer, and rows across buffers', () => {
      const long = 'é'.repeat(700_000)
      const rows = Array.from({ length: 5 }, (_, i) => [i, long, { long }, [long], true])
      const chunks = [...copyChunks(rows, TYPES)]
      // Each row is more than a buffer: at least one buffer each.
      expect(chunks.length).toBeGreaterThanOrEqual(5)
      expect(Buffer.concat(chunks).toString('utf8')).toBe(lines(rows))
    })

    it('packs many short rows into few buffers', () => {
      const rows = Array.from({ length: 100_000 }, (_, i) => [i, `article ${i} — «title»`, null, [], false])
      const chunks = [...copyChunks(rows, TYPES)]
      expect(chunks.length).toBeLessThanOrEqual(5)
      expect(Buffer.concat(chunks).toString('utf8')).toBe(lines(rows))
    })

    it('writes JSON text given as UTF-8 bytes (a document) as copyLine writes the value it encodes', () => {
      const docs = [
        { q: 'say "hi"\n', path: 'C:\\x\\', t: 'Türkiye «news» — 📰 \ud800' },
        { plain: 'no backslash at all' },
        { end: '\\' },
      ]
      const rows = docs.map((d, i) => [i, 'x', d, [], true])
      const asBytes = docs.map((d, i) => [i, 'x', Buffer.from(JSON.stringify(d)), [], true])
      expect(bytes(asBytes).equals(Buffer.from(lines(rows)))).toBe(true)
      expect(lines(asBytes)).toBe(lines(rows))
    })

    it('writes the text of a row around its documents wherever they stand, across buffers', () => {
      const long = 'é'.repeat(400_000)
      const types: CopyType[] = ['jsonb', 'text', 'jsonb', 'text', 'jsonb']
      const docs = [{ a: 'x\\y' }, { long }, { z: '«\n»' }]
      const rows = Array.from({ length: 4 }, (_, i) => [
        docs[0],
        `${i}\t${long}`,
        docs[1],
        'Türkiye',
        docs[2],
      ])
      const asBytes = rows.map((r) =>
        r.map((v) => (typeof v === 'string' ? v : Buffer.from(JSON.stringify(v)))),
      )
      const chunks = [...copyChunks(asBytes, types)]
      expect(chunks.length).toBeGreaterThan(3)
      expect(Buffer.concat(chunks).equals(Buffer.from(lines(rows, types)))).toBe(true)
    })

    it('gives nothing for no rows', () => {
      expect([...copyChunks([], TYPES)]).toEqual([])
    })
  })
})

import { describe, expect, it } from 'vitest'
import {
  arrayLiteral,
  type CopyType,
  copyField,
  copyLine,
  escapeCopy,
  utf8Chunks,
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

  describe('utf8Chunks: the lines as UTF-8, in chunks of about 1 MB', () => {
    const joined = (lines: string[]) => Buffer.concat([...utf8Chunks(lines)])

    it('gives the same bytes as encoding the joined text', () => {
      const lines = [
        'ascii\n',
        'Türkiye «news» — €\n',
        'emoji 📰 and CJK 新闻\n',
        'lone surrogate \ud800 here\n',
      ]
      expect(joined(lines).equals(Buffer.from(lines.join('')))).toBe(true)
    })

    it('never splits a line, and takes lines longer than a chunk whole', () => {
      const long = `${'é'.repeat(700_000)}\n`
      const lines = Array.from({ length: 5 }, (_, i) => `${i}${long}`)
      const chunks = [...utf8Chunks(lines)]
      expect(chunks.length).toBe(5)
      expect(chunks.map((c) => c.toString('utf8'))).toEqual(lines)
    })

    it('packs many short lines into few chunks', () => {
      const lines = Array.from({ length: 100_000 }, (_, i) => `${i}\tarticle ${i} — «title»\n`)
      const chunks = [...utf8Chunks(lines)]
      expect(chunks.length).toBeLessThanOrEqual(4)
      expect(Buffer.concat(chunks).toString('utf8')).toBe(lines.join(''))
    })

    it('gives nothing for no lines', () => {
      expect([...utf8Chunks([])]).toEqual([])
    })
  })
})

import { describe, expect, it } from 'vitest'
import { arrayLiteral, type CopyType, copyField, copyLine, escapeCopy } from '../../src/load/copy-rows.js'

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
  ])('copyField: $name', ({ value, type, expected }) => {
    expect(copyField(value, type)).toBe(expected)
  })

  it('copyLine: tab-separated, newline-terminated', () => {
    expect(copyLine([1, 'x', null, true], ['int', 'text', 'text', 'boolean'])).toBe('1\tx\t\\N\tt\n')
  })
})

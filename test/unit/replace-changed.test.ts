import { describe, expect, it } from 'vitest'
import { replaceChanged } from '../../src/transform/content/replace-changed.js'

const HREF = /(\shref=)"([^"]*)"/g
const upperInternal = (m: RegExpExecArray) =>
  m[2]?.startsWith('/') ? `${m[1]}"${m[2].toUpperCase()}"` : m[0]

describe('replaceChanged', () => {
  it.each([
    { name: 'no match', input: '<p>plain</p>', expected: '<p>plain</p>' },
    {
      name: 'matches left as they are',
      input: '<a href="https://x.org">x</a>',
      expected: '<a href="https://x.org">x</a>',
    },
    { name: 'one changed', input: '<a href="/a">a</a>', expected: '<a href="/A">a</a>' },
    {
      name: 'changed and unchanged, text around them kept',
      input: 'x <a href="/a">a</a> <a href="http://b">b</a> <a href="/c/d">c</a> y',
      expected: 'x <a href="/A">a</a> <a href="http://b">b</a> <a href="/C/D">c</a> y',
    },
  ])('$name: the same text as String.prototype.replace', ({ input, expected }) => {
    const out = replaceChanged(input, HREF, upperInternal)
    expect(out).toBe(expected)
    expect(out).toBe(
      input.replace(HREF, (...args) => upperInternal(args.slice(0, 3) as unknown as RegExpExecArray)),
    )
    expect(HREF.lastIndex).toBe(0)
  })

  it('gives the input itself back when nothing changed', () => {
    const input = `<a href="http://x">x</a>${'y'.repeat(100)}`
    expect(
      Object.is(
        replaceChanged(input, HREF, (m) => m[0]),
        input,
      ),
    ).toBe(true)
  })
})

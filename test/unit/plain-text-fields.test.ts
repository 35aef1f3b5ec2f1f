import { Parser } from 'htmlparser2'
import { describe, expect, it } from 'vitest'
import type { D7NodeBundle } from '../../src/extract/d7-types.js'
import { deriveSummary } from '../../src/transform/content/derive-summary.js'
import { TRANSFORMS, type TransformContext } from '../../src/transform/registry.js'

/**
 * Plain-text fields (strip-html's result, a derived summary) hold text that is never markup: text
 * escaped in the source must not come out as a live tag for a consumer that prints it as HTML.
 */
function stripHtml(value: string): unknown {
  const def = TRANSFORMS['strip-html']
  if (!def) throw new Error('no strip-html transform')
  const ctx = { node: {} as D7NodeBundle, files: {}, warn: () => undefined } satisfies TransformContext
  return def.apply(value, undefined, ctx)
}

/** The tags (and comments) an HTML parser finds in a text printed as HTML. */
function markupIn(text: string): string[] {
  const found: string[] = []
  const parser = new Parser({
    onopentagname: (name) => found.push(`<${name}>`),
    onclosetag: (name, implied) => {
      if (!implied) found.push(`</${name}>`)
    },
    oncomment: (c) => found.push(`<!--${c}-->`),
    onprocessinginstruction: (name) => found.push(`<${name}>`),
  })
  parser.end(text)
  return found
}

const cases: { name: string; input: string; expected: string; summary?: string }[] = [
  { name: 'an escaped script', input: '&lt;script&gt;alert(1)&lt;/script&gt;', expected: 'alert(1)' },
  {
    name: 'an escaped script inside real markup',
    input: '<p>Tip: &lt;script&gt;alert(1)&lt;/script&gt; is code</p>',
    expected: 'Tip: alert(1) is code',
  },
  {
    name: 'an escaped img with an event handler',
    input: 'See &lt;img src=x onerror=alert(1)&gt; here',
    expected: 'See  here',
  },
  { name: 'an escaped tag with numeric entities', input: '&#60;b&#62;bold&#x3c;/b&#x3e;', expected: 'bold' },
  { name: 'an unterminated escaped tag', input: 'a &lt;img src=x onerror=alert(1)', expected: 'a ' },
  { name: 'an escaped comment', input: 'a &lt;!-- b --&gt; c', expected: 'a  c' },
  {
    name: 'halves that join into a tag once the inner one goes',
    input: '&lt;<b></b>img src=x onerror=y&gt;',
    expected: '',
    // deriveSummary puts a space where a tag was: the halves never join.
    summary: '< img src=x onerror=y>',
  },
  { name: 'double-escaped: the entities stay text', input: '&amp;lt;b&amp;gt;', expected: '&lt;b&gt;' },
  { name: 'a < that opens no tag', input: 'a &lt; b &amp;&amp; 2&lt;3', expected: 'a < b && 2<3' },
  {
    name: 'real script and style are code, not text',
    input: '<style>p{}</style>Hi<script>x()</script>',
    expected: 'Hi',
  },
  {
    name: 'ordinary entities',
    input: 'Tom &amp; Jerry&nbsp;&#8217;s &eacute;t&eacute; &quot;x&quot;',
    expected: 'Tom & Jerry ’s été "x"',
  },
]

describe('strip-html: text, never markup', () => {
  it.each(cases)('$name', ({ input, expected }) => {
    const text = stripHtml(input)
    expect(text).toBe(expected)
    expect(markupIn(String(text))).toEqual([])
  })
})

describe('derived summaries: text, never markup', () => {
  it.each(cases)('$name', ({ input, expected, summary: expectedSummary }) => {
    const summary = deriveSummary(`<p>${input}</p>`, 300)
    // deriveSummary puts a space where a tag was and collapses white space.
    const words = (s: string) => s.replaceAll('\u00a0', ' ').replace(/\s+/g, ' ').trim()
    expect(words(summary ?? '')).toBe(words(expectedSummary ?? expected))
    expect(markupIn(summary ?? '')).toEqual([])
  })

  it('a long body: the summary cut from its start holds no markup either', () => {
    const body = `<p>${'&lt;b onmouseover=alert(1)&gt;word&lt;/b&gt; '.repeat(200)}</p>`
    const summary = deriveSummary(body, 50) ?? ''
    expect(summary).toBe(`${'word '.repeat(9).trim()}…`)
    expect(markupIn(summary)).toEqual([])
  })
})

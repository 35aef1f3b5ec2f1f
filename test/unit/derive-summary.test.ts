import { describe, expect, it } from 'vitest'
import { Prng } from '../../src/fixture/prng.js'
import { decodeEntities } from '../../src/transform/content/content-tally.js'
import { deriveSummary } from '../../src/transform/content/derive-summary.js'
import { withoutMarkup } from '../../src/transform/content/html-text.js'

/**
 * deriveSummary as first written (the whole text split into code points), with the markup that
 * decoding produces removed (tested in plain-text-fields.test.ts); the result must not change.
 */
function reference(html: string, maxLength: number): string | null {
  const text = withoutMarkup(
    decodeEntities(
      html
        .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
        .replace(/<figure\b[\s\S]*?<\/figure\s*>/gi, ' ')
        .replace(/<[^>]*>/g, ' '),
    ),
  )
    .replace(/\s+/g, ' ')
    .trim()
  if (text === '') return null
  const chars = [...text]
  if (chars.length <= maxLength) return text
  const cut = chars.slice(0, maxLength - 1).join('')
  const space = cut.lastIndexOf(' ')
  return `${(space > maxLength / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`
}

describe('deriveSummary matches its reference', () => {
  const pieces = [
    'a',
    'bc',
    ' ',
    '😀',
    '\ud800',
    '\udc00',
    'é',
    '<p>',
    '</p>',
    '&amp;',
    ',',
    '.',
    '–',
    '<b>x</b>',
    '\n',
    // Blocks and stray brackets, which decide whether the start of a body settles its summary.
    '<script>',
    '</script >',
    '<figure class="f">',
    '</figure>',
    '<style>',
    '</style>',
    ' > ',
    '<a title="x>y">',
    '&lt;',
    '&#x1F600;',
  ]
  it('on random texts with astral characters, lone surrogates and blocks, for many lengths', () => {
    const r = new Prng(7)
    for (let i = 0; i < 3000; i++) {
      let html = ''
      const n = r.int(0, 120)
      for (let j = 0; j < n; j++) html += r.pick(pieces)
      for (const max of [0, 1, 2, 3, 5, 8, 13, 21, 2.5, -1])
        expect(deriveSummary(html, max), `${max} ${html}`).toBe(reference(html, max))
    }
  })
})

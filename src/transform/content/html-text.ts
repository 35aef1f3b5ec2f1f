import { Parser } from 'htmlparser2'

/**
 * HTML → plain text for fields that hold text (teasers, callouts), with one guarantee: the text
 * never holds markup. Entities are decoded (`&amp;` → `&`, `&#8217;` → `’`), so text that was
 * escaped in the source (`&lt;script&gt;`) would otherwise come out as a live `<script>` for any
 * consumer that prints the field as HTML (the legacy_article view does). Tags that decoding
 * produced are therefore removed too, by the same parser, until none is left; a `<` that cannot
 * open a tag (`a < b`, `x<1`) stays.
 */

/** A `<` that opens a tag, an end tag, a comment or a declaration in HTML. */
const MARKUP_START = /<[a-z/!?]/i

/** Elements whose content is code, not text. */
const NOT_TEXT = new Set(['script', 'style'])

/**
 * The text of `html`: tags dropped (nothing put in their place), the contents of script and style
 * dropped, entities decoded, then any markup the decoding produced dropped.
 *
 * @example htmlToText('<p>Tom &amp; Jerry</p>') // 'Tom & Jerry'
 * @example htmlToText('&lt;script&gt;alert(1)&lt;/script&gt;') // 'alert(1)'
 */
export function htmlToText(html: string): string {
  if (!html.includes('<') && !html.includes('&')) return html
  return withoutMarkup(textOf(html, true))
}

/**
 * Text that is already decoded, with every tag in it removed (its entities are left as they are:
 * `&lt;b&gt;` here is text that shows those characters). Returns `text` itself when it holds none.
 */
export function withoutMarkup(text: string): string {
  let out = text
  // Removing a tag can join two halves into a new one (`<<b>i>` → `<i>`): repeat until none is left.
  while (MARKUP_START.test(out)) {
    const next = textOf(out, false)
    if (next === out) break
    out = next
  }
  return out
}

/**
 * The text nodes of `html`. In the source (`isSource`) entities are decoded and script/style
 * contents dropped (code no reader saw); in decoded text, what sat between tags was the text the
 * reader saw, and stays.
 */
function textOf(html: string, isSource: boolean): string {
  let out = ''
  let skipping = 0
  const parser = new Parser(
    {
      onopentagname: (name) => {
        if (isSource && NOT_TEXT.has(name)) skipping++
      },
      onclosetag: (name) => {
        if (isSource && NOT_TEXT.has(name) && skipping > 0) skipping--
      },
      ontext: (text) => {
        if (skipping === 0) out += text
      },
    },
    { decodeEntities: isSource },
  )
  parser.end(html)
  return out
}

import { describe, expect, it } from 'vitest'
import { Prng } from '../../src/fixture/prng.js'
import { TextPool } from '../../src/fixture/text.js'
import { BodyHtmlOptionsSchema } from '../../src/transform/content/body-html.js'
import { type ContentTally, countRule } from '../../src/transform/content/content-tally.js'
import { findDisallowed, isPlainlyClean, sanitizeBody } from '../../src/transform/content/sanitize-html.js'

/**
 * The fast path of sanitizeBody (isPlainlyClean) may only skip the parse when the parse would have
 * found nothing: then the old path returned the input itself. These tests hold it to that over the
 * fixture's bodies and a table of inputs made to trip a hand-written scanner.
 */
const defaults = BodyHtmlOptionsSchema.parse({ sanitize: {} }).sanitize
if (!defaults) throw new Error('sanitize defaults')
const opts = defaults

/** The old sanitizeBody: one parse (findDisallowed), the input itself when it found nothing. */
function oldPath(html: string): { value: string; tally: ContentTally } {
  const tally: ContentTally = {}
  if (!html.includes('<')) return { value: html, tally }
  const findings = findDisallowed(html, opts)
  if (findings.length === 0) return { value: html, tally }
  // With findings the new code takes the same (parse) path; compare it to itself via sanitizeBody.
  return { value: sanitizeBody(html, opts, (rule, ex) => countRule(tally, rule, ex)), tally }
}

function newPath(html: string): { value: string; tally: ContentTally } {
  const tally: ContentTally = {}
  return { value: sanitizeBody(html, opts, (rule, ex) => countRule(tally, rule, ex)), tally }
}

function expectSame(html: string): void {
  if (isPlainlyClean(html, opts)) expect(findDisallowed(html, opts), html).toEqual([])
  expect(newPath(html), html).toEqual(oldPath(html))
}

const TRICKY = [
  '<scr<script>ipt>alert(1)</script>',
  '<p>x</p><scr<script>ipt>alert(1)</scr</script>ipt>',
  '<a href="java&#x09;script:alert(1)">x</a>',
  '<a href="java&#9;script:alert(1)">x</a>',
  '<a href="j&#97;vascript:x()">x</a>',
  '<a href="javascript&colon;x()">x</a>',
  '<a href="&#106;avascript:x()">x</a>',
  '<a href="java\tscript:x()">x</a>',
  '<a href=" javascript:x()">x</a>',
  '<a href="\u0001javascript:x()">x</a>',
  '<a href=javascript:x()>x</a>',
  "<a href='javascript:x()'>x</a>",
  '<a HREF="JavaScript:x()">x</a>',
  '<a href="vbscript:x">x</a>',
  '<a href="data:text/html;base64,AAAA">x</a>',
  '<img src="data:image/png;base64,AAAA" alt="x">',
  '<img src=x onerror=alert(1)>',
  '<img src=x onerror="alert(1)">',
  '<img src="x" ONERROR="alert(1)">',
  '<img src="x"onerror="alert(1)">',
  '<img/src="x"/onerror="alert(1)">',
  '<img src="x" / onerror="alert(1)">',
  '<p>unclosed <b>bold',
  '<p>unclosed <b',
  '<p>unclosed <a href="x',
  '<p title="a>b">x</p>',
  '<p title="<script>">x</p>',
  '<P>UPPER</P><A HREF="/x">x</A><IMG SRC="/a.png" ALT="">',
  '<STRONG ONCLICK="x()">x</STRONG>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><p>x</p></svg>',
  '<math><mi>x</mi></math>',
  '<p><svg onload=alert(1)>',
  '<a href=/node/1>x</a>',
  '<a href=https://x.org/a title=t>x</a>',
  '<td colspan=2 rowspan=3>x</td>',
  '<p class=x>x</p>',
  '<!-- <script>alert(1)</script> -->',
  '<p>a<!-- c -->b</p>',
  '<![CDATA[<script>alert(1)</script>]]>',
  '<!DOCTYPE html><p>x</p>',
  '<?xml version="1.0"?><p>x</p>',
  '<p>a < b</p>',
  '<p>a <3 b</p>',
  '<p>a </ b</p>',
  '</p>',
  '</br>',
  '<p>x</p/>',
  '<p/>',
  '<br/><br /><hr>',
  '<p\u00a0onclick="x()">x</p>',
  '<p\u000bonclick="x()">x</p>',
  '<p onclick>x</p>',
  '<p on="x">x</p>',
  '<p xmlns:on="x">x</p>',
  '<a href="/x" href="javascript:x()">x</a>',
  '<a href="javascript:x()" href="/x">x</a>',
  '<a title="x" __proto__="y">x</a>',
  '<a constructor="y">x</a>',
  '<textarea><script>alert(1)</script></textarea>',
  '<title><p onclick="x()"></title>',
  '<style>p{}</style><p>x</p>',
  '<xmp><p></xmp>',
  '<noscript><p onclick=x></noscript>',
  '<iframe src="https://evil.example/"></iframe>',
  '<my-tag>x</my-tag>',
  '<p:x>x</p:x>',
  '<font color="red">red</font>',
  '<p style="color:red">p</p>',
  '<a href="mailto:a@b.c">m</a><a href="tel:+1">t</a><a href="ftp://x">f</a>',
  '<a href="//evil.example/x">x</a>',
  '<a href="https://x.org/?a=1&amp;b=2">x</a>',
  '<a href="#top">x</a><a name="top"></a>',
  '<img src="public://images/a.png" alt="A">',
  '<p>[[{"fid":"1","view_mode":"default"}]]</p>',
  '<p>\u0000<script>x</script></p>',
  '<scrip\u0000t>x</script>',
  '<a\thref="javascript:x()">x</a>',
  '<a\nhref\n=\n"javascript:x()">x</a>',
  '<a href = "https://x.org">x</a>',
  '<a href="https://x.org" target="_blank" rel="noopener">x</a>',
  '<ol start="3" type="a"><li>x</li></ol>',
  '<th scope="col" colspan="2">x</th>',
  '<figure class="media media-image" data-fid="1"><img src="/a.png" alt=""></figure>',
  '<figure data-reason="x" class="missing-media"></figure>',
  '<div id="x">x</div>',
  '<blockquote cite="javascript:x()">x</blockquote>',
  '<q cite="https://x.org">x</q>',
  '<p>\u2028<b>x</b></p>',
  '',
  'plain',
  '<',
  '<>',
  '< p>x</p>',
  '<p>a <<b>x</b> and 2<<3</p>',
  '<p>1 <\u00e9 2 <\t<script>x</script></p>',
  '<p>a <= b <- c <\n<img src=x onerror=y></p>',
  '<p>x <0 <. <# <@ <[ <` <{</p><',
  '<p >x</p >',
]

describe('sanitize fast path (isPlainlyClean)', () => {
  it.each(TRICKY.map((input) => ({ input })))('same result as the parse: $input', ({ input }) => {
    expectSame(input)
  })

  it('never vouches for markup the always-removed rules catch', () => {
    for (const input of TRICKY) {
      if (/script|[\s/"]on[a-z]*\s*=|data:|<!|<\?/i.test(input))
        expect(isPlainlyClean(input, opts), input).toBe(false)
    }
  })

  it('takes the fast path for ordinary news markup', () => {
    expect(
      isPlainlyClean(
        '<p>A <strong>b</strong> &amp; <em>c</em><br/><a href="https://x.org" title="t">x</a></p>\n<table><tr><td>1</td></tr></table><p>unclosed <b>bold',
        opts,
      ),
    ).toBe(true)
  })

  it('takes the fast path for a "<" that opens no tag (news text: "inflation < 5%")', () => {
    expect(isPlainlyClean('<p>inflation < 5%, growth <3% and 2<<3</p><', opts)).toBe(true)
    expect(findDisallowed('<p>inflation < 5%, growth <3% and 2<<3</p><', opts)).toEqual([])
  })

  it('gives the same result as the parse for 3,000 fixture bodies with the fixture content cases', () => {
    const r = new Prng(20_000)
    const pool = new TextPool(r, 256)
    const extras = [
      '<p>[[{"fid":"900000001","view_mode":"default","type":"media","attributes":{"alt":"Chart","class":"media-element"}}]]</p>',
      '<p>See also <a href="node/12">our earlier report</a>.</p>',
      '<p>Background: <a href="/news/2019/01/old-title">as we reported</a>.</p>',
      '<p>Background: <a href="https://www.intellinews.com/news/x">as we reported</a>.</p>',
      '<p>Source: <a href="https://www.reuters.com/markets/1">Reuters</a>.</p>',
      '<p><img src="public://images/inline/chart-1.png" alt="Chart"></p>',
      '<script type="text/javascript">var _gaq = _gaq || []; _gaq.push(["_trackPageview"]);</script>',
      "<p onclick=\"ga('send', 'event')\">Subscribe to our newsletter</p>",
      '<p><a href="javascript:void(window.open(\'/subscribe\'))">Subscribe</a></p>',
      '<p>Our rÃ©sumÃ© of the week â€“ in brief.</p>',
      '<figure class="media media-image" data-fid="7"><img src="https://x.org/a%20b.png" alt="A &amp; B" width="10"></figure>',
      ...TRICKY,
    ]
    let fast = 0
    for (let nid = 1; nid <= 3000; nid++) {
      let body = pool.body(r, nid)
      if (r.chance(0.3)) body += `\n${r.pick(extras)}`
      if (r.chance(0.05)) body = pool.text(r, 3)
      expectSame(body)
      if (isPlainlyClean(body, opts)) fast++
    }
    // The point of it: most bodies skip the parse.
    expect(fast).toBeGreaterThan(2000)
  })
})

import { describe, expect, it } from 'vitest'
import type { D7File, D7Links } from '../../src/extract/d7-types.js'
import { BodyHtmlOptionsSchema, processBody } from '../../src/transform/content/body-html.js'
import { classifyHref, rewriteBodyLinks } from '../../src/transform/content/body-links.js'
import { type ContentTally, countRule } from '../../src/transform/content/content-tally.js'
import { deriveSummary } from '../../src/transform/content/derive-summary.js'
import { repairEncoding } from '../../src/transform/content/encoding-repair.js'
import { publishedFileUrl, rewriteFileUris } from '../../src/transform/content/file-urls.js'
import { findMediaTokenFids, rewriteMediaTokens } from '../../src/transform/content/media-tokens.js'
import { plainTextToHtml } from '../../src/transform/content/plain-text.js'
import { sanitizeBody } from '../../src/transform/content/sanitize-html.js'

/** Run a rule with a fresh tally; returns the result and `{ rule: n }`. */
function tallied<T>(fn: (count: (rule: string, example?: string) => void) => T): {
  result: T
  counts: Record<string, number>
} {
  const tally: ContentTally = {}
  const result = fn((rule, example) => countRule(tally, rule, example))
  return { result, counts: Object.fromEntries(Object.entries(tally).map(([k, v]) => [k, v.n])) }
}

const BASE = { publicBaseUrl: 'https://www.intellinews.com/sites/default/files/' }
const file = (fid: number, uri: string, filemime = 'image/jpeg'): D7File => ({
  fid,
  uri,
  filename: uri.split('/').at(-1) ?? '',
  filemime,
  filesize: 1000,
  status: 1,
})
const FILES: Record<number, D7File> = {
  12: file(12, 'public://images/2019/03/kyiv-bridge.jpg'),
  13: file(13, 'public://pdf/budget 2020.pdf', 'application/pdf'),
  14: file(14, 'temporary://upload-x.jpg'),
}

describe('media tokens', () => {
  const token = (json: string) => `[[${json}]]`
  const img12 =
    '<figure class="media media-image" data-fid="12"><img src="https://www.intellinews.com/sites/default/files/images/2019/03/kyiv-bridge.jpg" alt="Photo" width="400" height="300"></figure>'
  it.each([
    {
      name: 'a plain token wrapped in its own paragraph',
      input: `<p>${token('{"fid":"12","view_mode":"default","type":"media","attributes":{"height":"300","width":"400","alt":"Photo","class":"media-element file-default"}}')}</p>`,
      expected: img12,
      counts: { 'media-token': 1 },
    },
    {
      name: 'an HTML-escaped token (WYSIWYG round trip) inside text',
      input: `<p>Before ${token('{&quot;fid&quot;:&quot;12&quot;,&quot;view_mode&quot;:&quot;default&quot;,&quot;attributes&quot;:{&quot;height&quot;:&quot;300&quot;,&quot;width&quot;:&quot;400&quot;,&quot;alt&quot;:&quot;Photo&quot;}}')} after</p>`,
      expected: `<p>Before ${img12} after</p>`,
      counts: { 'media-token': 1 },
    },
    {
      name: 'media 2.x: alt and title in "fields", fid as a number',
      input: token(
        '{"fid":12,"view_mode":"teaser","fields":{"format":"teaser","field_file_image_alt_text[und][0][value]":"Bridge & river","field_file_image_title_text[und][0][value]":"Kyiv"},"type":"media"}',
      ),
      expected:
        '<figure class="media media-image" data-fid="12"><img src="https://www.intellinews.com/sites/default/files/images/2019/03/kyiv-bridge.jpg" alt="Bridge &amp; river" title="Kyiv"></figure>',
      counts: { 'media-token': 1 },
    },
    {
      name: 'a non-image file becomes a link',
      input: `<p>Download: ${token('{"fid":"13","type":"media","attributes":{}}')}</p>`,
      expected:
        '<p>Download: <a class="media-file" href="https://www.intellinews.com/sites/default/files/pdf/budget%202020.pdf" data-fid="13">budget 2020.pdf</a></p>',
      counts: { 'media-token-file': 1 },
    },
    {
      name: 'a fid that does not exist becomes a marked placeholder',
      input: `<p>${token('{"fid":"999","type":"media"}')}</p><p>text</p>`,
      expected: '<figure class="missing-media" data-fid="999"></figure><p>text</p>',
      counts: { 'media-token-missing': 1 },
    },
    {
      name: 'a temporary:// file is never published',
      input: token('{"fid":"14","type":"media"}'),
      expected: '<figure class="missing-media" data-fid="14"></figure>',
      counts: { 'media-token-unpublished': 1 },
    },
    {
      name: 'broken JSON still leaves no raw token',
      input: `<p>a ${token('{"fid":"12",,}')} b</p>`,
      expected: '<p>a <figure class="missing-media" data-reason="unreadable-token"></figure> b</p>',
      counts: { 'media-token-unreadable': 1 },
    },
    {
      name: 'no token: the very same string',
      input: '<p>[[not a token]] and [link]</p>',
      expected: '<p>[[not a token]] and [link]</p>',
      counts: {},
    },
  ])('$name', ({ input, expected, counts }) => {
    const r = tallied((count) => rewriteMediaTokens(input, FILES, BASE, count))
    expect(r.result.html).toBe(expected)
    expect(r.result.html).not.toMatch(/\[\[\{/)
    expect(r.counts).toEqual(counts)
  })

  it('lists every referenced file once, marking missing ones', () => {
    const html = `${'[[{"fid":"12"}]]'.repeat(2)}[[{"fid":"999"}]]`
    const { media } = rewriteMediaTokens(html, FILES, BASE, () => undefined)
    expect(media.map((m) => [m.fid, m.missing, m.url !== null])).toEqual([
      [12, false, true],
      [999, true, false],
    ])
  })

  it.each([
    { input: '[[{"fid":"12","type":"media"}]]', expected: [12] },
    { input: '[[{&quot;fid&quot;:&quot;7&quot;}]] and [[{"fid":8}]]', expected: [7, 8] },
    { input: '<p>"fid":"5" outside a token</p>', expected: [] },
  ])('finds token fids for the extractor: $input', ({ input, expected }) => {
    expect(findMediaTokenFids(input)).toEqual(expected)
  })
})

describe('file URIs', () => {
  it.each([
    {
      uri: 'public://images/a b.jpg',
      expected: 'https://www.intellinews.com/sites/default/files/images/a%20b.jpg',
    },
    {
      // A URI is a file name: its % is a character, encoded as Drupal's file_create_url does.
      uri: 'public://images/%C3%A9.jpg',
      expected: 'https://www.intellinews.com/sites/default/files/images/%25C3%25A9.jpg',
    },
    {
      uri: "public://images/it's (1)*!.jpg",
      expected: 'https://www.intellinews.com/sites/default/files/images/it%27s%20%281%29%2A%21.jpg',
    },
    { uri: 'private://contracts/x.pdf', expected: null },
    { uri: 'temporary://x.jpg', expected: null },
    { uri: 'https://cdn.example.com/x.jpg', expected: 'https://cdn.example.com/x.jpg' },
  ])('$uri → $expected', ({ uri, expected }) => {
    expect(publishedFileUrl(uri, BASE)).toBe(expected)
  })

  it.each([
    {
      name: 'public:// in src',
      input: '<img src="public://images/x.jpg" alt="">',
      expected: '<img src="https://www.intellinews.com/sites/default/files/images/x.jpg" alt="">',
      counts: { 'file-uri': 1 },
    },
    {
      name: "an HTML-escaped & in the URI is the file name's &",
      input: '<a href="public://pdf/oil &amp; gas.pdf">x</a>',
      expected: '<a href="https://www.intellinews.com/sites/default/files/pdf/oil%20%26%20gas.pdf">x</a>',
      counts: { 'file-uri': 1 },
    },
    {
      name: 'temporary:// is emptied',
      input: "<a href='temporary://x.pdf'>x</a>",
      expected: "<a href=''>x</a>",
      counts: { 'file-uri-temporary': 1 },
    },
    {
      name: 'private:// without a base URL is left and reported',
      input: '<a href="private://x.pdf">x</a>',
      expected: '<a href="private://x.pdf">x</a>',
      counts: { 'file-uri-unresolved': 1 },
    },
    {
      name: 'text mentioning public:// is not a URI',
      input: '<p>see public://x</p>',
      expected: '<p>see public://x</p>',
      counts: {},
    },
  ])('$name', ({ input, expected, counts }) => {
    const r = tallied((count) => rewriteFileUris(input, BASE, count))
    expect(r.result).toBe(expected)
    expect(r.counts).toEqual(counts)
  })
})

describe('body links', () => {
  const links: D7Links = {
    byNid: {
      10: { type: 'article', slug: 'news/2019/03/kyiv-bridge-opens', migrated: true },
      11: { type: 'page', slug: 'about-us-11', migrated: false },
      12: { type: 'article', slug: null, migrated: true },
    },
    byAlias: { 'news/2019/02/old-title': 10, 'news/2019/03/kyiv-bridge-opens': 10, 'about-us-11': 11 },
  }
  const opts = { pattern: '/{slug}', siteHosts: ['www.intellinews.com'] }
  it.each([
    {
      name: '/node/N to a migrated article',
      input: '<a href="/node/10">Read more</a>',
      expected: '<a href="/news/2019/03/kyiv-bridge-opens">Read more</a>',
      counts: { 'link-node': 1 },
    },
    {
      name: 'node/N (relative) with a fragment, single quotes',
      input: "<a href='node/10#comments'>x</a>",
      expected: "<a href='/news/2019/03/kyiv-bridge-opens#comments'>x</a>",
      counts: { 'link-node': 1 },
    },
    {
      name: 'an old alias on the site host',
      input: '<a class="x" href="https://www.intellinews.com/news/2019/02/old-title?ref=1">x</a>',
      expected: '<a class="x" href="/news/2019/03/kyiv-bridge-opens?ref=1">x</a>',
      counts: { 'link-alias': 1 },
    },
    {
      name: 'the current alias is already the new URL: untouched',
      input: '<a href="/news/2019/03/kyiv-bridge-opens">x</a>',
      expected: '<a href="/news/2019/03/kyiv-bridge-opens">x</a>',
      counts: {},
    },
    {
      name: 'a page that is not migrated: left and reported',
      input: '<a href="/node/11">About</a> <a href="/about-us-11">About</a>',
      expected: '<a href="/node/11">About</a> <a href="/about-us-11">About</a>',
      counts: { 'link-unmigrated': 2 },
    },
    {
      name: 'a node that does not exist, and a migrated node without a slug',
      input: '<a href="/node/404">x</a><a href="/node/12">y</a>',
      expected: '<a href="/node/404">x</a><a href="/node/12">y</a>',
      counts: { 'link-missing-node': 1, 'link-without-slug': 1 },
    },
    {
      name: 'a path of the old site that is no alias (relative, or on its host): left and reported',
      input: '<a href="/search?q=kyiv">s</a><a href="https://www.intellinews.com/no/such/page">n</a>',
      expected: '<a href="/search?q=kyiv">s</a><a href="https://www.intellinews.com/no/such/page">n</a>',
      counts: { 'link-unknown-path': 2 },
    },
    {
      name: 'external links, mailto and anchors are never touched',
      input:
        '<a href="https://www.reuters.com/node/10">R</a><a href="mailto:desk@example.com">m</a><a href="#top">t</a><a href="/node/10/edit">e</a>',
      expected:
        '<a href="https://www.reuters.com/node/10">R</a><a href="mailto:desk@example.com">m</a><a href="#top">t</a><a href="/node/10/edit">e</a>',
      counts: {},
    },
  ])('$name', ({ input, expected, counts }) => {
    const r = tallied((count) => rewriteBodyLinks(input, links, opts, count))
    expect(r.result).toBe(expected)
    expect(r.counts).toEqual(counts)
  })

  it('uses {nid} in the pattern', () => {
    expect(
      rewriteBodyLinks(
        '<a href="/node/12">y</a>',
        links,
        { pattern: '/a/{nid}', siteHosts: [] },
        () => undefined,
      ),
    ).toBe('<a href="/a/12">y</a>')
  })

  it.each([
    { href: '/node/5', expected: { kind: 'nid', nid: 5, rest: '' } },
    { href: 'node/5?x=1', expected: { kind: 'nid', nid: 5, rest: '?x=1' } },
    { href: '/news/a%20b', expected: { kind: 'alias', alias: 'news/a b', rest: '' } },
    { href: '/sites/default/files/x.pdf', expected: null },
    { href: '//www.reuters.com/x', expected: null },
    { href: 'javascript:alert(1)', expected: null },
  ])('classifies $href', ({ href, expected }) => {
    expect(classifyHref(href, [])).toEqual(expected)
  })
})

describe('sanitizing', () => {
  const opts = BodyHtmlOptionsSchema.parse({ sanitize: {} }).sanitize
  if (!opts) throw new Error('sanitize defaults')
  it.each([
    {
      name: 'news markup within the allowlist: the same string, even when not well-formed',
      input:
        '<p>A <strong>b</strong> &amp; <em>c</em><br/><a href="https://x.org" title="t">x</a></p>\n<table><tr><td>1</td></tr></table><p>unclosed <b>bold',
      expected:
        '<p>A <strong>b</strong> &amp; <em>c</em><br/><a href="https://x.org" title="t">x</a></p>\n<table><tr><td>1</td></tr></table><p>unclosed <b>bold',
      counts: {},
    },
    {
      name: 'script and an onclick handler',
      input: '<p onclick="track()">Hi</p><script>alert(1)</script><p>there</p>',
      expected: '<p>Hi</p><p>there</p>',
      counts: { 'sanitize-event-handler': 1, 'sanitize-script': 1 },
    },
    {
      name: 'javascript: URLs, also entity-encoded and with a tab',
      input:
        '<a href="javascript:alert(1)">a</a><a href="j&#97;vascript:x()">b</a><a href="java\tscript:x()">c</a>',
      expected: '<a>a</a><a>b</a><a>c</a>',
      counts: { 'sanitize-javascript-url': 3 },
    },
    {
      name: 'disallowed tags keep their text, style blocks and attributes go',
      input: '<font color="red">red</font><p style="color:red">p</p><style>p{}</style>',
      expected: 'red<p>p</p>',
      counts: { 'sanitize-tag': 2, 'sanitize-attribute': 1 },
    },
    {
      name: 'nested markup inside a disallowed wrapper',
      input: '<section><p>In <a href="/x" onmouseover="x()">link</a></p></section>',
      expected: '<p>In <a href="/x">link</a></p>',
      counts: { 'sanitize-tag': 1, 'sanitize-event-handler': 1 },
    },
    {
      name: 'a data: URL in an image',
      input: '<img src="data:image/png;base64,AAAA" alt="x">',
      expected: '<img alt="x" />',
      counts: { 'sanitize-url': 1 },
    },
  ])('$name', ({ input, expected, counts }) => {
    const r = tallied((count) => sanitizeBody(input, opts, count))
    expect(r.result).toBe(expected)
    expect(r.counts).toEqual(counts)
  })

  it('always removes script even when the mapping allows it', () => {
    const r = sanitizeBody(
      '<script>x</script><p>ok</p>',
      { ...opts, allowedTags: [...opts.allowedTags, 'script'] },
      () => undefined,
    )
    expect(r).toBe('<p>ok</p>')
  })
})

describe('plain text', () => {
  it.each([
    { input: 'One line', expected: '<p>One line</p>' },
    {
      input: 'a < b & c\r\nnext line\n\n\nSecond "para"',
      expected: '<p>a &lt; b &amp; c<br>\nnext line</p>\n<p>Second &quot;para&quot;</p>',
    },
    { input: '<script>alert(1)</script>', expected: '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>' },
  ])('$input', ({ input, expected }) => {
    expect(plainTextToHtml(input)).toBe(expected)
  })
})

describe('encoding repair', () => {
  it.each([
    {
      name: 'double-encoded é and en dash',
      input: 'Kosovo â€“ rÃ©sumÃ©',
      expected: 'Kosovo – résumé',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'double-encoded apostrophe',
      input: 'Turkeyâ€™s lira',
      expected: 'Turkey’s lira',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'double-encoded Cyrillic',
      input: 'Ð£ÐºÑ€Ð°Ñ—Ð½Ð°',
      expected: 'Україна',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'double-encoded emoji',
      input: 'ðŸ“ˆ up',
      expected: '📈 up',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'correct text with é, ’, Č and emoji is untouched',
      input: 'Café’s Česko 📈 €5',
      expected: 'Café’s Česko 📈 €5',
      counts: {},
    },
    {
      name: 'mixed: one damaged run next to correct text',
      input: 'Česko: rÃ©sumÃ© 🇺🇦',
      expected: 'Česko: résumé 🇺🇦',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'mixed (issue #18): correct Š next to double-encoded é, č and ’',
      input: 'ŠÃ©fÄ\u008doviÄ\u008dâ€™s',
      expected: 'Šéfčovič’s',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'mixed (issue #18): a double-encoded quote before correct Š and č',
      input: 'â€œŠefčovičâ€\u009d said',
      expected: '“Šefčovič” said',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'mixed: a damaged sequence right before a correct é',
      input: 'Ã©é',
      expected: 'éé',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'mixed Cyrillic: correct word, damaged word',
      input: 'Україна: Ð¿Ñ€Ð¸Ð²ÐµÑ‚ Київ',
      expected: 'Україна: привет Київ',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'Cyrillic with latin1 C1 controls (с is 0xD1 0x81)',
      input: 'Ð’ ÐœÐ¾Ñ\u0081ÐºÐ²Ðµ',
      expected: 'В Москве',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'mixed emoji: a correct one kept, a damaged one repaired',
      input: '😀 ðŸ˜€ and ðŸ‡ºðŸ‡¦',
      expected: '😀 😀 and 🇺🇦',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'double-encoded pound sign and no-break space',
      input: 'Â£5\u00a0m and Â\u00a0cost',
      expected: '£5\u00a0m and \u00a0cost',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'double-encoded C1 controls as latin1 produces them (0x81, 0x8D, 0x8F, 0x90, 0x9D)',
      input: 'Ä\u0081 Å\u008d Ä\u008f Ä\u0090 Å\u009d',
      expected: 'ā ō ď Đ ŝ',
      counts: { 'encoding-double-utf8': 1 },
    },
    {
      name: 'genuine Portuguese, French and Vietnamese: Ã, â and é before letters stay',
      input: 'SÃO PAULO, Ãgua, pâte, château, Nguyễn Tấn Dũng, café’s, “CAFÉ”, l’été\u00a0»',
      expected: 'SÃO PAULO, Ãgua, pâte, château, Nguyễn Tấn Dũng, café’s, “CAFÉ”, l’été\u00a0»',
      counts: {},
    },
    {
      name: 'a C1 control or overlong form is not decoded (Â… is U+0085, à€ overlong)',
      input: 'Â… and à€™',
      expected: 'Â… and à€™',
      counts: {},
    },
    {
      name: 'NUL characters removed',
      input: 'bud\u0000get',
      expected: 'budget',
      counts: { 'encoding-nul': 1 },
    },
    {
      name: 'a lone surrogate becomes U+FFFD',
      input: 'a\ud800b',
      expected: 'a\ufffdb',
      counts: { 'encoding-invalid': 1, 'encoding-unrepairable': 1 },
    },
    {
      name: 'emoji pairs kept, a lone low surrogate after one becomes U+FFFD',
      input: '📈\udc00📈',
      expected: '📈\ufffd📈',
      counts: { 'encoding-invalid': 1, 'encoding-unrepairable': 1 },
    },
  ])('$name', ({ input, expected, counts }) => {
    const r = tallied((count) => repairEncoding(input, count))
    expect(r.result).toBe(expected)
    expect(r.counts).toEqual(counts)
  })

  it('returns the very same string when nothing needs repair', () => {
    const s = 'Україна отримала новий транш 💶'
    expect(repairEncoding(s, () => undefined)).toBe(s)
  })
})

describe('derived summaries', () => {
  it.each([
    { input: '<p>Short body.</p>', max: 50, expected: 'Short body.' },
    { input: '<p>One two three</p><p>four five</p>', max: 12, expected: 'One two…' },
    {
      input: '<figure class="media"><img src="x"></figure><p>Text &amp; more</p>',
      max: 50,
      expected: 'Text & more',
    },
    { input: '<p> </p>', max: 50, expected: null },
  ])('$input → $expected', ({ input, max, expected }) => {
    expect(deriveSummary(input, max)).toBe(expected)
  })
})

describe('processBody (body-html)', () => {
  const links: D7Links = {
    byNid: { 10: { type: 'article', slug: 'news/2019/03/kyiv', migrated: true } },
    byAlias: {},
  }
  const options = BodyHtmlOptionsSchema.parse({
    mediaTokens: true,
    fileUris: true,
    rewriteLinks: {},
    sanitize: {},
    plainText: true,
    repairEncoding: true,
    deriveSummary: { maxLength: 40 },
  })
  const run = (
    value: string,
    format: string | null = 'full_html',
    summary: string | null = 'Editor summary',
  ) =>
    tallied((count) =>
      processBody({ value, summary, format }, options, {
        files: FILES,
        links,
        base: BASE,
        count,
        warn: () => undefined,
      }),
    )

  it('returns a body no rule applies to byte for byte, without bodyOriginal', () => {
    const value =
      '<p>Plain <strong>news</strong> with an <a href="https://www.reuters.com/x">external link</a> 📈</p>\n<p>Ünïcode</p>'
    const r = run(value)
    expect(r.result.value).toBe(value)
    expect(r.result.original).toBeNull()
    expect(r.counts).toEqual({})
  })

  it('applies every rule in order and keeps the original', () => {
    const value =
      '<p onclick="x()">See <a href="/node/10">this</a> rÃ©sumÃ©</p><p>[[{&quot;fid&quot;:&quot;12&quot;}]]</p><script>x</script>'
    const r = run(value, 'filtered_html', '')
    expect(r.result.value).toBe(
      '<p>See <a href="/news/2019/03/kyiv">this</a> résumé</p><figure class="media media-image" data-fid="12"><img src="https://www.intellinews.com/sites/default/files/images/2019/03/kyiv-bridge.jpg" alt="" /></figure>',
    )
    expect(r.result.original).toBe(value)
    expect(r.result.summary).toBe('See this résumé')
    expect(r.result.summaryDerived).toBe(true)
    expect(r.result.media.map((m) => m.fid)).toEqual([12])
    expect(r.counts).toEqual({
      'encoding-double-utf8': 1,
      'media-token': 1,
      'link-node': 1,
      'sanitize-event-handler': 1,
      'sanitize-script': 1,
      'summary-derived': 1,
    })
  })

  it('turns a plain_text body into escaped paragraphs', () => {
    const r = run('Line <one>\n\nLine two', 'plain_text')
    expect(r.result.value).toBe('<p>Line &lt;one&gt;</p>\n<p>Line two</p>')
    expect(r.result.format).toBe('html')
    expect(r.counts).toEqual({ 'plain-text': 1 })
  })
})

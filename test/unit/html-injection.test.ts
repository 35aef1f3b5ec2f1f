import { Parser } from 'htmlparser2'
import { describe, expect, it } from 'vitest'
import type { D7File, D7Links } from '../../src/extract/d7-types.js'
import { BodyHtmlOptionsSchema, processBody } from '../../src/transform/content/body-html.js'
import { encodeUrlPath, escapeHtml } from '../../src/transform/content/html-escape.js'

/**
 * Markup the content rules build from data (slugs, file names, alt texts) must hold exactly the
 * attributes the rule writes, whatever the data holds, with the sanitize rule off: the output is
 * parsed with a real HTML parser and every tag's attributes are compared.
 */
function tagsOf(html: string): { name: string; attribs: Record<string, string> }[] {
  const tags: { name: string; attribs: Record<string, string> }[] = []
  const parser = new Parser({ onopentag: (name, attribs) => tags.push({ name, attribs }) })
  parser.write(html)
  parser.end()
  return tags
}

const HOSTILE = `a"b" onmouseover="alert(1)`
/** PHP's rawurlencode, which Drupal's file_create_url applies to each segment of a file's path. */
const rawUrlEncode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
const HOSTILE_SINGLE = `x' onfocus='alert(2)' autofocus='`
const HOSTILE_TAG = `t"><script>alert(3)</script><a href="`

const links: D7Links = {
  byNid: {
    20: { type: 'article', slug: HOSTILE, migrated: true },
    21: { type: 'article', slug: HOSTILE_SINGLE, migrated: true },
    22: { type: 'article', slug: `news/${HOSTILE_TAG}`, migrated: true },
    23: { type: 'article', slug: 'news/a b?c#d&e', migrated: true },
  },
  byAlias: { 'old-alias': 20 },
}
const file = (
  fid: number,
  uri: string,
  filemime = 'image/jpeg',
  filename = uri.split('/').at(-1) ?? '',
): D7File => ({
  fid,
  uri,
  filename,
  filemime,
  filesize: 1000,
  status: 1,
})
const files: Record<number, D7File> = {
  30: file(30, `public://img/${HOSTILE}.jpg`),
  31: file(31, `public://docs/${HOSTILE_SINGLE}.pdf`, 'application/pdf', `${HOSTILE_TAG}.pdf`),
  32: file(32, `https://cdn.example.com/${HOSTILE}.jpg`),
  33: file(33, 'javascript:alert(4)//x.jpg'),
  34: file(34, ' JavaScript:alert(5)', 'application/pdf'),
  35: file(35, 'data:text/html,<script>alert(6)</script>', 'application/pdf'),
}
const base = { publicBaseUrl: 'https://cdn.example.com/files' }
const options = BodyHtmlOptionsSchema.parse({
  mediaTokens: true,
  fileUris: true,
  rewriteLinks: { pattern: '/{slug}' },
})

function run(value: string): string {
  if (options.sanitize) throw new Error('the sanitize rule must be off here')
  return processBody({ value, summary: null, format: 'full_html' }, options, {
    files,
    links,
    base,
    count: () => undefined,
    warn: () => undefined,
  }).value
}

describe('content rules encode every attribute they build from data (sanitize off)', () => {
  it.each([
    {
      name: 'a link to a node whose alias breaks out of a double-quoted href',
      input: '<a href="/node/20">x</a>',
      expected: [{ name: 'a', attribs: { href: `/${encodeURIComponent(HOSTILE)}` } }],
    },
    {
      name: 'an old alias rewritten to such a slug',
      input: '<a href="/old-alias">x</a>',
      expected: [{ name: 'a', attribs: { href: `/${encodeURIComponent(HOSTILE)}` } }],
    },
    {
      name: 'a single-quoted href and an alias with single quotes',
      input: "<a href='/node/21'>x</a>",
      expected: [{ name: 'a', attribs: { href: `/${encodeURIComponent(HOSTILE_SINGLE)}` } }],
    },
    {
      name: 'an alias that closes the tag and opens a script (its / kept as a path separator)',
      input: '<a href="/node/22">x</a>',
      expected: [
        { name: 'a', attribs: { href: `/news/${HOSTILE_TAG.split('/').map(encodeURIComponent).join('/')}` } },
      ],
    },
    {
      name: 'a slug with ?, # and &: part of the path, the query and fragment of the link kept',
      input: '<a href="/node/23?page=2&amp;x=&quot;y#top">x</a>',
      expected: [{ name: 'a', attribs: { href: '/news/a%20b%3Fc%23d%26e?page=2&x="y#top' } }],
    },
    {
      name: 'an image whose file name and alt text carry attributes',
      input: `[[{"fid":"30","type":"media","attributes":{"alt":${JSON.stringify(HOSTILE)},"title":${JSON.stringify(HOSTILE_SINGLE)}}}]]`,
      expected: [
        { name: 'figure', attribs: { class: 'media media-image', 'data-fid': '30' } },
        {
          name: 'img',
          attribs: {
            src: `https://cdn.example.com/files/img/${rawUrlEncode(`${HOSTILE}.jpg`)}`,
            alt: HOSTILE,
            title: HOSTILE_SINGLE,
          },
        },
      ],
    },
    {
      name: 'an http file URI with a quote in it, and a hostile alt',
      input: `[[{"fid":"32","attributes":{"alt":${JSON.stringify(HOSTILE_TAG)}}}]]`,
      expected: [
        { name: 'figure', attribs: { class: 'media media-image', 'data-fid': '32' } },
        { name: 'img', attribs: { src: `https://cdn.example.com/${HOSTILE}.jpg`, alt: HOSTILE_TAG } },
      ],
    },
    {
      name: 'a file link whose file name closes the tag',
      input: '[[{"fid":"31"}]]',
      expected: [
        {
          name: 'a',
          attribs: {
            class: 'media-file',
            href: `https://cdn.example.com/files/docs/${rawUrlEncode(`${HOSTILE_SINGLE}.pdf`)}`,
            'data-fid': '31',
          },
        },
      ],
    },
    {
      // A URI names a file: its % are part of the name and encoded again (a%22 → a%2522).
      name: 'a public:// URI in an img src whose name holds percent signs and quotes',
      input: '<img src="public://img/a%22 onerror%3D%22x&quot;.jpg">',
      expected: [
        {
          name: 'img',
          attribs: { src: 'https://cdn.example.com/files/img/a%2522%20onerror%253D%2522x%22.jpg' },
        },
      ],
    },
    ...[33, 34, 35].map((fid) => ({
      name: `a file whose uri is a script URL (${files[fid]?.uri}): a placeholder, no src or href`,
      input: `[[{"fid":"${fid}"}]]`,
      expected: [{ name: 'figure', attribs: { class: 'missing-media', 'data-fid': String(fid) } }],
    })),
  ])('$name', ({ input, expected }) => {
    expect(tagsOf(run(input))).toEqual(expected)
  })
})

describe('html-escape', () => {
  it.each([
    { input: 'plain', expected: 'plain' },
    { input: `a&b<c>d"e'f`, expected: 'a&amp;b&lt;c&gt;d&quot;e&#39;f' },
    { input: '&amp;', expected: '&amp;amp;' },
  ])('escapeHtml($input)', ({ input, expected }) => {
    expect(escapeHtml(input)).toBe(expected)
  })

  it.each([
    { input: 'news/2019/kyiv', expected: 'news/2019/kyiv' },
    { input: 'news/a b?c#d', expected: 'news/a%20b%3Fc%23d' },
    { input: 'a%20b/100%', expected: 'a%20b/100%25' },
    { input: `x"y'z`, expected: "x%22y'z" },
  ])('encodeUrlPath($input)', ({ input, expected }) => {
    expect(encodeUrlPath(input)).toBe(expected)
  })
})

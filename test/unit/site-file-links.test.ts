import { describe, expect, it } from 'vitest'
import { type ContentTally, countRule } from '../../src/transform/content/content-tally.js'
import { publishedFileUrl } from '../../src/transform/content/file-urls.js'
import { rewriteSiteFileLinks } from '../../src/transform/content/site-file-links.js'

const BASE = { publicBaseUrl: 'https://media.example.org/' }
const KEYED = { ...BASE, storedKeys: true }
const HOSTS = ['www.old-site.org']

function tallied(fn: (count: (rule: string, example?: string) => void) => string) {
  const tally: ContentTally = {}
  const result = fn((rule, example) => countRule(tally, rule, example))
  return { result, counts: Object.fromEntries(Object.entries(tally).map(([k, v]) => [k, v.n])) }
}

describe('rewriteSiteFileLinks', () => {
  it.each([
    {
      name: 'relative file link',
      input: '<a href="/sites/default/files/news/report.pdf">PDF</a>',
      files: BASE,
      expected: '<a href="https://media.example.org/news/report.pdf">PDF</a>',
      counts: { 'file-link': 1 },
    },
    {
      name: 'image-style derivative → the original, itok dropped',
      input: '<img src="/sites/default/files/styles/large/public/x.jpg?itok=Ab-1" alt="">',
      files: BASE,
      expected: '<img src="https://media.example.org/x.jpg" alt="">',
      counts: { 'file-link': 1 },
    },
    {
      name: 'absolute on an old host, awkward name, stored keys',
      input: "<a href='https://www.old-site.org/sites/bne/files/a%20b%20%26%20c.pdf'>x</a>",
      files: KEYED,
      expected: "<a href='https://media.example.org/a-b-c.pdf'>x</a>",
      counts: { 'file-link': 1 },
    },
    {
      name: 'another host is left',
      input: '<img src="https://cdn.other.com/sites/default/files/y.png">',
      files: BASE,
      expected: '<img src="https://cdn.other.com/sites/default/files/y.png">',
      counts: {},
    },
    {
      name: 'text that is no attribute is left',
      input: '<p>see /sites/default/files/y.png</p>',
      files: BASE,
      expected: '<p>see /sites/default/files/y.png</p>',
      counts: {},
    },
    {
      name: 'no public base URL: left',
      input: '<a href="/sites/default/files/y.pdf">',
      files: {},
      expected: '<a href="/sites/default/files/y.pdf">',
      counts: {},
    },
  ])('$name', ({ input, files, expected, counts }) => {
    const r = tallied((count) => rewriteSiteFileLinks(input, files, HOSTS, count))
    expect(r.result).toBe(expected)
    expect(r.counts).toEqual(counts)
  })
})

describe('files.storedKeys: public URLs use the keys dhm files stores under', () => {
  it.each([
    { uri: 'public://news/report.pdf', plain: 'news/report.pdf', keyed: 'news/report.pdf' },
    {
      uri: 'public://news/Q1 report & more.pdf',
      plain: 'news/Q1%20report%20%26%20more.pdf',
      keyed: 'news/Q1-report-more.pdf',
    },
    { uri: 'public://Cafe\u0301.JPG', plain: 'Cafe%CC%81.JPG', keyed: 'Caf%C3%A9.jpg' },
  ])('$uri', ({ uri, plain, keyed }) => {
    // The one URL builder of body rules and field transforms alike.
    expect(publishedFileUrl(uri, BASE)).toBe(`https://media.example.org/${plain}`)
    expect(publishedFileUrl(uri, KEYED)).toBe(`https://media.example.org/${keyed}`)
  })
})

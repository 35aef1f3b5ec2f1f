import { describe, expect, it } from 'vitest'
import { ArticleSchema, parseArticle } from '../../src/model/article.js'
import { compileFastParse, UNDECIDED } from '../../src/model/fast-parse.js'

const fast = compileFastParse(ArticleSchema)

const FILE = {
  fid: 55,
  uri: 'public://a.jpg',
  url: 'https://x/a.jpg',
  filename: 'a.jpg',
  mime: 'image/jpeg',
  size: 10,
}
const TERM = { tid: 3, name: 'Serbia', vocabulary: 'sections' }
const VALID = {
  site: 'bne',
  legacyNid: 7,
  bundle: 'article',
  language: 'en',
  title: 'A title',
  slug: 'a-title',
  published: true,
  workflowState: 3,
  isLive: true,
  authors: ['bne IntelliNews'],
  bylines: ['bne IntelliNews'],
  summary: null,
  social: null,
  publishedAt: '2023-09-30T18:53:20Z',
  publications: [TERM],
  sections: [TERM, { ...TERM, tid: 4 }],
  subjects: [],
  image: { file: FILE, caption: 'c', credit: null, alt: null, title: '', width: 800, height: 533 },
  pdf: { file: null, description: null },
  body: { value: '<p>x</p>', summary: 'x', format: 'full_html', summaryDerived: true },
  tracking: false,
  headTags: null,
  bodyTags: null,
  createdAt: '2023-09-30T08:00:00Z',
  updatedAt: '2023-09-30T08:00:00Z',
  links: [{ url: 'https://x', title: null, attributes: { target: '_blank', '0': 1 } }],
  translations: [{ language: 'de', legacyNid: 8, title: 'Titel', slug: null, body: null, published: false }],
  redirects: [{ path: 'old/7', language: 'und', legacyNid: 7 }],
  bodyOriginal: '<p>x',
  media: [{ fid: 9, uri: null, url: null, mime: null, alt: null, title: null, missing: true }],
}
const sparse: string[] = []
sparse[1] = 'x'
const without = (key: string) => Object.fromEntries(Object.entries(VALID).filter(([k]) => k !== key))

// Each case is one article zod is asked about; the fast parser must agree with it.
const cases: { name: string; value: unknown; valid: boolean }[] = [
  { name: 'a complete article', value: VALID, valid: true },
  { name: 'a title with white space around it (trimmed)', value: { ...VALID, title: '  T  ' }, valid: true },
  { name: 'a blank title', value: { ...VALID, title: '   ' }, valid: false },
  { name: 'an unknown key (stripped)', value: { ...VALID, surprise: 1 }, valid: true },
  { name: 'no bodyOriginal, no media (defaults)', value: without('media'), valid: true },
  { name: 'bodyOriginal undefined', value: { ...VALID, bodyOriginal: undefined }, valid: true },
  { name: 'extra with nested values', value: { ...VALID, extra: { a: { b: [1] }, c: null } }, valid: true },
  { name: 'extra undefined', value: { ...VALID, extra: undefined }, valid: true },
  { name: 'extra an array', value: { ...VALID, extra: [1] }, valid: false },
  { name: 'extra with a Date', value: { ...VALID, extra: { d: new Date(0) } }, valid: true },
  {
    name: 'link attributes a Date',
    value: { ...VALID, links: [{ ...VALID.links[0], attributes: new Date(0) }] },
    valid: false,
  },
  {
    name: 'link attributes without prototype',
    value: { ...VALID, links: [{ ...VALID.links[0], attributes: Object.create(null) }] },
    valid: true,
  },
  {
    name: 'a body without summaryDerived (false)',
    value: { ...VALID, body: { value: 'v', summary: null, format: null } },
    valid: true,
  },
  {
    name: 'summaryDerived null (false)',
    value: { ...VALID, body: { ...VALID.body, summaryDerived: null } },
    valid: true,
  },
  {
    name: 'summaryDerived "yes"',
    value: { ...VALID, body: { ...VALID.body, summaryDerived: 'yes' } },
    valid: false,
  },
  { name: 'a body without value', value: { ...VALID, body: { summary: null, format: null } }, valid: false },
  { name: 'no site', value: without('site'), valid: false },
  { name: 'an empty site', value: { ...VALID, site: '' }, valid: false },
  { name: 'legacyNid 0', value: { ...VALID, legacyNid: 0 }, valid: false },
  { name: 'legacyNid 1.5', value: { ...VALID, legacyNid: 1.5 }, valid: false },
  { name: 'legacyNid NaN', value: { ...VALID, legacyNid: Number.NaN }, valid: false },
  { name: 'legacyNid beyond safe integers', value: { ...VALID, legacyNid: 2 ** 53 }, valid: false },
  { name: 'legacyNid "7"', value: { ...VALID, legacyNid: '7' }, valid: false },
  { name: 'workflowState null', value: { ...VALID, workflowState: null }, valid: true },
  { name: 'workflowState -1', value: { ...VALID, workflowState: -1 }, valid: true },
  { name: 'workflowState undefined', value: { ...VALID, workflowState: undefined }, valid: false },
  { name: 'published 1', value: { ...VALID, published: 1 }, valid: false },
  { name: 'an author ""', value: { ...VALID, authors: [''] }, valid: false },
  { name: 'bylines not a list', value: { ...VALID, bylines: 'x' }, valid: false },
  { name: 'a sparse list', value: { ...VALID, authors: sparse }, valid: false },
  {
    name: 'a date with milliseconds',
    value: { ...VALID, publishedAt: '2023-09-30T18:53:20.123Z' },
    valid: true,
  },
  {
    name: 'a date with an offset',
    value: { ...VALID, createdAt: '2023-09-30T18:53:20+02:00' },
    valid: false,
  },
  { name: 'a date without time', value: { ...VALID, updatedAt: '2023-09-30' }, valid: false },
  { name: 'a year past 9999', value: { ...VALID, updatedAt: '+010000-01-01T00:00:00Z' }, valid: false },
  {
    name: 'a file of size -1',
    value: { ...VALID, image: { ...VALID.image, file: { ...FILE, size: -1 } } },
    valid: false,
  },
  {
    name: 'a file of size 0',
    value: { ...VALID, image: { ...VALID.image, file: { ...FILE, size: 0 } } },
    valid: true,
  },
  {
    name: 'an image without file',
    value: { ...VALID, image: { ...VALID.image, file: undefined } },
    valid: false,
  },
  {
    name: 'a translation with a blank title',
    value: { ...VALID, translations: [{ ...VALID.translations[0], title: ' ' }] },
    valid: false,
  },
  {
    name: 'a redirect with an empty path',
    value: { ...VALID, redirects: [{ path: '', language: 'und', legacyNid: 7 }] },
    valid: false,
  },
  { name: 'a string holding NUL', value: { ...VALID, headTags: 'a\u0000b' }, valid: true },
  { name: 'null', value: null, valid: false },
  { name: 'an array', value: [VALID], valid: false },
]

describe('parseArticle: the fast parser agrees with ArticleSchema', () => {
  it.each(cases)('$name', ({ value, valid }) => {
    const zod = ArticleSchema.safeParse(value)
    expect(zod.success).toBe(valid)
    const decided = fast(value)
    if (valid) {
      // A valid article takes the fast path, and comes out exactly as zod makes it (keys in order too).
      expect(decided).not.toBe(UNDECIDED)
      expect(decided).toStrictEqual(zod.data)
      expect(JSON.stringify(decided)).toBe(JSON.stringify(zod.data))
    } else {
      expect(decided).toBe(UNDECIDED)
    }
    const parsed = parseArticle(value)
    expect(parsed.success).toBe(valid)
    expect(parsed.error?.issues).toEqual(zod.error?.issues)
  })

  it('gives each article its own default list (zod hands out a fresh copy)', () => {
    const a = fast(without('media'))
    const b = fast(without('media'))
    if (a === UNDECIDED || b === UNDECIDED) throw new Error('undecided')
    expect(a.media).toEqual([])
    expect(a.media).not.toBe(b.media)
  })
})

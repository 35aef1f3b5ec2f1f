import { describe, expect, it } from 'vitest'
import {
  type ArticleColumns,
  type RedirectRow,
  rebuildArticle,
  type TermLink,
} from '../../src/load/read-target-articles.js'

// One article row as the reader's SELECT returns it: no image, pdf or body; `rest` is what it reads
// of `document`.
const ROW: ArticleColumns = {
  id: 40,
  legacy_nid: 7,
  bundle: 'article',
  is_deleted: false,
  content_hash: 'h',
  language: 'en',
  title: 'Budget passes',
  slug: 'news/budget',
  published: true,
  workflow_state: 3,
  is_live: true,
  authors: ['Ann'],
  bylines: [],
  summary: null,
  social: null,
  published_at: '2020-01-02T03:04:05Z',
  image_file_id: null,
  image_caption: null,
  image_credit: null,
  image_alt: null,
  image_title: null,
  image_width: null,
  image_height: null,
  pdf_file_id: null,
  pdf_description: null,
  body: null,
  body_summary: null,
  body_format: null,
  tracking: false,
  head_tags: null,
  body_tags: null,
  created_at: '2020-01-01T00:00:00Z',
  updated_at: '2020-01-03T00:00:00Z',
  image_legacy_fid: null,
  image_uri: null,
  image_url: null,
  image_filename: null,
  image_mime: null,
  image_size: null,
  pdf_legacy_fid: null,
  pdf_uri: null,
  pdf_url: null,
  pdf_filename: null,
  pdf_mime: null,
  pdf_size: null,
  rest: {
    image: null,
    pdf: null,
    body: null,
    links: [],
    translations: [],
    redirects: [],
    bodyOriginal: null,
    media: [],
  },
}

const REST = ROW.rest

const FILE = {
  image_file_id: 3,
  image_legacy_fid: 91,
  image_uri: 'public://a.jpg',
  image_url: 'https://x/a.jpg',
  image_filename: 'a.jpg',
  image_mime: 'image/jpeg',
  image_size: 1200,
}

const term = (role: string, tid: number): TermLink => ({
  article_id: 40,
  role,
  legacy_tid: tid,
  name: `T${tid}`,
  vocabulary: role,
})
const redirect = (path: string, yielded = false): RedirectRow => ({
  article_id: 40,
  source_path: path,
  language: 'und',
  legacy_nid: 7,
  yielded,
})
const listed = (...paths: string[]) => paths.map((path) => ({ path, language: 'und', legacyNid: 7 }))

describe('rebuildArticle', () => {
  it.each([
    {
      name: 'no image in the document and no image column → null',
      row: {},
      pick: 'image',
      expected: null,
    },
    {
      name: 'a caption column set under a document without image → an image with it',
      row: { image_caption: 'A dam' },
      pick: 'image',
      expected: {
        file: null,
        caption: 'A dam',
        credit: null,
        alt: null,
        title: null,
        width: null,
        height: null,
      },
    },
    {
      name: 'an image object in the document, all columns null → an image of nulls',
      row: { rest: { ...REST, image: { caption: null } } },
      pick: 'image',
      expected: {
        file: null,
        caption: null,
        credit: null,
        alt: null,
        title: null,
        width: null,
        height: null,
      },
    },
    {
      name: 'the file comes from media_file, by its legacy fid',
      row: { ...FILE, rest: { ...REST, image: { caption: null } } },
      pick: 'image',
      expected: {
        file: {
          fid: 91,
          uri: 'public://a.jpg',
          url: 'https://x/a.jpg',
          filename: 'a.jpg',
          mime: 'image/jpeg',
          size: 1200,
        },
        caption: null,
        credit: null,
        alt: null,
        title: null,
        width: null,
        height: null,
      },
    },
    {
      name: 'a pdf description column → a pdf without file',
      row: { pdf_description: 'Report' },
      pick: 'pdf',
      expected: { file: null, description: 'Report' },
    },
    {
      name: 'body from the columns, summaryDerived from the document',
      row: { body: '<p>x</p>', body_format: 'full_html', rest: { ...REST, body: { summaryDerived: true } } },
      pick: 'body',
      expected: { value: '<p>x</p>', summary: null, format: 'full_html', summaryDerived: true },
    },
    {
      name: 'body column NULL under a body object → value null, for the diff to show',
      row: { body_summary: 's', rest: { ...REST, body: { summary: 's' } } },
      pick: 'body',
      expected: { value: null, summary: 's', format: null, summaryDerived: false },
    },
    {
      name: 'extra and unknown document keys are kept',
      row: { rest: { ...REST, extra: { ref: 4 } } },
      pick: 'extra',
      expected: { ref: 4 },
    },
  ])('$name', ({ row, pick, expected }) => {
    const article = rebuildArticle('bne', { ...ROW, ...row } as ArticleColumns, [], [])
    expect((article as Record<string, unknown>)[pick]).toEqual(expected)
  })

  it('puts term links in their role lists, in the order given (role, position)', () => {
    const a = rebuildArticle('bne', ROW, [term('publication', 1), term('section', 5), term('section', 2)], [])
    expect([a.publications, a.sections, a.subjects].map((l) => l.map((t) => t.tid))).toEqual([
      [1],
      [5, 2],
      [],
    ])
    expect(a.sections[0]).toEqual({ tid: 5, name: 'T5', vocabulary: 'section' })
  })

  it.each([
    {
      name: 'the document order, whatever the table order',
      order: listed('b', 'a'),
      rows: [redirect('a'), redirect('b')],
      expected: ['b', 'a'],
    },
    {
      name: 'a row the document does not list comes after, in table order',
      order: listed('b'),
      rows: [redirect('z'), redirect('b'), redirect('y')],
      expected: ['b', 'z', 'y'],
    },
    {
      name: 'a listed path held by another article that lists it too counts (yielded)',
      order: listed('a', 'b'),
      rows: [redirect('b'), redirect('a', true)],
      expected: ['a', 'b'],
    },
    {
      name: 'a listed path with no row is gone',
      order: listed('a', 'b'),
      rows: [redirect('b')],
      expected: ['b'],
    },
  ])('redirects: $name', ({ order, rows, expected }) => {
    const a = rebuildArticle('bne', { ...ROW, rest: { ...REST, redirects: order } }, [], rows)
    expect(a.redirects.map((r) => r.path)).toEqual(expected)
  })

  it('the article keeps the model key order, so export prints it as before', () => {
    expect(Object.keys(rebuildArticle('bne', ROW, [], []))).toEqual([
      'site',
      'legacyNid',
      'bundle',
      'language',
      'title',
      'slug',
      'published',
      'workflowState',
      'isLive',
      'authors',
      'bylines',
      'summary',
      'social',
      'publishedAt',
      'publications',
      'sections',
      'subjects',
      'image',
      'pdf',
      'body',
      'tracking',
      'headTags',
      'bodyTags',
      'createdAt',
      'updatedAt',
      'links',
      'translations',
      'redirects',
      'bodyOriginal',
      'media',
    ])
  })
})

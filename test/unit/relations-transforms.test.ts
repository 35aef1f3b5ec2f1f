// The pure parts of issue #21: author records, references and SEO metadata from one node, and the
// mapping rules of their keys. Table-driven, literal expectations.
import { describe, expect, it } from 'vitest'
import type { D7Metatags, D7NodeBundle } from '../../src/extract/d7-types.js'
import { compileMapping } from '../../src/mapping/compile.js'
import { SiteMappingSchema } from '../../src/mapping/schema.js'
import { authorRecordsOf, referencesOf } from '../../src/transform/relations.js'
import { type SeoContext, seoOf } from '../../src/transform/seo.js'

const node = (over: Partial<D7NodeBundle>): D7NodeBundle => ({
  nid: 7,
  vid: 70,
  type: 'article',
  language: 'en',
  title: 'T',
  uid: 2,
  status: 1,
  created: 0,
  changed: 0,
  promote: 0,
  sticky: 0,
  tnid: 0,
  fields: {},
  workflow: null,
  publicationDate: null,
  aliases: [],
  terms: {},
  files: {},
  strayLanguageRows: 0,
  ...over,
})

const FILES = { publicBaseUrl: 'https://cdn.example.com/files/' }
const USERS = {
  2: { uid: 2, name: 'anna', status: 1, displayName: 'Anna A.', picture: null },
  4: {
    uid: 4,
    name: 'carl',
    status: 0,
    displayName: null,
    picture: {
      fid: 9,
      uri: 'public://p/c.jpg',
      filename: 'c.jpg',
      filemime: 'image/jpeg',
      filesize: 10,
      status: 1,
    },
  },
}

describe('authorRecordsOf', () => {
  const cases = [
    {
      name: 'node.uid and the revision user',
      node: node({ uid: 2, revisionUid: 4, authors: USERS }),
      config: { source: { kind: 'node', column: 'uid' }, revision: true, displayName: null, picture: true },
      expected: [
        { uid: 2, role: 'author', name: 'anna', displayName: 'Anna A.', status: 'active', picture: null },
        {
          uid: 4,
          role: 'revision',
          name: 'carl',
          displayName: null,
          status: 'blocked',
          picture: {
            fid: 9,
            uri: 'public://p/c.jpg',
            url: 'https://cdn.example.com/files/p/c.jpg',
            filename: 'c.jpg',
            mime: 'image/jpeg',
            size: 10,
          },
        },
      ],
      warnings: 0,
    },
    {
      name: 'a multi-valued user reference in delta order, a deleted user as a placeholder',
      node: node({
        authors: USERS,
        fields: {
          field_authors: [
            { delta: 0, language: 'und', values: { target_id: 88 } },
            { delta: 1, language: 'und', values: { target_id: 2 } },
          ],
        },
      }),
      config: {
        source: { kind: 'field', field: 'field_authors', column: null },
        revision: false,
        displayName: null,
        picture: true,
      },
      expected: [
        { uid: 88, role: 'author', name: null, displayName: null, status: 'deleted', picture: null },
        { uid: 2, role: 'author', name: 'anna', displayName: 'Anna A.', status: 'active', picture: null },
      ],
      warnings: 1,
    },
    {
      name: 'anonymous (uid 0) is no author',
      node: node({ uid: 0, authors: {} }),
      config: { source: { kind: 'node', column: 'uid' }, revision: false, displayName: null, picture: true },
      expected: [],
      warnings: 0,
    },
  ] as const
  it.each(cases)('$name', ({ node: n, config, expected, warnings }) => {
    const warned: string[] = []
    expect(authorRecordsOf(n, config as never, FILES, (w) => warned.push(w))).toEqual(expected)
    expect(warned.length).toBe(warnings)
  })
})

describe('referencesOf', () => {
  it('keeps mapping order, the D7 delta (gaps included) and the id column of each kind', () => {
    const n = node({
      fields: {
        field_related: [
          { delta: 0, language: 'und', values: { nid: 12 } },
          { delta: 2, language: 'und', values: { nid: 0 } },
          { delta: 3, language: 'und', values: { nid: 14 } },
        ],
        field_see_also: [{ delta: 0, language: 'und', values: { target_id: 15 } }],
        field_tags: [{ delta: 0, language: 'und', values: { tid: 3 } }],
      },
    })
    const refs = [
      { field: 'field_tags', kind: 'term', source: { kind: 'field', field: 'field_tags', column: null } },
      {
        field: 'field_related',
        kind: 'node',
        source: { kind: 'field', field: 'field_related', column: null },
      },
      {
        field: 'field_see_also',
        kind: 'node',
        source: { kind: 'field', field: 'field_see_also', column: null },
      },
      { field: 'field_editor', kind: 'user', source: { kind: 'field', field: 'field_editor', column: null } },
    ] as const
    expect(referencesOf(n, refs)).toEqual([
      { field: 'field_tags', delta: 0, kind: 'term', id: 3 },
      { field: 'field_related', delta: 0, kind: 'node', id: 12 },
      { field: 'field_related', delta: 3, kind: 'node', id: 14 },
      { field: 'field_see_also', delta: 0, kind: 'node', id: 15 },
    ])
  })
})

describe('seoOf', () => {
  const ctx: SeoContext = {
    nid: 7,
    title: 'Gas deal',
    summary: 'A deal.',
    slug: 'news/gas-deal',
    imageUrl: 'https://cdn.example.com/files/g.jpg',
    imageField: 'field_image',
    baseUrl: 'https://www.example.com',
    siteName: 'Example',
  }
  const defaults: D7Metatags['defaults'] = [
    {
      title: '[current-page:title] | [site:name]',
      canonical: '[current-page:url:absolute]',
      robots: { index: 'index', follow: 'follow', noindex: 0 },
    },
    { title: '[node:title] | [site:name]', description: '[node:summary]', 'og:image': '[node:field_image]' },
  ]
  const cases: { name: string; metatags: D7Metatags; expected: unknown; warnings: string[] }[] = [
    {
      name: 'defaults only, each level overriding the one before',
      metatags: { defaults, byLanguage: {} },
      expected: {
        title: 'Gas deal | Example',
        description: 'A deal.',
        canonical: 'https://www.example.com/news/gas-deal',
        robots: 'index, follow',
        ogImage: 'https://cdn.example.com/files/g.jpg',
      },
      warnings: [],
    },
    {
      name: "the node's row in its language wins over und and over the defaults",
      metatags: {
        defaults,
        byLanguage: {
          und: { description: 'und text' },
          en: { description: 'Own [node:title]', robots: { noindex: 'noindex', index: 0 } },
        },
      },
      expected: {
        title: 'Gas deal | Example',
        description: 'Own Gas deal',
        canonical: 'https://www.example.com/news/gas-deal',
        robots: 'noindex',
        ogImage: 'https://cdn.example.com/files/g.jpg',
      },
      warnings: [],
    },
    {
      name: 'a token dhm cannot replace is removed, with a warning; no metatag at all gives nulls',
      metatags: { defaults: [{ title: '[node:author:name] [node:title]' }], byLanguage: {} },
      expected: { title: 'Gas deal', description: null, canonical: null, robots: null, ogImage: null },
      warnings: ['metatag token(s) dhm does not replace, removed as Drupal would: [node:author:name]'],
    },
  ]
  it.each(cases)('$name', ({ metatags, expected, warnings }) => {
    const warned: string[] = []
    expect(seoOf(metatags, 'en', ctx, (w) => warned.push(w))).toEqual(expected)
    expect(warned).toEqual(warnings)
  })
})

describe('mapping keys authorRecords, references, seo, menus', () => {
  const base = { site: 'x', source: { bundles: ['article'] }, fields: { title: 'node.title' } }
  const problems = (extra: Record<string, unknown>) => {
    const r = compileMapping(SiteMappingSchema.parse({ ...base, ...extra }))
    return r.ok ? [] : r.problems.map((p) => `${p.path.join('.')}: ${p.message}`)
  }
  it.each([
    {
      name: 'a valid set',
      extra: { authorRecords: {}, references: { field_related: 'node' }, menus: ['main-menu'] },
      expected: [],
    },
    {
      name: 'a node column that is no user id',
      extra: { authorRecords: { from: 'node.title' } },
      expected: ['authorRecords.from: "node.title" is not a user id: use node.uid or a user reference field'],
    },
    {
      name: 'a display name without its column',
      extra: { authorRecords: { displayName: 'field_full_name' } },
      expected: [
        'authorRecords.displayName: "field_full_name": name a field of the user entity and its column, e.g. field_full_name.value',
      ],
    },
    {
      name: 'a reference that is no field',
      extra: { references: { 'node.uid': 'user' } },
      expected: [
        'references.node.uid: "node.uid" is not a field: name a reference field such as field_related',
      ],
    },
  ])('$name', ({ extra, expected }) => {
    expect(problems(extra)).toEqual(expected)
  })
})

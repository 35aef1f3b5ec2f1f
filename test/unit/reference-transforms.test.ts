import { describe, expect, it } from 'vitest'
import type { D7NodeBundle } from '../../src/extract/d7-types.js'
import { allowedValues } from '../../src/extract/source-schema.js'
import { phpSerialize } from '../../src/fixture/php-serialize.js'
import { parseMapping } from '../../src/mapping/load-mapping.js'
import { TRANSFORMS, type TransformContext } from '../../src/transform/registry.js'
import { transformNode } from '../../src/transform/transform-node.js'

const node: D7NodeBundle = {
  nid: 10,
  vid: 11,
  type: 'article',
  language: 'en',
  title: 'T',
  uid: 3,
  status: 1,
  created: 1_700_000_000,
  changed: 1_700_000_000,
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
  nodeRefs: {
    4: { nid: 4, type: 'article', slug: 'articles/four' },
    5: { nid: 5, type: 'page', slug: null },
  },
  users: { 3: { uid: 3, name: 'Björn Ødegård' }, 7: { uid: 7, name: 'anna' } },
  listLabels: { field_kind: { news: 'News', 'op-ed': 'Opinion & Ideas', '0': 'Zero' } },
}

function run(name: string, value: unknown, field: string | null = null) {
  const warnings: string[] = []
  const ctx: TransformContext = { node, files: {}, field, warn: (m) => warnings.push(m) }
  const def = TRANSFORMS[name]
  if (!def) throw new Error(`no transform ${name}`)
  const result =
    def.mode === 'each' && Array.isArray(value)
      ? value.map((v) => def.apply(v, undefined, ctx))
      : def.apply(value, undefined, ctx)
  return { result, warnings: warnings.length }
}

describe('list-label', () => {
  it.each([
    { value: 'news', field: 'field_kind', result: 'News', warnings: 0 },
    { value: 'op-ed', field: 'field_kind', result: 'Opinion & Ideas', warnings: 0 },
    { value: 0, field: 'field_kind', result: 'Zero', warnings: 0 },
    { value: ['news', 'op-ed'], field: 'field_kind', result: ['News', 'Opinion & Ideas'], warnings: 0 },
    { value: 'legacy', field: 'field_kind', result: 'legacy', warnings: 1 },
    { value: 'toString', field: 'field_kind', result: 'toString', warnings: 1 },
    { value: 'news', field: 'field_other', result: 'news', warnings: 1 },
    { value: 'news', field: null, result: 'news', warnings: 1 },
    { value: null, field: 'field_kind', result: null, warnings: 0 },
    { value: '', field: 'field_kind', result: null, warnings: 0 },
  ])('$value in $field → $result ($warnings warnings)', ({ value, field, result, warnings }) => {
    expect(run('list-label', value, field)).toEqual({ result, warnings })
  })
})

describe('node-ref', () => {
  it.each([
    { value: ['4'], result: [{ nid: 4, slug: 'articles/four' }], warnings: 0 },
    {
      value: [4, 5],
      result: [
        { nid: 4, slug: 'articles/four' },
        { nid: 5, slug: null },
      ],
      warnings: 0,
    },
    { value: [4, 999, 4], result: [{ nid: 4, slug: 'articles/four' }], warnings: 1 },
    { value: [{ nid: '5' }], result: [{ nid: 5, slug: null }], warnings: 0 },
    { value: [{ target_id: 4 }], result: [{ nid: 4, slug: 'articles/four' }], warnings: 0 },
    { value: [null, 0, ''], result: [], warnings: 0 },
    { value: [], result: [], warnings: 0 },
    { value: 4, result: [{ nid: 4, slug: 'articles/four' }], warnings: 0 },
  ])('$value → $result ($warnings warnings)', ({ value, result, warnings }) => {
    expect(run('node-ref', value)).toEqual({ result, warnings })
  })

  it('rejects a value that is not an id', () => {
    expect(() => run('node-ref', ['abc'])).toThrow(/integer/)
  })
})

describe('user-ref', () => {
  it.each([
    { value: 3, result: { uid: 3, name: 'Björn Ødegård' }, warnings: 0 },
    { value: '7', result: { uid: 7, name: 'anna' }, warnings: 0 },
    { value: { uid: 7 }, result: { uid: 7, name: 'anna' }, warnings: 0 },
    { value: { target_id: '3' }, result: { uid: 3, name: 'Björn Ødegård' }, warnings: 0 },
    { value: 0, result: null, warnings: 1 },
    { value: 77, result: null, warnings: 1 },
    { value: null, result: null, warnings: 0 },
    { value: [3, 77], result: [{ uid: 3, name: 'Björn Ødegård' }, null], warnings: 1 },
  ])('$value → $result ($warnings warnings)', ({ value, result, warnings }) => {
    expect(run('user-ref', value)).toEqual({ result, warnings })
  })
})

describe('allowed_values from field_config.data', () => {
  it.each([
    {
      data: phpSerialize({ settings: { allowed_values: { news: 'News', 'op-ed': 'Opinion' } } }),
      labels: { news: 'News', 'op-ed': 'Opinion' },
    },
    {
      data: phpSerialize({ settings: { allowed_values: ['No', 'Yes'] } }),
      labels: { '0': 'No', '1': 'Yes' },
    },
    {
      data: Buffer.from(phpSerialize({ settings: { allowed_values: { ü: 'Ärger' } } }), 'utf8'),
      labels: { ü: 'Ärger' },
    },
    { data: phpSerialize({ settings: { allowed_values_function: 'f' } }), labels: null },
    { data: 'not serialized', labels: null },
    { data: null, labels: null },
  ])('$data → $labels', ({ data, labels }) => {
    expect(allowedValues(data)).toEqual(labels)
  })
})

describe('extra.<name> in transformNode', () => {
  const mapping = parseMapping(
    `site: x
source: { bundles: [article] }
fields:
  extra.kind: { from: field_kind.value, using: [first, list-label] }
  extra.author: { from: node.uid, using: [first, user-ref] }
  extra.related: { from: field_related.nid, using: [node-ref] }
  extra.missing: { from: field_nothing.value, using: [first] }
  extra.fallback: { from: field_nothing.value, using: [first], default: { from: field_kind.value, using: [first, list-label] } }
`,
    'mappings/x.yaml',
  )
  const item = (values: Record<string, string | number>) => ({ delta: 0, language: 'und', values })

  it('collects every mapped name, null when the source has nothing; warnings name the attribute', () => {
    const outcome = transformNode(
      {
        ...node,
        fields: {
          field_kind: [item({ value: 'op-ed' })],
          field_related: [item({ nid: 4 }), item({ nid: 9 })],
        },
      },
      mapping,
    )
    if (outcome.kind !== 'ok') throw new Error(JSON.stringify(outcome))
    expect(outcome.article.extra).toEqual({
      kind: 'Opinion & Ideas',
      author: { uid: 3, name: 'Björn Ødegård' },
      related: [{ nid: 4, slug: 'articles/four' }],
      missing: null,
      fallback: 'Opinion & Ideas',
    })
    expect(outcome.warnings.map((w) => w.field)).toEqual(['extra.related'])
  })

  it('leaves extra out of articles whose mapping has no extra.* key', () => {
    const plain = parseMapping('site: x\nsource: { bundles: [article] }\nfields: {}\n', 'mappings/x.yaml')
    const outcome = transformNode(node, plain)
    if (outcome.kind !== 'ok') throw new Error(outcome.kind)
    expect(outcome.article).not.toHaveProperty('extra')
  })
})

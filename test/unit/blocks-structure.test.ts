// The pure parts of blocks and of verify's site-structure comparison (issue #21): the mapping rules
// of `blocks`, blocks of one node (the article's machinery on each item), and menu links and terms
// compared source against target. Table-driven, literal expectations.
import { describe, expect, it } from 'vitest'
import type { D7NodeBundle } from '../../src/extract/d7-types.js'
import type { D7MenuLink, D7TermPlace } from '../../src/extract/site-structure.js'
import type { TargetMenuLink, TargetTermPlace } from '../../src/load/read-site-structure.js'
import { compileMapping } from '../../src/mapping/compile.js'
import { SiteMappingSchema } from '../../src/mapping/schema.js'
import { transformNode } from '../../src/transform/transform-node.js'
import { compareMenuLinks, compareTermTree } from '../../src/verify/compare-site-structure.js'

const base = { site: 'x', source: { bundles: ['article'] }, fields: { title: 'node.title' } }

describe('mapping key blocks', () => {
  const problems = (blocks: unknown) => {
    const r = compileMapping(SiteMappingSchema.parse({ ...base, blocks }))
    return r.ok ? [] : r.problems.map((p) => `${p.path.join('.')}: ${p.message}`)
  }
  it.each([
    {
      name: 'a valid set',
      blocks: { fields: ['field_sections'], types: { text: { heading: 'field_heading.value' } } },
      expected: [],
    },
    {
      name: 'a bad attribute name',
      blocks: { fields: ['field_sections'], types: { text: { '1st': 'field_heading.value' } } },
      expected: ['blocks.types.text.1st: bad block attribute "1st": a letter, then letters, digits or _'],
    },
    {
      name: 'a node column inside a block',
      blocks: { fields: ['field_sections'], types: { text: { title: 'node.title' } } },
      expected: ["blocks.types: block values read the item's own fields only (field_x.value), not node.*"],
    },
    {
      name: 'an unknown transform',
      blocks: {
        fields: ['field_sections'],
        types: { text: { t: { from: 'field_t.value', using: ['frist'] } } },
      },
      expected: [
        expect.stringMatching(
          /^blocks\.types\.text\.t\.using\.0: unknown transform "frist" \(did you mean "first"\?\)/,
        ),
      ],
    },
  ])('$name', ({ blocks, expected }) => {
    expect(problems(blocks)).toEqual(expected)
  })

  it('reads item-only fields for items, not for nodes; hosts for both', () => {
    const r = compileMapping(
      SiteMappingSchema.parse({
        ...base,
        fields: { ...base.fields, subjects: { from: 'field_tags.tid', using: ['terms'] } },
        blocks: {
          fields: ['field_sections', 'field_nested'],
          types: {
            text: { h: 'field_heading.value' },
            tagged: { tags: { from: 'field_tags.tid', using: ['terms'] } },
          },
        },
      }),
    )
    if (!r.ok) throw new Error('valid')
    expect(r.mapping.blocks?.itemOnlyFields).toEqual(['field_heading'])
    expect(r.mapping.blocks?.itemFields).toEqual([
      'field_sections',
      'field_nested',
      'field_heading',
      'field_tags',
    ])
  })
})

describe('blocks of a node', () => {
  const r = compileMapping(
    SiteMappingSchema.parse({
      ...base,
      blocks: {
        fields: ['field_sections'],
        types: {
          text: { heading: 'field_heading.value', tags: { from: 'field_tags.tid', using: ['terms'] } },
        },
      },
    }),
  )
  if (!r.ok) throw new Error('valid')
  const item = (tid: number) => ({ delta: 0, language: 'und', values: { tid } })
  const node: D7NodeBundle = {
    nid: 7,
    vid: 70,
    type: 'article',
    language: 'en',
    title: 'T',
    uid: 2,
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
    terms: { 5: { tid: 5, name: 'Energy', vocabulary: 'tags' } },
    files: {},
    strayLanguageRows: 0,
    blocks: [
      {
        entity: 'paragraphs_item',
        itemId: 1,
        revisionId: 11,
        field: 'field_sections',
        delta: 0,
        parent: null,
        type: 'text',
        fields: {
          field_heading: [{ delta: 0, language: 'und', values: { value: 'Hello' } }],
          field_tags: [item(5), item(6)],
        },
      },
      {
        entity: 'paragraphs_item',
        itemId: 2,
        revisionId: 12,
        field: 'field_sections',
        delta: 2,
        parent: 0,
        type: 'quote',
        fields: {},
      },
    ],
    blocksLeftOut: { archived: 1, orphaned: 0 },
  }
  it('evaluates each type with the article machinery; unmapped types keep their place; left-out items warn', () => {
    const outcome = transformNode(node, r.mapping)
    if (outcome.kind !== 'ok') throw new Error(outcome.kind)
    expect(outcome.article.blocks).toEqual([
      {
        entity: 'paragraphs_item',
        itemId: 1,
        revisionId: 11,
        field: 'field_sections',
        delta: 0,
        parent: null,
        type: 'text',
        data: { heading: 'Hello', tags: [{ tid: 5, name: 'Energy', vocabulary: 'tags' }] },
      },
      {
        entity: 'paragraphs_item',
        itemId: 2,
        revisionId: 12,
        field: 'field_sections',
        delta: 2,
        parent: 0,
        type: 'quote',
        data: {},
      },
    ])
    expect(outcome.warnings.map((w) => `${w.field}: ${w.reason}`)).toEqual([
      'blocks[0].tags: term 6 is referenced but missing from taxonomy_term_data; dropped',
      'blocks: block type quote is not in blocks.types: its items have no data',
      'blocks: 1 archived and 0 orphaned item(s) of host fields left out',
    ])
  })
})

describe('site structure, source against target', () => {
  const link = (over: Partial<D7MenuLink>): D7MenuLink => ({
    menu: 'main-menu',
    mlid: 1,
    plid: 0,
    linkPath: 'node/3',
    title: 'Home',
    hidden: 0,
    expanded: 0,
    weight: 0,
    external: 0,
    ...over,
  })
  const row = (over: Partial<TargetMenuLink>): TargetMenuLink => ({
    mlid: 1,
    menu: 'main-menu',
    plid: null,
    parentMlid: null,
    weight: 0,
    title: 'Home',
    hidden: false,
    expanded: false,
    linkPath: 'node/3',
    external: false,
    url: '/home',
    articleNid: 3,
    expectedNid: 3,
    expectedUrl: '/home',
    ...over,
  })
  it.each([
    { name: 'the same', source: [link({})], target: [row({})], expected: [] },
    {
      name: 'a title, a weight and a URL edited',
      source: [link({})],
      target: [row({ title: 'Start', weight: 3, url: '/x' })],
      expected: [{ kind: 'menu_link', id: 1, class: 'changed', fields: ['title', 'weight', 'url'] }],
    },
    {
      name: 'a child moved to the root, a link gone, a link added',
      source: [link({}), link({ mlid: 2, plid: 1 }), link({ mlid: 3 })],
      target: [row({}), row({ mlid: 2, plid: 1, parentMlid: null }), row({ mlid: 4 })],
      expected: [
        { kind: 'menu_link', id: 2, class: 'changed', fields: ['parent'] },
        { kind: 'menu_link', id: 3, class: 'missing', fields: [] },
        { kind: 'menu_link', id: 4, class: 'extra', fields: [] },
      ],
    },
    {
      name: 'a parent outside the menus is no parent row',
      source: [link({ plid: 99 })],
      target: [row({ plid: 99, parentMlid: null })],
      expected: [],
    },
  ])('menu links: $name', ({ source, target, expected }) => {
    expect(compareMenuLinks(source, target)).toEqual(expected)
  })

  const place = (tid: number, parent: number, weight = 0): D7TermPlace => ({
    tid,
    parent,
    weight,
    name: `t${tid}`,
    vocabulary: 'tags',
  })
  const term = (
    tid: number,
    parentTid: number | null,
    linkedParentTid = parentTid,
    weight = 0,
  ): TargetTermPlace => ({
    tid,
    parentTid,
    linkedParentTid,
    weight,
  })
  it.each([
    {
      name: 'the same',
      source: [place(1, 0), place(2, 1, 4)],
      target: [term(1, null), term(2, 1, 1, 4)],
      expected: [],
    },
    {
      name: 'moved, reweighted, an ancestor missing',
      source: [place(1, 0), place(2, 1), place(3, 0, 2)],
      target: [term(2, null), term(3, null, null, 0)],
      expected: [
        { kind: 'term', id: 1, class: 'missing', fields: [] },
        { kind: 'term', id: 2, class: 'changed', fields: ['parent'] },
        { kind: 'term', id: 3, class: 'changed', fields: ['weight'] },
      ],
    },
    {
      name: 'parent_id pointing elsewhere',
      source: [place(1, 0), place(2, 1), place(4, 0)],
      target: [term(1, null), term(2, 1, 4), term(4, null)],
      expected: [{ kind: 'term', id: 2, class: 'changed', fields: ['parent'] }],
    },
  ])('terms: $name', ({ source, target, expected }) => {
    expect(compareTermTree(new Map(source.map((p) => [p.tid, p])), target)).toEqual(expected)
  })
})

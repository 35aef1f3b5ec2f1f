import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { D7NodeBundle } from '../../src/extract/d7-types.js'
import {
  combineFingerprints,
  fingerprintNode,
  type NodeLookups,
  runFingerprint,
} from '../../src/extract/source-fingerprint.js'
import type { SourceLayout } from '../../src/extract/source-schema.js'
import { parseMapping } from '../../src/mapping/load-mapping.js'
import { transformCodeFingerprint } from '../../src/model/transform-version.js'

const node: D7NodeBundle = {
  nid: 7,
  vid: 70,
  type: 'article',
  language: 'en',
  title: 'A title',
  uid: 3,
  status: 1,
  created: 1_600_000_000,
  changed: 1_600_000_100,
  promote: 0,
  sticky: 0,
  tnid: 0,
  fields: {
    body: [
      { delta: 0, language: 'und', values: { value: '<p>Body <a href="/node/9">x</a></p>', summary: null } },
    ],
    field_tags: [
      { delta: 0, language: 'und', values: { tid: 11 } },
      { delta: 1, language: 'und', values: { tid: 12 } },
    ],
  },
  workflow: { sid: 3, stamp: 1_600_000_200 },
  publicationDate: 1_600_000_050,
  aliases: [{ pid: 5, alias: 'news/a-title', language: 'und' }],
  terms: {
    11: { tid: 11, name: 'One', vocabulary: 'tags' },
    12: { tid: 12, name: 'Two', vocabulary: 'tags' },
  },
  files: {},
  strayLanguageRows: 0,
  links: {
    byNid: {
      9: { type: 'article', slug: 'news/nine', migrated: true },
      10: { type: 'page', slug: null, migrated: false },
    },
    byAlias: { 'old/ten': 10 },
  },
}
const lookups: NodeLookups = { linkNids: [9], linkAliases: [] }
const RUN = 'run'
const base = fingerprintNode(RUN, node, lookups)

describe('fingerprintNode: a hash of every value the transform of the node can read', () => {
  it.each<{ name: string; changed: D7NodeBundle }>([
    { name: 'node.title', changed: { ...node, title: 'A title!' } },
    { name: 'node.status', changed: { ...node, status: 0 } },
    { name: 'node.changed', changed: { ...node, changed: node.changed + 1 } },
    {
      name: 'a field value',
      changed: {
        ...node,
        fields: {
          ...node.fields,
          body: [{ delta: 0, language: 'und', values: { value: '<p>Body</p>', summary: null } }],
        },
      },
    },
    {
      name: 'a null value that becomes an empty string',
      changed: {
        ...node,
        fields: {
          ...node.fields,
          body: [
            {
              delta: 0,
              language: 'und',
              values: { value: '<p>Body <a href="/node/9">x</a></p>', summary: '' },
            },
          ],
        },
      },
    },
    {
      name: 'the order of field items',
      changed: {
        ...node,
        fields: { ...node.fields, field_tags: [...(node.fields.field_tags ?? [])].reverse() },
      },
    },
    { name: 'workflow', changed: { ...node, workflow: { sid: 4, stamp: 1_600_000_200 } } },
    { name: 'publication date', changed: { ...node, publicationDate: null } },
    { name: 'an alias', changed: { ...node, aliases: [{ pid: 5, alias: 'news/moved', language: 'und' }] } },
    {
      name: 'a term name',
      changed: { ...node, terms: { ...node.terms, 12: { tid: 12, name: 'Deux', vocabulary: 'tags' } } },
    },
    {
      name: 'a file',
      changed: {
        ...node,
        files: {
          3: {
            fid: 3,
            uri: 'public://a.jpg',
            filename: 'a.jpg',
            filemime: 'image/jpeg',
            filesize: 1,
            status: 1,
          },
        },
      },
    },
    { name: 'stray language rows', changed: { ...node, strayLanguageRows: 1 } },
    {
      name: 'the slug of a node the body links to',
      changed: {
        ...node,
        links: {
          byNid: { ...node.links?.byNid, 9: { type: 'article', slug: 'news/9', migrated: true } },
          byAlias: {},
        },
      },
    },
    {
      name: 'whether a linked node is migrated',
      changed: {
        ...node,
        links: {
          byNid: { ...node.links?.byNid, 9: { type: 'page', slug: 'news/nine', migrated: false } },
          byAlias: {},
        },
      },
    },
  ])('changes with $name', ({ changed }) => {
    expect(fingerprintNode(RUN, changed, lookups)).not.toBe(base)
  })

  it('does not change with the batch look-ups of other nodes (a link target this node does not point at)', () => {
    const other = {
      ...node,
      links: {
        byNid: { ...node.links?.byNid, 10: { type: 'page', slug: 'elsewhere', migrated: false } },
        byAlias: {},
      },
    }
    expect(fingerprintNode(RUN, other, lookups)).toBe(base)
    // …nor with the fingerprint a bundle already carries.
    expect(fingerprintNode(RUN, { ...node, sourceFingerprint: 'x' }, lookups)).toBe(base)
  })

  it('covers an alias the body links to: alias → nid → that node', () => {
    const viaAlias: NodeLookups = { linkAliases: ['Old/Ten'] }
    const before = fingerprintNode(RUN, node, viaAlias)
    const retargeted = { ...node, links: { byNid: node.links?.byNid ?? {}, byAlias: { 'old/ten': 9 } } }
    expect(fingerprintNode(RUN, retargeted, viaAlias)).not.toBe(before)
  })

  it('covers the referenced nodes and users the node points at', () => {
    const refs = {
      ...node,
      nodeRefs: { 4: { nid: 4, type: 'article', slug: 's' } },
      users: { 3: { uid: 3, name: 'ann' } },
    }
    const withIds: NodeLookups = { refNids: new Set([4]), refUids: new Set([3]) }
    const a = fingerprintNode(RUN, refs, withIds)
    expect(fingerprintNode(RUN, { ...refs, users: { 3: { uid: 3, name: 'anne' } } }, withIds)).not.toBe(a)
    expect(fingerprintNode(RUN, { ...refs, nodeRefs: {} }, withIds)).not.toBe(a)
  })

  // Pinned: the text of SOURCE_FINGERPRINT_VERSION 2, as targets store it. A change of these values
  // changes every stored fingerprint: bump the version with it (one full compare after the upgrade).
  it('is the sha1 of the version 2 text, for plain and awkward values alike', () => {
    expect(fingerprintNode(RUN, node, lookups)).toBe('670d76c759e222c720cf8542a8f6330fdff66909')
    const awkward = {
      ...node,
      title: `Ünïcödé ${'é'.repeat(40)} 😀 \ud800 lone`,
      status: -3,
      created: 1.5,
      changed: 1e21,
      promote: Number.NaN,
      sticky: 12345678901234568,
      missingRevision: true,
      fields: {
        body: [
          {
            delta: 0,
            language: 'und',
            values: { value: `<p>${'long text '.repeat(30)}ü</p>`, summary: 'short ü', big: 10n },
          },
        ],
      },
      metatags: {
        defaults: [{ title: { value: '[node:title]' } }],
        byLanguage: { und: { robots: { index: 0, 'no-follow': 'nofollow' } } },
      },
    } as unknown as D7NodeBundle
    expect(fingerprintNode(RUN, awkward, { linkNids: [9], linkAliases: ['Old/Ten', 'missing'] })).toBe(
      '790fdfc8cf0d556b18e03d8545d89f3e2a479243',
    )
  })

  it('starts with the run fingerprint', () => {
    expect(fingerprintNode('another run', node, lookups)).not.toBe(base)
  })
})

describe('combineFingerprints (translation sets)', () => {
  it('is the node own fingerprint without translations, another one with them, none if one is unknown', () => {
    expect(combineFingerprints('a', [])).toBe('a')
    expect(combineFingerprints('a', ['b'])).not.toBe(combineFingerprints('a', ['c']))
    expect(combineFingerprints('a', ['b', undefined])).toBeUndefined()
  })
})

describe('runFingerprint: the mapping, the source layout and the code versions', () => {
  const text = readFileSync('mappings/bne.yaml', 'utf8')
  const layout: SourceLayout = {
    fields: {},
    needsWorkflow: true,
    needsPublicationDate: true,
    needsAliases: true,
  }
  it('is the same for the same mapping text, and changes with any of its values', () => {
    const a = runFingerprint(parseMapping(text), layout)
    expect(runFingerprint(parseMapping(text), { ...layout })).toBe(a)
    expect(runFingerprint(parseMapping(`${text}\nowned: [title]\n`), layout)).not.toBe(a)
    expect(runFingerprint(parseMapping(text.replace('site: bne', 'site: bne2')), layout)).not.toBe(a)
  })
  it('changes with the source layout (list labels included)', () => {
    const mapping = parseMapping(text)
    const a = runFingerprint(mapping, layout)
    expect(runFingerprint(mapping, { ...layout, listLabels: { field_kind: { a: 'A' } } })).not.toBe(a)
  })
})

describe('transformCodeFingerprint', () => {
  it('hashes the transform code once per process: the same value every time', () => {
    const a = transformCodeFingerprint()
    expect(a).toMatch(/^[0-9a-f]{40}$/)
    expect(transformCodeFingerprint()).toBe(a)
  })
})

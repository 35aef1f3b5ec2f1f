import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { D7FieldItem, D7File, D7NodeBundle } from '../../src/extract/d7-types.js'
import { parseMapping } from '../../src/mapping/load-mapping.js'
import { ARTICLE_ATTRIBUTES } from '../../src/model/article.js'
import { transformNode } from '../../src/transform/transform-node.js'

const bne = parseMapping(readFileSync('mappings/bne.yaml', 'utf8'), 'mappings/bne.yaml')

const items = (column: string, ...values: (string | number)[]): D7FieldItem[] =>
  values.map((v, delta) => ({ delta, language: 'und', values: { [column]: v } }))

/** The seed article (nid 294856), shaped as the extractor delivers it. */
const seedNode: D7NodeBundle = {
  nid: 294856,
  vid: 900001,
  type: 'article',
  language: 'en',
  title: 'US warns of Serbian military buildup on Kosovan border',
  uid: 12,
  status: 1,
  created: 1696060800,
  changed: 1696100000,
  promote: 1,
  sticky: 0,
  tnid: 0,
  fields: {
    field_website_callout: items('value', 'The US warned of an “unprecedented” buildup of Serbian troops.'),
    field_publication_: items('tid', 1004),
    field_website_sections: items('tid', 2001, 2002),
    field_subject: items('tid', 3001),
    field_story_picture: [
      {
        delta: 0,
        language: 'und',
        values: { fid: 55, alt: 'Military vehicles', title: '', width: 800, height: 533 },
      },
    ],
    field_story_photo_caption: items('value', 'Military vehicles photographed on a highway in Serbia.'),
    field_story_photo_credit: items('value', 'bne IntelliNews'),
    body: [
      {
        delta: 0,
        language: 'und',
        values: { value: '<p>The US warned…</p>', summary: '', format: 'full_html' },
      },
    ],
    field_enable_tracking: items('value', 1),
  },
  workflow: { sid: 3, stamp: 1696060900 },
  publicationDate: 1696060800,
  aliases: [
    { pid: 20, alias: 'news/2023/09/us-warns-serbian-buildup', language: 'und' },
    { pid: 10, alias: 'old/us-warns', language: 'und' },
  ],
  terms: {
    1004: { tid: 1004, name: 'IntelliNews Pro', vocabulary: 'publication' },
    2001: { tid: 2001, name: 'Southeast Europe', vocabulary: 'website_sections' },
    2002: { tid: 2002, name: 'Serbia', vocabulary: 'website_sections' },
    3001: { tid: 3001, name: 'Defence', vocabulary: 'subjects' },
  },
  files: {
    55: {
      fid: 55,
      uri: 'public://images/kosovo.jpg',
      filename: 'kosovo.jpg',
      filemime: 'image/jpeg',
      filesize: 1000,
      status: 1,
    },
  },
  strayLanguageRows: 0,
}

describe('transformNode with mappings/bne.yaml', () => {
  it('turns the seed article into the article model, keeping every section in delta order', () => {
    const outcome = transformNode(seedNode, bne)
    expect(outcome.kind).toBe('ok')
    if (outcome.kind !== 'ok') return
    expect(outcome.article).toEqual({
      site: 'bne',
      legacyNid: 294856,
      bundle: 'article',
      language: 'en',
      title: 'US warns of Serbian military buildup on Kosovan border',
      slug: 'news/2023/09/us-warns-serbian-buildup',
      published: true,
      workflowState: 3,
      isLive: true,
      authors: ['bne IntelliNews'],
      bylines: ['bne IntelliNews'],
      summary: 'The US warned of an “unprecedented” buildup of Serbian troops.',
      social: null,
      publishedAt: '2023-09-30T08:00:00Z',
      publications: [{ tid: 1004, name: 'IntelliNews Pro', vocabulary: 'publication' }],
      sections: [
        { tid: 2001, name: 'Southeast Europe', vocabulary: 'website_sections' },
        { tid: 2002, name: 'Serbia', vocabulary: 'website_sections' },
      ],
      subjects: [{ tid: 3001, name: 'Defence', vocabulary: 'subjects' }],
      image: {
        file: {
          fid: 55,
          uri: 'public://images/kosovo.jpg',
          url: 'https://www.intellinews.com/sites/default/files/images/kosovo.jpg',
          filename: 'kosovo.jpg',
          mime: 'image/jpeg',
          size: 1000,
        },
        caption: 'Military vehicles photographed on a highway in Serbia.',
        credit: 'bne IntelliNews',
        alt: 'Military vehicles',
        title: '',
        width: 800,
        height: 533,
      },
      pdf: null,
      // The body has no summary: bne derives one (marked), and no other content rule applies.
      body: {
        value: '<p>The US warned…</p>',
        summary: 'The US warned…',
        format: 'full_html',
        summaryDerived: true,
      },
      bodyOriginal: null,
      media: [],
      tracking: true,
      headTags: null,
      bodyTags: null,
      createdAt: '2023-09-30T08:00:00Z',
      updatedAt: '2023-09-30T18:53:20Z',
      links: [],
      translations: [],
      redirects: [{ path: 'old/us-warns', language: 'und', legacyNid: 294856 }],
    })
    expect(outcome.content).toEqual({
      'summary-derived': { n: 1, examples: ['node 294856 body: The US warned…'] },
    })
    expect(outcome.contentHash).toMatch(/^v3:[0-9a-f]{61}$/)
  })

  it('pins the content hash of the seed article (version 3: sha256 of the document text without body.value, NUL, the body value; must never drift)', () => {
    const outcome = transformNode(seedNode, bne)
    if (outcome.kind !== 'ok') throw new Error(outcome.kind)
    expect(outcome.contentHash).toBe('v3:d8a57b4734134ad00f299e14db41b2853f675705d2541b527dbe5c34f69bf')
  })

  it('hashes the document text the loader writes (the article serialized once, in model key order, without body.value) and the body value', () => {
    const outcome = transformNode(seedNode, bne)
    if (outcome.kind !== 'ok') throw new Error(outcome.kind)
    // UTF-8 bytes, not a UTF-16 string: half the memory while the batch waits to be written.
    expect(Buffer.isBuffer(outcome.document)).toBe(true)
    const { body } = outcome.article
    if (body === null) throw new Error('the seed article has a body')
    const { value, ...bodyRest } = body
    // The body column holds the value: the document does not repeat it.
    expect(outcome.document.toString('utf8')).toBe(JSON.stringify({ ...outcome.article, body: bodyRest }))
    // bne maps no extra.* key, no authorRecords, references, seo or blocks: the article has none of them.
    const absent = new Set(['extra', 'authorRecords', 'references', 'seo', 'blocks'])
    expect(Object.keys(JSON.parse(outcome.document.toString('utf8')))).toEqual(
      ARTICLE_ATTRIBUTES.filter((a) => !absent.has(a)),
    )
    const digest = createHash('sha256')
      .update(outcome.document)
      .update(Buffer.from([0]))
      .update(value, 'utf8')
      .digest('hex')
    // char(64) in the target: the prefix replaces the last three hex digits.
    expect(outcome.contentHash).toBe(`v3:${digest.slice(0, 61)}`)
  })

  it('keeps body.value in the document when the mapping owns body (what dhm wrote, for the edited-in-target test); the hash is the same', () => {
    const plain = transformNode(seedNode, bne)
    const owning = transformNode(seedNode, { ...bne, owned: { fields: ['body'], from: null } })
    if (plain.kind !== 'ok' || owning.kind !== 'ok') throw new Error('not ok')
    expect(owning.document.toString('utf8')).toBe(JSON.stringify(owning.article))
    expect(owning.contentHash).toBe(plain.contentHash)
  })

  it.each([
    { name: 'unpublished', change: { status: 0 }, isLive: false },
    {
      name: 'published but not in the live workflow state',
      change: { workflow: { sid: 4, stamp: 1 } },
      isLive: false,
    },
    { name: 'without a workflow row', change: { workflow: null }, isLive: false },
  ])('an article $name is migrated but not live', ({ change, isLive }) => {
    const outcome = transformNode({ ...seedNode, ...change }, bne)
    expect(outcome.kind === 'ok' && outcome.article.isLive).toBe(isLive)
  })

  it('falls back to node.created when publication_date is 0', () => {
    const outcome = transformNode({ ...seedNode, publicationDate: 0, created: 1600000000 }, bne)
    expect(outcome.kind === 'ok' && outcome.article.publishedAt).toBe('2020-09-13T12:26:40Z')
  })

  it('the same content hashes the same; any change of content changes the hash', () => {
    const a = transformNode(seedNode, bne)
    const b = transformNode({ ...seedNode }, bne)
    const c = transformNode({ ...seedNode, title: 'Another title' }, bne)
    if (a.kind !== 'ok' || b.kind !== 'ok' || c.kind !== 'ok') throw new Error('expected ok')
    expect(a.contentHash).toBe(b.contentHash)
    expect(c.contentHash).not.toBe(a.contentHash)
  })

  it('rejects a node with an empty title, naming the field and the value', () => {
    expect(transformNode({ ...seedNode, title: '   ' }, bne)).toEqual({
      kind: 'invalid',
      ref: { nid: 294856, vid: 900001 },
      issues: [{ field: 'title', reason: 'title is empty', excerpt: '"   "' }],
    })
  })

  it('rejects a value a transform cannot read, and keeps going', () => {
    const node = { ...seedNode, fields: { ...seedNode.fields, field_enable_tracking: items('value', 'yes') } }
    expect(transformNode(node, bne)).toEqual({
      kind: 'invalid',
      ref: { nid: 294856, vid: 900001 },
      issues: [{ field: 'tracking', reason: 'expected 0 or 1, got "yes"', excerpt: '"yes"' }],
    })
  })

  it('counts a node that misses a mapping filter as filtered, with the reason', () => {
    const filtered = parseMapping(
      `site: x
source: { bundles: [article] }
filters:
  - { path: field_publication_.tid, equals: 1004 }
fields: {}
`,
    )
    expect(
      transformNode(
        { ...seedNode, fields: { ...seedNode.fields, field_publication_: items('tid', 1001) } },
        filtered,
      ),
    ).toEqual({
      kind: 'filtered',
      ref: { nid: 294856, vid: 900001 },
      reason: 'does not match filters[0] (field_publication_.tid = 1004)',
    })
  })

  it('shares a mapping constant between articles, frozen, instead of copying it for each', () => {
    const withConstant = parseMapping(
      `site: x
source: { bundles: [article] }
fields:
  title: node.title
  extra.meta: { constant: { tags: [a, b], level: 2 } }
`,
    )
    const a = transformNode(seedNode, withConstant)
    const b = transformNode({ ...seedNode, nid: 2 }, withConstant)
    if (a.kind !== 'ok' || b.kind !== 'ok') throw new Error('expected ok')
    const meta = a.article.extra?.meta as { tags: string[] }
    expect(meta).toEqual({ tags: ['a', 'b'], level: 2 })
    expect(meta).toBe(b.article.extra?.meta)
    expect(Object.isFrozen(meta)).toBe(true)
    expect(() => meta.tags.push('c')).toThrow(TypeError)
    expect(JSON.parse(b.document.toString('utf8')).extra.meta).toEqual({ tags: ['a', 'b'], level: 2 })
  })
})

describe('one public URL per file (issue #18 item 7)', () => {
  // The image field, a media token and a public:// link all name the same file; whatever its name,
  // the front end must get one URL for it. Drupal serves public://<path> at
  // <base>/<rawurlencode(path), slashes kept>: the URI is a file name, never already percent-encoded.
  const BASE_URL = 'https://www.intellinews.com/sites/default/files/images/'
  it.each([
    { name: 'a % sign', filename: 'growth 5%.jpg', expected: 'growth%205%25.jpg' },
    { name: 'a literal %20', filename: 'kyiv%20bridge.jpg', expected: 'kyiv%2520bridge.jpg' },
    { name: 'percent-encoded UTF-8', filename: '%C3%A9t%C3%A9.jpg', expected: '%25C3%25A9t%25C3%25A9.jpg' },
    { name: 'spaces', filename: 'kyiv bridge.jpg', expected: 'kyiv%20bridge.jpg' },
    { name: '# and ?', filename: 'q#1?v=2.jpg', expected: 'q%231%3Fv%3D2.jpg' },
    { name: 'non-ASCII', filename: 'Київ é.jpg', expected: '%D0%9A%D0%B8%D1%97%D0%B2%20%C3%A9.jpg' },
    { name: '&', filename: 'oil & gas.jpg', expected: 'oil%20%26%20gas.jpg' },
    { name: 'quotes and brackets', filename: "it's (1).jpg", expected: 'it%27s%20%281%29.jpg' },
  ])('$name: image url = media token src = public:// link src', ({ filename, expected }) => {
    const uri = `public://images/${filename}`
    const attribute = uri.replaceAll('&', '&amp;').replaceAll("'", '&#39;')
    const node: D7NodeBundle = {
      ...seedNode,
      files: { 55: { ...(seedNode.files[55] as D7File), uri, filename } },
      fields: {
        ...seedNode.fields,
        body: [
          {
            delta: 0,
            language: 'und',
            values: {
              value: `<p>[[{"fid":"55","view_mode":"default","type":"media","attributes":{"alt":"A"}}]]</p><p><img src="${attribute}" alt="B"></p>`,
              summary: 'S',
              format: 'full_html',
            },
          },
        ],
      },
    }
    const outcome = transformNode(node, bne)
    if (outcome.kind !== 'ok') throw new Error(JSON.stringify(outcome))
    const url = outcome.article.image?.file?.url
    expect(url).toBe(`${BASE_URL}${expected}`)
    const srcs = [...(outcome.article.body?.value ?? '').matchAll(/<img src="([^"]*)"/g)].map((m) =>
      (m[1] ?? '').replaceAll('&amp;', '&'),
    )
    expect(srcs).toEqual([url, url])
    expect(outcome.article.media).toEqual([expect.objectContaining({ fid: 55, url })])
  })
})

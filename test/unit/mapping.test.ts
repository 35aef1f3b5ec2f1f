import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { MappingError } from '../../src/errors.js'
import { parseMapping } from '../../src/mapping/load-mapping.js'

function problems(text: string): string {
  try {
    parseMapping(text, 'mappings/broken.yaml')
  } catch (error) {
    if (error instanceof MappingError) return error.message
    throw error
  }
  throw new Error('expected a MappingError')
}

describe('mapping files', () => {
  it('mappings/bne.yaml compiles and reads only the field tables it maps', () => {
    const mapping = parseMapping(readFileSync('mappings/bne.yaml', 'utf8'), 'mappings/bne.yaml')
    expect(mapping.site).toBe('bne')
    expect(mapping.source).toEqual({ bundles: ['article'], fieldTables: 'revision', translations: 'none' })
    expect(mapping.fieldNames).toEqual([
      'body',
      'field_body_tags',
      'field_enable_tracking',
      'field_file',
      'field_head_tags',
      'field_publication_',
      'field_social_media_callout',
      'field_story_photo_caption',
      'field_story_photo_credit',
      'field_story_picture',
      'field_subject',
      'field_website_callout',
      'field_website_sections',
    ])
  })

  it('reports every problem at once, in file order, each with file:line:col and the path', () => {
    const text = `site: Example News
source:
  bundles: [article]
fields:
  titel: node.title
  summary: { from: field_callout.value, using: [first, trimm] }
  tracking: { from: field_tracking.value, using: [{ truncate: many }] }
  image.colour: { from: field_image, using: [first, image] }
  body: { from: node.body }
  isLive: { constant: true }
`
    expect(problems(text)).toMatchInlineSnapshot(`
      "mappings/broken.yaml: 7 problem(s)
      - mappings/broken.yaml:1:7 site: use lowercase letters, digits and - (e.g. bne)
      - mappings/broken.yaml:5:3 fields.titel: unknown article attribute "titel" (did you mean "title"?)
      - mappings/broken.yaml:6:56 fields.summary.using.1: unknown transform "trimm" (did you mean "trim"?). Known: attachment, body-html, boolean, compact, date, date-field, empty-to-null, file, first, image, int, join, last, link, list-label, node-ref, repair-encoding, split, static-map, strip-html, term-name, terms, text-with-summary, timestamp, trim, truncate, user-ref, zero-to-null
      - mappings/broken.yaml:7:63 fields.tracking.using.0.truncate: bad argument for "truncate": Invalid input: expected number, received string
      - mappings/broken.yaml:8:3 fields.image.colour: unknown article attribute "image.colour"
      - mappings/broken.yaml:9:17 fields.body.from: "node.body": node has node.nid, node.vid, node.type, node.language, node.title, node.uid, node.status, node.created, node.changed, node.promote, node.sticky, node.tnid
      - mappings/broken.yaml:10:3 fields.isLive: "isLive" is set by the tool itself and cannot be mapped"
    `)
    expect(problems(text.replace('Example News', 'example'))).toMatchInlineSnapshot(`
      "mappings/broken.yaml: 6 problem(s)
      - mappings/broken.yaml:5:3 fields.titel: unknown article attribute "titel" (did you mean "title"?)
      - mappings/broken.yaml:6:56 fields.summary.using.1: unknown transform "trimm" (did you mean "trim"?). Known: attachment, body-html, boolean, compact, date, date-field, empty-to-null, file, first, image, int, join, last, link, list-label, node-ref, repair-encoding, split, static-map, strip-html, term-name, terms, text-with-summary, timestamp, trim, truncate, user-ref, zero-to-null
      - mappings/broken.yaml:7:63 fields.tracking.using.0.truncate: bad argument for "truncate": Invalid input: expected number, received string
      - mappings/broken.yaml:8:3 fields.image.colour: unknown article attribute "image.colour"
      - mappings/broken.yaml:9:17 fields.body.from: "node.body": node has node.nid, node.vid, node.type, node.language, node.title, node.uid, node.status, node.created, node.changed, node.promote, node.sticky, node.tnid
      - mappings/broken.yaml:10:3 fields.isLive: "isLive" is set by the tool itself and cannot be mapped"
    `)
  })

  it.each([
    { key: 'extra.featured', ok: true },
    { key: 'extra.event_date2', ok: true },
    { key: 'extra.2fast', ok: false },
    { key: 'extra.a-b', ok: false },
    { key: 'extra.a.b', ok: false },
    { key: 'extras.featured', ok: false },
  ])('extra.<name> keys: $key accepted: $ok', ({ key, ok }) => {
    const text = `site: x
source: { bundles: [article] }
fields:
  ${key}: { from: field_featured.value, using: [first, boolean] }
`
    if (ok) {
      const mapping = parseMapping(text, 'mappings/x.yaml')
      expect(mapping.attributes.find((a) => a.parent === 'extra')?.attribute).toBe(key.slice(6))
      expect(mapping.fieldNames).toEqual(['field_featured'])
    } else {
      expect(problems(text)).toContain(`fields.${key}:`)
    }
  })

  // Sites upgraded from Drupal 6 keep their D6 field names: whatever field_config names is a field.
  it.each([
    { from: 'taxonomy_vocabulary_1.tid', field: 'taxonomy_vocabulary_1' },
    { from: 'taxonomy_forums.tid', field: 'taxonomy_forums' },
    { from: 'upload', field: 'upload' },
    { from: 'comment_body.value', field: 'comment_body' },
    { from: 'field_tags.tid', field: 'field_tags' },
  ])('a field not named field_*: $from reads field $field', ({ from, field }) => {
    const text = `site: x
source: { bundles: [story] }
fields:
  extra.value: { from: ${from}, using: [first] }
`
    expect(parseMapping(text, 'mappings/x.yaml').fieldNames).toEqual([field])
  })

  // A newcomer's mapping: every line in it is valid; each case adds or changes a line.
  const base = [
    '# yaml-language-server: $schema=./mapping.schema.json',
    'site: example',
    'description: a newcomer walkthrough',
    '',
    'source:',
    '  bundles: [article]',
    '',
    'live: { path: node.status, equals: 1 }',
    'filters:',
    '  - { path: node.promote, equals: 1 }',
    '',
    'fields:',
    '  title: node.title',
    '  publishedAt: { from: node.created, using: [first, timestamp] }',
  ]
  /** `base` with each line inserted so that it ends up on the line number it is given. */
  const withLines = (edits: Record<number, string>) => {
    const lines = [...base]
    for (const [n, line] of Object.entries(edits)) lines.splice(Number(n) - 1, 0, line)
    return `${lines.join('\n')}\n`
  }
  const problemLines = (text: string) => problems(text).split('\n- ').slice(1)

  describe('unknown keys: each at the key itself, with its path and the nearest allowed key', () => {
    const ROOT_KEYS =
      'Allowed here: site, description, source, files, live, filters, fields, owned, authorRecords, references, seo, blocks, menus'
    const SOURCE_KEYS = 'Allowed here: bundles, fieldTables, translations, tablePrefix'

    it.each([
      {
        name: 'a misspelled top-level key on line 15',
        text: withLines({ 15: 'filter:', 16: '  - { path: node.sticky, equals: 0 }' }),
        expected: [
          `mappings/broken.yaml:15:1 filter: unknown key "filter" (did you mean "filters"?). ${ROOT_KEYS}`,
        ],
      },
      {
        name: 'a misspelled key inside source, on line 7',
        text: withLines({ 7: '  fieldTable: data' }),
        expected: [
          `mappings/broken.yaml:7:3 source.fieldTable: unknown key "fieldTable" (did you mean "fieldTables"?). ${SOURCE_KEYS}`,
        ],
      },
      {
        name: 'two unknown keys in one object: two messages, in file order',
        text: withLines({ 2: 'lvie: { path: node.status, equals: 1 }', 8: '  bundle: article' }),
        expected: [
          `mappings/broken.yaml:2:1 lvie: unknown key "lvie" (did you mean "live"?). ${ROOT_KEYS}`,
          `mappings/broken.yaml:8:3 source.bundle: unknown key "bundle" (did you mean "bundles"?). ${SOURCE_KEYS}`,
        ],
      },
      {
        name: 'a key with no near neighbour: no suggestion',
        text: withLines({ 4: 'colour: blue' }),
        expected: [`mappings/broken.yaml:4:1 colour: unknown key "colour". ${ROOT_KEYS}`],
      },
      {
        name: 'a misspelled key in a condition (one of several shapes), in a flow map',
        text: withLines({ 11: '  - { not: { pth: node.sticky, equals: 1 } }' }),
        expected: [
          'mappings/broken.yaml:11:14 filters.1.not.pth: unknown key "pth" (did you mean "path"?). Allowed here: path, equals, in, present',
        ],
      },
      {
        name: 'a misspelled key in a field mapping',
        text: withLines({ 15: '  slug: { frm: alias.path }' }),
        expected: [
          'mappings/broken.yaml:15:11 fields.slug.frm: unknown key "frm" (did you mean "from"?). Allowed here: constant, from, using, default',
        ],
      },
      {
        name: 'a misspelled attribute name under fields: at the name, not at its value',
        text: withLines({ 15: '  summry: { from: body.summary, using: [first] }' }),
        expected: [
          'mappings/broken.yaml:15:3 fields.summry: unknown article attribute "summry" (did you mean "summary"?)',
        ],
      },
      {
        name: "a misspelled attribute name whose value starts on the next line: the name's line",
        text: withLines({ 15: '  titel:', 16: '    from: node.title', 17: '    using: [first, trim]' }),
        expected: [
          'mappings/broken.yaml:15:3 fields.titel: unknown article attribute "titel" (did you mean "title"?)',
        ],
      },
      {
        name: 'an attribute the tool sets itself: at the name',
        text: withLines({ 15: '  isLive: { constant: true }' }),
        expected: [
          'mappings/broken.yaml:15:3 fields.isLive: "isLive" is set by the tool itself and cannot be mapped',
        ],
      },
      {
        name: "a misspelled key in a field mapping's default",
        text: withLines({
          15: '  summary: { from: body.summary, using: [first], default: { from: body.value, usin: [first] } }',
        }),
        expected: [
          'mappings/broken.yaml:15:79 fields.summary.default.usin: unknown key "usin" (did you mean "using"?). Allowed here: from, using, default',
        ],
      },
    ])('$name', ({ text, expected }) => {
      expect(problemLines(text)).toEqual(expected)
    })
  })

  describe('a field takes either from (a source path) or constant: each other shape says so, at the field', () => {
    const BOTH =
      'a field takes either "from" (a source path such as node.title) or "constant" (a fixed value), not both: remove one of them'
    const NEITHER =
      'a field takes either "from" (a source path such as node.title) or "constant" (a fixed value), and this one has neither: add one'
    const NOT_A_FIELD =
      'a field is a source path (e.g. node.title) or an object with "from" or "constant" (e.g. { from: node.title, using: [first] }); got'

    it.each([
      {
        name: 'both from and constant',
        text: withLines({ 15: '  authors: { constant: [Example News], from: node.uid }' }),
        expected: [`mappings/broken.yaml:15:3 fields.authors: ${BOTH}`],
      },
      {
        name: 'both, written one key a line: at the field, not at its first key',
        text: withLines({
          15: '  authors:',
          16: '    from: node.uid',
          17: '    using: [user-ref]',
          18: '    constant: [x]',
        }),
        expected: [`mappings/broken.yaml:15:3 fields.authors: ${BOTH}`],
      },
      {
        name: "both in a field's default: at default",
        text: withLines({
          15: '  summary: { from: body.summary, using: [first], default: { from: body.value, constant: "" } }',
        }),
        expected: [`mappings/broken.yaml:15:50 fields.summary.default: ${BOTH}`],
      },
      {
        name: 'an empty source path says what one looks like, at the value',
        text: withLines({ 15: '  summary: ""' }),
        expected: [
          'mappings/broken.yaml:15:12 fields.summary: the source path is empty: give one such as node.title, field_subject.tid or alias.path',
        ],
      },
      {
        name: 'neither: only using',
        text: withLines({ 15: '  summary: { using: [first, trim] }' }),
        expected: [`mappings/broken.yaml:15:3 fields.summary: ${NEITHER}`],
      },
      {
        name: 'neither: an empty object',
        text: withLines({ 15: '  summary: {}' }),
        expected: [`mappings/broken.yaml:15:3 fields.summary: ${NEITHER}`],
      },
      {
        name: 'a number',
        text: withLines({ 15: '  summary: 42' }),
        expected: [`mappings/broken.yaml:15:3 fields.summary: ${NOT_A_FIELD} number 42`],
      },
      {
        name: 'a list of source paths',
        text: withLines({ 15: '  summary: [body.summary, body.value]' }),
        expected: [`mappings/broken.yaml:15:3 fields.summary: ${NOT_A_FIELD} a list`],
      },
      {
        name: 'nothing after the colon',
        text: withLines({ 15: '  summary:' }),
        expected: [`mappings/broken.yaml:15:3 fields.summary: ${NOT_A_FIELD} nothing (an empty value)`],
      },
      {
        name: 'a "from" that is not a source path keeps its own message, at the value',
        text: withLines({ 15: '  summary: { from: 42, using: [first] }' }),
        expected: [
          'mappings/broken.yaml:15:20 fields.summary.from: Invalid input: expected string, received number',
        ],
      },
      {
        name: 'a misspelled key keeps its did-you-mean rather than "neither"',
        text: withLines({ 15: '  summary: { frm: body.summary }' }),
        expected: [
          'mappings/broken.yaml:15:14 fields.summary.frm: unknown key "frm" (did you mean "from"?). Allowed here: constant, from, using, default',
        ],
      },
    ])('$name', ({ text, expected }) => {
      expect(problemLines(text)).toEqual(expected)
    })
  })

  it('reports YAML syntax errors with their position', () => {
    expect(problems('site: x\nsource: [unclosed\n')).toMatch(
      /^mappings\/broken.yaml: \d problem\(s\)\n- mappings\/broken.yaml:\d+:\d+ /,
    )
  })

  it('refuses SQL in a source path before anything reaches a database', () => {
    const text = `site: x
source: { bundles: [article] }
fields:
  title: { from: "node.title; DROP TABLE node", using: [first] }
`
    expect(problems(text)).toContain(
      'is not a source path: use table.column with lowercase letters, digits and _',
    )
  })
})

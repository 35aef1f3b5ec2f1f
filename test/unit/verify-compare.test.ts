import { describe, expect, it } from 'vitest'
import { EXIT } from '../../src/errors.js'
import type { Article } from '../../src/model/article.js'
import { verifyExitCode } from '../../src/pipeline/run-verify.js'
import type { RowOutcome } from '../../src/transform/outcome.js'
import { type Comparison, compareArticle, type TargetArticle } from '../../src/verify/compare-articles.js'
import { isNonEmpty } from '../../src/verify/verifier.js'

// Only the attributes these cases need; the comparison is generic over the article's keys.
const ARTICLE = {
  site: 'bne',
  legacyNid: 7,
  title: 'Budget passes',
  summary: null,
  sections: [
    { tid: 12, name: 'News', vocabulary: 'sections' },
    { tid: 14, name: 'Energy', vocabulary: 'sections' },
  ],
  image: { file: null, caption: 'A dam', credit: 'AP', alt: null, title: null, width: 10, height: 5 },
} as unknown as Article

const ref = { nid: 7, vid: 70 }
const ok = (article: object = ARTICLE, contentHash = 'h1'): RowOutcome => ({
  kind: 'ok',
  ref,
  article: article as Article,
  document: Buffer.from(JSON.stringify(article)),
  contentHash,
  warnings: [],
  strayLanguageRows: 0,
})
const target = (document: object | undefined, opts: Partial<TargetArticle> = {}): TargetArticle => ({
  legacyNid: 7,
  contentHash: 'h2',
  isDeleted: false,
  isPublished: true,
  isLive: true,
  ...(document ? { document } : {}),
  ...opts,
})

/** What `dhm sync --on-delete unpublish` leaves of ARTICLE: both flags false, in the columns and the document. */
const UNPUBLISHED = { ...ARTICLE, published: false, isLive: false }
const unpublished = { isPublished: false, isLive: false }
const FILTERED = { kind: 'filtered', ref, reason: 'does not match filters[0]' } as RowOutcome

/** Comparisons reduced to what a reader checks: class and fields, the retired state, or the kind. */
function summarize(c: Comparison) {
  if (c.kind === 'difference') return { class: c.difference.class, fields: c.difference.fields }
  if (c.kind === 'retired') return { retired: c.retired.state }
  return c.kind
}

describe('compareArticle', () => {
  it.each([
    {
      name: 'same fingerprint → matched without reading fields',
      source: ok(),
      target: target(undefined, { contentHash: 'h1' }),
      expected: 'matched',
    },
    {
      name: 'target absent → missing',
      source: ok(),
      target: null,
      expected: { class: 'missing', fields: [] },
    },
    {
      name: 'target soft-deleted → missing',
      source: ok(),
      target: target(ARTICLE, { contentHash: 'h1', isDeleted: true }),
      expected: { class: 'missing', fields: [] },
    },
    {
      name: 'source gone, target live → extra',
      source: null,
      target: target(ARTICLE),
      expected: { class: 'extra', fields: [] },
    },
    {
      name: 'source gone, target absent → nothing',
      source: null,
      target: null,
      expected: 'absent',
    },
    {
      name: 'source gone, target soft-deleted → retired',
      source: null,
      target: target(ARTICLE, { isDeleted: true }),
      expected: { retired: 'soft-deleted' },
    },
    {
      name: 'source gone, target unpublished by the delete policy (columns and document) → retired',
      source: null,
      target: target(UNPUBLISHED, unpublished),
      expected: { retired: 'unpublished' },
    },
    {
      name: 'source gone, target not published but still live → extra',
      source: null,
      target: target({ ...UNPUBLISHED, isLive: true }, { isPublished: false }),
      expected: { class: 'extra', fields: [] },
    },
    {
      name: 'source gone, target published but not live → extra',
      source: null,
      target: target({ ...UNPUBLISHED, published: true }, { isLive: false }),
      expected: { class: 'extra', fields: [] },
    },
    {
      name: 'source gone, columns unpublished but the document still published → extra',
      source: null,
      target: target(ARTICLE, unpublished),
      expected: { class: 'extra', fields: [] },
    },
    {
      name: 'source gone, document unpublished but the row still live → extra',
      source: null,
      target: target(UNPUBLISHED, { isPublished: false }),
      expected: { class: 'extra', fields: [] },
    },
    {
      name: 'source gone, target unpublished but its document not read → extra (cannot tell)',
      source: null,
      target: target(undefined, unpublished),
      expected: { class: 'extra', fields: [] },
    },
    {
      name: 'source filtered, target live → extra',
      source: FILTERED,
      target: target(ARTICLE),
      expected: { class: 'extra', fields: [] },
    },
    {
      name: 'source filtered, target unpublished by the delete policy → retired',
      source: FILTERED,
      target: target(UNPUBLISHED, unpublished),
      expected: { retired: 'unpublished' },
    },
    {
      name: 'source filtered, target soft-deleted → retired',
      source: FILTERED,
      target: target(ARTICLE, { isDeleted: true }),
      expected: { retired: 'soft-deleted' },
    },
    {
      name: 'source ok, target unpublished → compared as usual (the source still wants it)',
      source: ok(UNPUBLISHED, 'h2'),
      target: target(UNPUBLISHED, { ...unpublished, contentHash: 'h2' }),
      expected: 'matched',
    },
    {
      name: 'source invalid → rejected, by top-level field',
      source: {
        kind: 'invalid',
        ref,
        issues: [{ field: 'image.width', reason: 'negative', excerpt: '-1' }],
      } as RowOutcome,
      target: target(ARTICLE),
      expected: { class: 'rejected', fields: ['image'] },
    },
    {
      name: 'hash differs, title differs → changed title',
      source: ok(),
      target: target({ ...ARTICLE, title: 'Old' }),
      expected: { class: 'changed', fields: ['title'] },
    },
    {
      name: 'nested object compared as a whole',
      source: ok(),
      target: target({ ...ARTICLE, image: { ...(ARTICLE.image as object), caption: 'Old caption' } }),
      expected: { class: 'changed', fields: ['image'] },
    },
    {
      name: 'attribute only in the target document',
      source: ok(),
      target: target({ ...ARTICLE, legacy: 1 }),
      expected: { class: 'changed', fields: ['legacy'] },
    },
    {
      name: 'same document in another key order, other hash → only contentHash',
      source: ok(),
      target: target(Object.fromEntries(Object.entries(ARTICLE).reverse())),
      expected: { class: 'changed', fields: ['contentHash'] },
    },
    {
      name: 'edited attribute, other fingerprint → changed, whatever the document would say',
      source: ok(ARTICLE, 'h1'),
      target: target({ ...ARTICLE, summary: 'x' }, { contentHash: 'h2' }),
      expected: { class: 'changed', fields: ['summary'] },
    },
    {
      name: 'other fingerprint, no article read → every non-null attribute changed, never matched',
      source: ok(ARTICLE, 'h1'),
      target: target(undefined, { contentHash: 'h2' }),
      expected: { class: 'changed', fields: ['site', 'legacyNid', 'title', 'sections', 'image'] },
    },
    {
      name: 'only an owned field edited in the target differs → edited',
      source: ok(),
      target: target({ ...ARTICLE, title: 'Old' }, { editedInTarget: ['title'] }),
      expected: { class: 'edited', fields: ['title'] },
    },
    {
      name: 'an owned field edited in the target and another field differ → changed, both listed',
      source: ok(),
      target: target({ ...ARTICLE, title: 'Old', summary: 'x' }, { editedInTarget: ['title'] }),
      expected: { class: 'changed', fields: ['title', 'summary'] },
    },
    {
      name: 'a field differs that is not the owned one edited in the target → changed',
      source: ok(),
      target: target({ ...ARTICLE, summary: 'x' }, { editedInTarget: ['title'] }),
      expected: { class: 'changed', fields: ['summary'] },
    },
  ])('$name', ({ source, target: t, expected }) => {
    expect(summarize(compareArticle(source, t))).toEqual(expected)
  })

  it('says which article was retired, how, and why the source no longer wants it', () => {
    expect(compareArticle(null, target(UNPUBLISHED, unpublished))).toEqual({
      kind: 'retired',
      retired: {
        legacyNid: 7,
        title: 'Budget passes',
        state: 'unpublished',
        reason: 'not in the source (deleted, or no longer of a mapped bundle)',
      },
    })
    expect(compareArticle(FILTERED, target(undefined, { isDeleted: true }))).toEqual({
      kind: 'retired',
      retired: {
        legacyNid: 7,
        title: null,
        state: 'soft-deleted',
        reason: 'filtered out by the mapping: does not match filters[0]',
      },
    })
  })

  it('describes what changed inside lists and objects, old → new', () => {
    const c = compareArticle(
      ok(),
      target({
        ...ARTICLE,
        title: 'Old',
        sections: [ARTICLE.sections[0], { tid: 99, name: 'Sport', vocabulary: 'sections' }],
        image: { ...(ARTICLE.image as object), caption: 'Old caption' },
      }),
    )
    expect(c.kind === 'difference' ? c.difference.changes : c).toMatchInlineSnapshot(`
      [
        {
          "detail": null,
          "field": "title",
          "source": ""Budget passes"",
          "target": ""Old"",
        },
        {
          "detail": "missing in target: ["Energy (14)"]; only in target: ["Sport (99)"]",
          "field": "sections",
          "source": "[{"tid":12,"name":"News","vocabulary":"sections"},{"tid":14,"name":"Energy","vocabulary":"sections"}]",
          "target": "[{"tid":12,"name":"News","vocabulary":"sections"},{"tid":99,"name":"Sport","vocabulary":"sections"}]",
        },
        {
          "detail": "caption",
          "field": "image",
          "source": "{"caption":"A dam"}",
          "target": "{"caption":"Old caption"}",
        },
      ]
    `)
  })
})

describe('long values that differ past their start', () => {
  it('are excerpted from just before the first difference, so old and new do not read the same', () => {
    const opening = `<p>${'The energy memorandum is worth an estimated €250mn. '.repeat(6)}</p>`
    const body = (value: string) => ({ value, summary: null, format: 'full_html' })
    const c = compareArticle(
      ok({ ...ARTICLE, body: body(`${opening}<p>Edited.</p>`) }),
      target({ ...ARTICLE, body: body(opening) }),
    )
    const changes = c.kind === 'difference' ? c.difference.changes : []
    expect(changes.map((ch) => [ch.field, ch.detail])).toEqual([['body', 'value']])
    const [change] = changes
    expect(change?.target).toBe('…timated €250mn. </p>"}')
    expect(change?.source).toBe('…timated €250mn. </p><p>Edited.</p>"}')
  })

  it('a difference near the start keeps the excerpt from the beginning', () => {
    const long = 'x'.repeat(300)
    const c = compareArticle(
      ok({ ...ARTICLE, summary: `New ${long}` }),
      target({ ...ARTICLE, summary: `Old ${long}` }),
    )
    const [change] = c.kind === 'difference' ? c.difference.changes : []
    expect(change?.target).toBe(`"Old ${'x'.repeat(115)}…`)
    expect(change?.source).toBe(`"New ${'x'.repeat(115)}…`)
  })
})

describe('verifyExitCode', () => {
  const counts = {
    read: 10,
    matched: 10,
    missing: 0,
    extra: 0,
    changed: 0,
    edited: 0,
    rejected: 0,
    filtered: 0,
    retired: 0,
  }
  it.each([
    { name: 'clean', counts, expected: EXIT.ok },
    { name: 'only rejected', counts: { ...counts, rejected: 2 }, expected: EXIT.rejected },
    { name: 'missing', counts: { ...counts, missing: 1 }, expected: EXIT.differences },
    { name: 'extra and rejected', counts: { ...counts, extra: 1, rejected: 1 }, expected: EXIT.differences },
    { name: 'changed', counts: { ...counts, changed: 1 }, expected: EXIT.differences },
    { name: 'only retired', counts: { ...counts, retired: 3 }, expected: EXIT.ok },
    { name: 'retired and rejected', counts: { ...counts, retired: 3, rejected: 1 }, expected: EXIT.rejected },
    { name: 'only edited in target', counts: { ...counts, edited: 2 }, expected: EXIT.ok },
    {
      name: 'edited in target, --strict',
      counts: { ...counts, edited: 2 },
      strict: true,
      expected: EXIT.differences,
    },
    { name: 'clean, --strict', counts, strict: true, expected: EXIT.ok },
  ])('$name → $expected', ({ counts: c, expected, ...rest }) => {
    expect(verifyExitCode(c, 'strict' in rest ? rest.strict : false)).toBe(expected)
  })
})

describe('isNonEmpty (coverage)', () => {
  it.each([
    { value: null, expected: false },
    { value: '  ', expected: false },
    { value: 'x', expected: true },
    { value: [], expected: false },
    { value: [1], expected: true },
    { value: false, expected: false },
    { value: true, expected: true },
    { value: 0, expected: true },
    { value: { file: null, caption: null }, expected: false },
    { value: { file: null, caption: 'c' }, expected: true },
  ])('$value → $expected', ({ value, expected }) => {
    expect(isNonEmpty(value)).toBe(expected)
  })
})

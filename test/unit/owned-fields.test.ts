import { describe, expect, it } from 'vitest'
import { renderRelease, renderReleaseRun } from '../../src/cli/commands/release.js'
import { renderOwnedEdits } from '../../src/cli/commands/status.js'
import { compileMapping } from '../../src/mapping/compile.js'
import { SiteMappingSchema } from '../../src/mapping/schema.js'
import { editedInTargetSql, OWNABLE_FIELD_NAMES } from '../../src/model/owned-fields.js'

describe('editedInTargetSql: the column against what dhm last wrote (the document)', () => {
  it.each([
    { field: 'title', expected: "a.title IS DISTINCT FROM a.document->>'title'" },
    { field: 'headTags', expected: "a.head_tags IS DISTINCT FROM a.document->>'headTags'" },
    { field: 'body', expected: "a.body IS DISTINCT FROM COALESCE(a.document#>>'{body,value}', a.body)" },
    {
      field: 'authors',
      expected: "a.authors IS DISTINCT FROM ARRAY(SELECT jsonb_array_elements_text(a.document->'authors'))",
    },
  ] as const)('$field', ({ field, expected }) => {
    expect(editedInTargetSql(field, 'a')).toBe(expected)
  })
})

describe('editedInTargetSql for fields that span columns or links', () => {
  it('image: every column against the document, the file through media_file', () => {
    const sql = editedInTargetSql('image', 'a')
    expect(sql).toMatch(
      /^\(a\.image_file_id, a\.image_caption, .*a\.image_height\) IS DISTINCT FROM \(\(SELECT f\.id FROM media_file f/,
    )
  })
  it('sections: the links of role section, in order, against the terms the document lists', () => {
    expect(editedInTargetSql('sections', 'a')).toContain("x.role = 'section' ORDER BY x.position")
  })
  it('with a date: only articles edited in the target since', () => {
    expect(editedInTargetSql('title', 'a', '2026-12-01T00:00:00.000Z')).toBe(
      "(a.title IS DISTINCT FROM a.document->>'title' AND EXISTS (SELECT 1 FROM target_edit e " +
        "WHERE e.article_id = a.id AND e.edited_at >= '2026-12-01T00:00:00.000Z'::timestamptz))",
    )
  })
})

describe('mapping owned → compiled', () => {
  const base = { site: 'x', source: { bundles: ['article'] }, fields: { title: 'node.title' } }
  it.each([
    { owned: ['title', 'title'], expected: { fields: ['title'], from: null } },
    {
      owned: { from: '2026-12-01', fields: ['body'] },
      expected: { fields: ['body'], from: '2026-12-01T00:00:00.000Z' },
    },
    {
      owned: { from: '2026-12-01T06:00:00+01:00' },
      expected: { fields: OWNABLE_FIELD_NAMES, from: '2026-12-01T05:00:00.000Z' },
    },
  ])('$owned', ({ owned, expected }) => {
    const compiled = compileMapping(SiteMappingSchema.parse({ ...base, owned }))
    expect(compiled.ok && compiled.mapping.owned).toEqual(expected)
  })
})

describe('messages', () => {
  it.each([
    {
      name: 'status, two owned fields',
      text: renderOwnedEdits('bne', { title: 1, summary: 0 }),
      expected: 'owned fields edited in the target (bne): title 1, summary 0',
    },
    {
      name: 'status, no owned fields',
      text: renderOwnedEdits('bne', {}),
      expected: 'the mapping of bne owns no fields (mapping key owned)',
    },
    {
      name: 'release, one released and one field not edited',
      text: renderRelease({ title: [12], summary: [] }),
      expected:
        "title: released 1 article(s) (12); it holds dhm's value again and the next sync writes the source's\n" +
        'summary: none of the given articles had it edited in the target; nothing to release',
    },
    {
      name: 'release, the run it was recorded as',
      text: renderReleaseRun(31),
      expected: "recorded as run 31: dhm rollback --run 31 gives the editors' values back",
    },
  ])('$name', ({ text, expected }) => {
    expect(text).toBe(expected)
  })
})

describe('mapping key owned', () => {
  const base = { site: 'x', source: { bundles: ['article'] }, fields: { title: 'node.title' } }
  it.each([
    { owned: undefined, ok: true },
    { owned: ['title', 'summary', 'body', 'authors'], ok: true },
    { owned: ['image', 'pdf', 'sections', 'subjects'], ok: true },
    // slug drives redirects; publications drive the live rule.
    { owned: ['slug'], ok: false },
    { owned: ['publications'], ok: false },
    { owned: { from: '2026-12-01' }, ok: true },
    { owned: { fields: ['title', 'image'], from: '2026-12-01T06:00:00+01:00' }, ok: true },
    { owned: { fields: ['title'] }, ok: false },
    { owned: { from: 'next monday' }, ok: false },
    { owned: { from: '2026-12-01', fields: ['slug'] }, ok: false },
  ])('owned: $owned → valid $ok', ({ owned, ok }) => {
    expect(SiteMappingSchema.safeParse({ ...base, ...(owned ? { owned } : {}) }).success).toBe(ok)
  })
})

import { describe, expect, it } from 'vitest'
import { renderRelease } from '../../src/cli/commands/release.js'
import { renderOwnedEdits } from '../../src/cli/commands/status.js'
import { SiteMappingSchema } from '../../src/mapping/schema.js'
import { editedInTargetSql } from '../../src/model/owned-fields.js'

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
  ])('$name', ({ text, expected }) => {
    expect(text).toBe(expected)
  })
})

describe('mapping key owned', () => {
  const base = { site: 'x', source: { bundles: ['article'] }, fields: { title: 'node.title' } }
  it.each([
    { owned: undefined, ok: true },
    { owned: ['title', 'summary', 'body', 'authors'], ok: true },
    // One column each or not at all: image spans columns and media_file; slug drives redirects.
    { owned: ['image'], ok: false },
    { owned: ['slug'], ok: false },
  ])('owned: $owned → valid $ok', ({ owned, ok }) => {
    expect(SiteMappingSchema.safeParse({ ...base, ...(owned ? { owned } : {}) }).success).toBe(ok)
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildMappingJsonSchema, MAPPING_JSON_SCHEMA_FILE } from '../../src/mapping/json-schema.js'
import { TRANSFORM_NAMES } from '../../src/transform/registry.js'

describe('mappings/mapping.schema.json', () => {
  it('is up to date with the zod schema (run "npm run mapping:schema" if not)', () => {
    expect(JSON.parse(readFileSync(MAPPING_JSON_SCHEMA_FILE, 'utf8'))).toEqual(buildMappingJsonSchema())
  })

  it('lists every transform name for editor completion and keeps the recursive conditions', () => {
    const text = readFileSync(MAPPING_JSON_SCHEMA_FILE, 'utf8')
    const schema = JSON.parse(text) as { $defs: Record<string, unknown>; required: string[] }
    expect(schema.required).toEqual(['site', 'source', 'fields'])
    expect(Object.keys(schema.$defs)).toContain('Condition')
    for (const name of TRANSFORM_NAMES) expect(text).toContain(`"${name}"`)
  })
})

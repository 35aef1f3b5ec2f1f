import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { schemaRefFrom } from '../../src/cli/commands/inspect.js'
import {
  buildMappingJsonSchema,
  MAPPING_JSON_SCHEMA_FILE,
  MAPPING_JSON_SCHEMA_PATH,
} from '../../src/mapping/json-schema.js'
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

describe('the modeline of a scaffolded mapping', () => {
  it('points at this install’s schema from wherever --out writes the file', () => {
    expect(schemaRefFrom('mappings/new-site.yaml')).toBe('./mapping.schema.json')
    const elsewhere = join(tmpdir(), 'site', 'mapping.yaml')
    const ref = schemaRefFrom(elsewhere)
    expect(ref.startsWith('../')).toBe(true)
    expect(resolve(dirname(elsewhere), ref)).toBe(MAPPING_JSON_SCHEMA_PATH)
    expect(existsSync(MAPPING_JSON_SCHEMA_PATH)).toBe(true)
  })
})

/**
 * Writes mappings/mapping.schema.json from the zod schema of mapping files:
 *   npm run mapping:schema
 * test/unit/mapping-json-schema.test.ts fails when the committed file is out of date.
 */
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { MAPPING_JSON_SCHEMA_FILE, renderMappingJsonSchema } from '../src/mapping/json-schema.ts'

await writeFile(MAPPING_JSON_SCHEMA_FILE, renderMappingJsonSchema())
// Keep the committed file as the project's formatter wants it (the test compares parsed JSON).
execFileSync('npx', ['biome', 'format', '--write', MAPPING_JSON_SCHEMA_FILE], { stdio: 'ignore' })
console.log(`wrote ${MAPPING_JSON_SCHEMA_FILE}`)

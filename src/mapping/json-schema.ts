import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { SiteMappingSchema, TransformNameSchema } from './schema.js'
import { TRANSFORM_NAMES } from './transform-catalog.js'

/** Where `npm run mapping:schema` writes the schema; mapping files point at it with a modeline. */
export const MAPPING_JSON_SCHEMA_FILE = 'mappings/mapping.schema.json'

/** The schema file of this install (src/mapping/ and the bundle's dist/cli/ are both two folders deep). */
export const MAPPING_JSON_SCHEMA_PATH = fileURLToPath(
  new URL(`../../${MAPPING_JSON_SCHEMA_FILE}`, import.meta.url),
)

/**
 * The JSON Schema of mapping files, generated from the same zod schema the loader validates with,
 * so editors (yaml-language-server) complete and check `mappings/*.yaml` exactly as `dhm check`
 * does. Transform names are listed as an enum so editors can complete them.
 */
export function buildMappingJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SiteMappingSchema, {
    io: 'input',
    target: 'draft-2020-12',
    override: (ctx) => {
      if (ctx.zodSchema === TransformNameSchema) ctx.jsonSchema.enum = [...TRANSFORM_NAMES]
    },
  })
  return {
    ...schema,
    title: 'dhm mapping file',
    description:
      'A drupal-headless-migrate mapping: which Drupal 7 nodes to read and where each article attribute comes from. See mappings/README.md.',
  }
}

/** The schema as the committed file holds it (stable key order, trailing newline). */
export function renderMappingJsonSchema(): string {
  return `${JSON.stringify(buildMappingJsonSchema(), null, 2)}\n`
}

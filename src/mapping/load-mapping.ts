import { readFile } from 'node:fs/promises'
import { isNode, LineCounter, type Node, parseDocument } from 'yaml'
import { ConfigError, MappingError } from '../errors.js'
import { type CompiledMapping, compileMapping } from './compile.js'
import { SiteMappingSchema } from './schema.js'

/** The mapping used when none is given. */
export const DEFAULT_MAPPING_FILE = 'mappings/bne.yaml'

/**
 * Read, validate and compile a mapping file. Every problem — YAML syntax, schema, unknown
 * attributes, source paths, transforms — is reported at once as `file:line:col path: message`.
 */
export async function loadMapping(file: string): Promise<CompiledMapping> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new ConfigError(
      `cannot read mapping file ${file}: ${(cause as Error).message}. Pass --mapping mappings/<site>.yaml`,
      {
        cause,
      },
    )
  }
  return parseMapping(text, file)
}

/** Same as loadMapping, from text (tests, `dhm inspect --scaffold`). */
export function parseMapping(text: string, file = '<mapping>'): CompiledMapping {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const where = (offset: number | undefined) => {
    if (offset === undefined) return `${file}`
    const { line, col } = lines.linePos(offset)
    return `${file}:${line}:${col}`
  }
  if (doc.errors.length > 0) {
    throw new MappingError(
      file,
      doc.errors.map((e) => `${where(e.pos[0])} ${e.message.split('\n')[0]}`),
    )
  }
  const locate = (path: readonly (string | number)[]) => {
    // Walk up until a node exists (a missing key is reported at its parent).
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true)
      if (isNode(node)) return where((node as Node).range?.[0])
    }
    return where(0)
  }
  const raw: unknown = doc.toJS()
  const parsed = SiteMappingSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${locate(i.path as (string | number)[])} ${i.path.join('.') || '(root)'}: ${i.message}`,
    )
    // Report rule problems in `fields` too, when that part parses: every problem at once.
    const fields = SiteMappingSchema.shape.fields.safeParse((raw as { fields?: unknown } | null)?.fields)
    if (fields.success) {
      const partial = compileMapping({
        site: 'x',
        source: { bundles: ['x'], fieldTables: 'revision', translations: 'none' },
        files: {},
        filters: [],
        fields: fields.data,
      })
      if (!partial.ok)
        issues.push(...partial.problems.map((p) => `${locate(p.path)} ${p.path.join('.')}: ${p.message}`))
    }
    throw new MappingError(file, issues)
  }
  const compiled = compileMapping(parsed.data)
  if (!compiled.ok) {
    throw new MappingError(
      file,
      compiled.problems.map((p) => `${locate(p.path)} ${p.path.join('.')}: ${p.message}`),
    )
  }
  return compiled.mapping
}

import { readFile } from 'node:fs/promises'
import { isMap, isNode, isScalar, LineCounter, type Node, parseDocument } from 'yaml'
import { ConfigError, MappingError } from '../errors.js'
import { type CompiledMapping, compileMapping, type MappingProblem } from './compile.js'
import { SiteMappingSchema } from './schema.js'
import { describeSchemaIssues } from './schema-issues.js'

/** The mapping used when none is given. */
export { DEFAULT_MAPPING_FILE } from '../config/connections.js'

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
  // Offsets into the text: problems are listed in file order, then rendered with line and column.
  const locate = (path: readonly (string | number)[]): number | undefined => {
    // Walk up until a node exists (a missing key is reported at its parent).
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true)
      if (isNode(node)) return (node as Node).range?.[0]
    }
    return 0
  }
  const locateKey = (path: readonly (string | number)[]): number | undefined => {
    const parent = doc.getIn(path.slice(0, -1), true)
    const key = String(path.at(-1))
    const pair = isMap(parent)
      ? parent.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === key)
      : undefined
    return isNode(pair?.key) ? pair.key.range?.[0] : locate(path)
  }
  /** `file:line:col path: message` per problem, top to bottom like the file (stable otherwise). */
  const describe = (problems: readonly MappingProblem[]): string[] =>
    problems
      .map((p, i) => ({ p, i, at: p.at === 'key' ? locateKey(p.path) : locate(p.path) }))
      .sort((a, b) => (a.at ?? Number.POSITIVE_INFINITY) - (b.at ?? Number.POSITIVE_INFINITY) || a.i - b.i)
      .map(({ p, at }) => `${where(at)} ${p.path.join('.') || '(root)'}: ${p.message}`)
  const raw: unknown = doc.toJS()
  const parsed = SiteMappingSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const problems = describeSchemaIssues(SiteMappingSchema, raw ?? {}, parsed.error.issues)
    // Report rule problems in `fields` too, when that part parses: every problem at once.
    const fields = SiteMappingSchema.shape.fields.safeParse((raw as { fields?: unknown } | null)?.fields)
    if (fields.success) {
      const partial = compileMapping({
        site: 'x',
        source: { bundles: ['x'], fieldTables: 'revision', translations: 'none' },
        files: {},
        filters: [],
        fields: fields.data,
        owned: [],
        references: {},
        menus: [],
      })
      if (!partial.ok) problems.push(...partial.problems)
    }
    throw new MappingError(file, describe(problems))
  }
  const compiled = compileMapping(parsed.data)
  if (!compiled.ok) {
    throw new MappingError(file, describe(compiled.problems))
  }
  return compiled.mapping
}

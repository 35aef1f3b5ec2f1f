import { ARTICLE_ATTRIBUTES, DERIVED_ATTRIBUTES, EXTRA_NAME, NESTED_ATTRIBUTES } from '../model/article.js'
import { OWNABLE_FIELD_NAMES, type OwnedFields } from '../model/owned-fields.js'
import type { CompiledBlockAttribute, CompiledBlocks } from './compile-blocks.js'
import { type CompiledRelations, compileRelations } from './compile-relations.js'
import { DEFAULT_FIELDS } from './defaults.js'
import { nearest } from './nearest.js'
import {
  type Condition,
  type FieldMapping,
  FieldMappingSchema,
  type SiteMapping,
  type TransformRef,
} from './schema.js'
import { describeSchemaIssues } from './schema-issues.js'
import { parseSourcePath, type SourcePath } from './source-path.js'
import { TRANSFORM_NAMES, transformArgument } from './transform-catalog.js'

/** A mapping turned into something the transformer can run without re-checking anything. */
export interface CompiledMapping {
  readonly site: string
  readonly source: SiteMapping['source']
  readonly files: SiteMapping['files']
  readonly live: CompiledCondition
  readonly filters: readonly CompiledCondition[]
  /** Top-level attributes in model order, then nested ones (`image.caption`) after their parent. */
  readonly attributes: readonly CompiledAttribute[]
  /** Every field name any path or condition reads, so the extractor reads only those tables. */
  readonly fieldNames: readonly string[]
  readonly sourcePaths: readonly SourcePath[]
  /** Attributes the new system owns once edited there, and from when (see OWNABLE_FIELDS). */
  readonly owned: OwnedFields
  /** Authors, references and menus (authorRecords, references, menus keys). */
  readonly relations: CompiledRelations
  /** Field collections and paragraphs as blocks (mapping key `blocks`); null without it. */
  readonly blocks: CompiledBlocks | null
}

export interface CompiledAttribute {
  readonly attribute: string
  readonly parent: string | null
  readonly value: CompiledValue
}

export type CompiledValue =
  /** `value` is deep-frozen: every article shares it, none can change it for the next. */
  | { readonly kind: 'constant'; readonly value: unknown }
  | {
      readonly kind: 'pipeline'
      readonly source: SourcePath
      readonly steps: readonly CompiledStep[]
      readonly fallback: CompiledValue | null
    }

/** A step of a pipeline: the transform's name (transform/registry.ts implements it) and its argument. */
export interface CompiledStep {
  readonly name: string
  readonly arg: unknown
}

export type CompiledCondition =
  | {
      readonly kind: 'test'
      readonly source: SourcePath
      readonly equals?: unknown
      readonly in?: readonly unknown[]
      readonly present?: boolean
    }
  | { readonly kind: 'all' | 'any'; readonly conditions: readonly CompiledCondition[] }
  | { readonly kind: 'not'; readonly condition: CompiledCondition }
  | { readonly kind: 'true' }

/** A rule violation with the mapping path it belongs to (for file:line:col reporting). */
export interface MappingProblem {
  readonly path: readonly (string | number)[]
  readonly message: string
  /** Point at the key the path ends in (an unknown key) rather than at its value (the default). */
  readonly at?: 'key'
}

/**
 * Second validation pass (the first is the zod schema): attribute names, source paths and transform
 * names. Collects every problem instead of stopping at the first.
 */
export function compileMapping(
  mapping: SiteMapping,
):
  | { readonly ok: true; readonly mapping: CompiledMapping }
  | { readonly ok: false; readonly problems: MappingProblem[] } {
  const problems: MappingProblem[] = []
  const paths: SourcePath[] = []

  const compileSource = (text: string, at: (string | number)[]): SourcePath | null => {
    const parsed = parseSourcePath(text)
    if ('error' in parsed) {
      problems.push({ path: at, message: parsed.error })
      return null
    }
    paths.push(parsed)
    return parsed
  }

  const compileSteps = (using: readonly TransformRef[], at: (string | number)[]): CompiledStep[] =>
    using.flatMap((ref, i) => {
      const [name, arg] =
        typeof ref === 'string' ? [ref, undefined] : (Object.entries(ref)[0] as [string, unknown])
      const schema = transformArgument(name)
      if (schema === undefined) {
        const hint = nearest(name, TRANSFORM_NAMES)
        problems.push({
          path: [...at, i],
          message: `unknown transform "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}. Known: ${TRANSFORM_NAMES.join(', ')}`,
        })
        return []
      }
      if (schema && arg === undefined) {
        problems.push({ path: [...at, i], message: `transform "${name}" needs an argument: { ${name}: … }` })
        return []
      }
      if (!schema && arg !== undefined) {
        problems.push({
          path: [...at, i],
          message: `transform "${name}" takes no argument; write it as "${name}"`,
        })
        return []
      }
      if (schema) {
        const r = schema.safeParse(arg)
        if (!r.success) {
          problems.push({
            path: [...at, i, name],
            message: `bad argument for "${name}": ${r.error.issues[0]?.message}`,
          })
          return []
        }
      }
      return [{ name, arg }]
    })

  const compileValue = (m: FieldMapping, at: (string | number)[]): CompiledValue | null => {
    if (typeof m === 'string') {
      const source = compileSource(m, at)
      return source && { kind: 'pipeline', source, steps: compileSteps(['first'], at), fallback: null }
    }
    if ('constant' in m) return { kind: 'constant', value: frozenCopy(m.constant) }
    const source = compileSource(m.from, [...at, 'from'])
    const steps = compileSteps(m.using, [...at, 'using'])
    let fallback: CompiledValue | null = null
    if (m.default !== undefined) {
      const d = m.default
      const isPipeline =
        d !== null && typeof d === 'object' && !Array.isArray(d) && ('from' in d || 'constant' in d)
      if (!isPipeline) fallback = { kind: 'constant', value: frozenCopy(d) }
      else {
        const parsed = FieldMappingSchema.safeParse(d)
        if (parsed.success) fallback = compileValue(parsed.data, [...at, 'default'])
        else
          for (const p of describeSchemaIssues(FieldMappingSchema, d, parsed.error.issues))
            problems.push({ ...p, path: [...at, 'default', ...p.path] })
      }
    }
    return source && { kind: 'pipeline', source, steps, fallback }
  }

  const compileCondition = (c: Condition, at: (string | number)[]): CompiledCondition => {
    if ('all' in c)
      return { kind: 'all', conditions: c.all.map((x, i) => compileCondition(x, [...at, 'all', i])) }
    if ('any' in c)
      return { kind: 'any', conditions: c.any.map((x, i) => compileCondition(x, [...at, 'any', i])) }
    if ('not' in c) return { kind: 'not', condition: compileCondition(c.not, [...at, 'not']) }
    const source = compileSource(c.path, [...at, 'path'])
    if (c.equals === undefined && c.in === undefined && c.present === undefined) {
      problems.push({ path: at, message: 'a condition needs one of equals, in or present' })
    }
    return source
      ? { kind: 'test', source, equals: c.equals, in: c.in, present: c.present }
      : { kind: 'true' }
  }

  const attributes: CompiledAttribute[] = []
  const known = new Set<string>(ARTICLE_ATTRIBUTES)
  // What is wrong here is the attribute name: each problem points at the key (`titel:`), not at
  // the value after it.
  for (const key of Object.keys(mapping.fields)) {
    const [parent, child, ...rest] = key.split('.')
    const nested = child === undefined ? null : NESTED_ATTRIBUTES[parent ?? '']
    if ((DERIVED_ATTRIBUTES as readonly string[]).includes(key)) {
      problems.push({
        path: ['fields', key],
        at: 'key',
        message: `"${key}" is set by the tool itself and cannot be mapped`,
      })
    } else if (parent === 'extra' && child !== undefined) {
      // extra.<name>: any site-specific name, one level deep.
      if (!EXTRA_NAME.test(child) || rest.length > 0) {
        problems.push({
          path: ['fields', key],
          at: 'key',
          message: `bad extra attribute "${key}": write extra.<name> with a name of letters, digits and _ starting with a letter`,
        })
      }
    } else if (child === undefined ? !known.has(key) : !nested?.includes(child) || rest.length > 0) {
      const candidates = [
        ...[...known].filter((a) => !(DERIVED_ATTRIBUTES as readonly string[]).includes(a)),
        ...Object.entries(NESTED_ATTRIBUTES).flatMap(([p, cs]) => cs.map((c) => `${p}.${c}`)),
      ]
      const hint = nearest(key, candidates)
      problems.push({
        path: ['fields', key],
        at: 'key',
        message: `unknown article attribute "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
      })
    }
  }
  for (const attribute of ARTICLE_ATTRIBUTES) {
    if ((DERIVED_ATTRIBUTES as readonly string[]).includes(attribute)) continue
    const m = mapping.fields[attribute] ?? DEFAULT_FIELDS[attribute]
    if (m === undefined && attribute !== 'extra') continue
    const value = m === undefined ? null : compileValue(m, ['fields', attribute])
    if (value) attributes.push({ attribute, parent: null, value })
    for (const child of NESTED_ATTRIBUTES[attribute] ?? []) {
      const nm = mapping.fields[`${attribute}.${child}`]
      if (nm === undefined) continue
      const nv = compileValue(nm, ['fields', `${attribute}.${child}`])
      if (nv) attributes.push({ attribute: child, parent: attribute, value: nv })
    }
    if (attribute === 'extra') {
      // extra.<name>: in mapping order, after `extra` itself when that is mapped too.
      for (const [key, nm] of Object.entries(mapping.fields)) {
        const child = key.startsWith('extra.') ? key.slice('extra.'.length) : null
        if (child === null || !EXTRA_NAME.test(child)) continue
        const nv = compileValue(nm, ['fields', key])
        if (nv) attributes.push({ attribute: child, parent: 'extra', value: nv })
      }
    }
  }

  const live = mapping.live
    ? compileCondition(mapping.live, ['live'])
    : compileCondition({ path: 'node.status', equals: 1 }, ['live'])
  const filters = mapping.filters.map((f, i) => compileCondition(f, ['filters', i]))
  const relations = compileRelations(mapping, compileSource, (path, message) =>
    problems.push({ path, message }),
  )

  // blocks: host fields are fields (node or item), each type's values compiled as attributes are.
  let blocks: CompiledBlocks | null = null
  if (mapping.blocks) {
    const hosts = [...new Set(mapping.blocks.fields)]
    for (const [i, host] of hosts.entries()) compileSource(host, ['blocks', 'fields', i])
    const nodePathCount = paths.length
    const types: Record<string, CompiledBlockAttribute[]> = {}
    for (const [type, attrs] of Object.entries(mapping.blocks.types)) {
      const list: CompiledBlockAttribute[] = []
      for (const [name, m] of Object.entries(attrs)) {
        if (!EXTRA_NAME.test(name)) {
          problems.push({
            path: ['blocks', 'types', type, name],
            at: 'key',
            message: `bad block attribute "${name}": a letter, then letters, digits or _`,
          })
          continue
        }
        const value = compileValue(m, ['blocks', 'types', type, name])
        if (value) list.push({ name, value })
      }
      types[type] = list
    }
    // Paths compiled so far (the article's and the hosts) are read for nodes.
    const nodeFields = new Set(
      paths.slice(0, nodePathCount).flatMap((p) => (p.kind === 'field' ? [p.field] : [])),
    )
    for (const p of paths.slice(nodePathCount)) {
      if (p.kind !== 'field') {
        problems.push({
          path: ['blocks', 'types'],
          message: `block values read the item's own fields only (field_x.value), not ${p.kind}.*`,
        })
      }
    }
    const itemFields = [
      ...new Set([
        ...hosts,
        ...paths.slice(nodePathCount).flatMap((p) => (p.kind === 'field' ? [p.field] : [])),
      ]),
    ]
    const itemOnlyFields = itemFields.filter((f) => !nodeFields.has(f))
    blocks = { hosts, types, itemOnlyFields, itemFields }
  }

  if (problems.length > 0) return { ok: false, problems }
  const fieldNames = [...new Set(paths.flatMap((p) => (p.kind === 'field' ? [p.field] : [])))].sort()
  return {
    ok: true,
    mapping: {
      site: mapping.site,
      source: mapping.source,
      files: mapping.files,
      live,
      filters,
      attributes,
      fieldNames,
      sourcePaths: paths,
      owned: compileOwned(mapping.owned),
      relations,
      blocks,
    },
  }
}

/** `owned` as a list, or with a date (`from` as an ISO instant; a bare date is UTC midnight). */
function compileOwned(owned: SiteMapping['owned']): OwnedFields {
  if (Array.isArray(owned)) return { fields: [...new Set(owned)], from: null }
  return {
    fields: [...new Set(owned.fields ?? OWNABLE_FIELD_NAMES)],
    from: new Date(owned.from.length === 10 ? `${owned.from}T00:00:00Z` : owned.from).toISOString(),
  }
}

/** A deep-frozen copy of a mapping value: made once per mapping, shared by every article. */
function frozenCopy<T>(value: T): T {
  const freeze = (v: unknown): unknown => {
    if (v !== null && typeof v === 'object') {
      for (const child of Object.values(v)) freeze(child)
      Object.freeze(v)
    }
    return v
  }
  return freeze(structuredClone(value)) as T
}

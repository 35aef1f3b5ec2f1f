import { z } from 'zod'
import type { MappingProblem } from './compile.js'
import { nearest } from './nearest.js'
import { FieldMappingSchema } from './schema.js'

type Path = readonly (string | number)[]

/**
 * First validation pass: zod issues → mapping problems, paths relative to `value`. zod reports an
 * object's unknown keys as one issue on the object, and inside a union (conditions, field mappings)
 * only as "Invalid input"; here each unknown key becomes its own problem, pointing at the key, with
 * the keys allowed there and the nearest one suggested:
 * `lvie: unknown key "lvie" (did you mean "live"?). Allowed here: site, description, …`.
 * A field mapping that fits none of its shapes (both `from` and `constant`, neither, a number…)
 * gets one message saying which shapes a field takes, at the field's key.
 */
export function describeSchemaIssues(
  schema: z.ZodType,
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
): MappingProblem[] {
  return describeIssuesAt(schema, value, issues, [])
}

/** `issues` as found at `base` (inside a union), paths relative to `value`. */
function describeIssuesAt(
  schema: z.ZodType,
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
  base: Path,
): MappingProblem[] {
  return issues.flatMap((issue): MappingProblem[] => {
    const path = [...base, ...(issue.path as (string | number)[])]
    if (issue.code === 'unrecognized_keys') return describeUnknownKeys(schema, value, path, issue.keys)
    const entry = valueAt(value, path)
    const isFieldMapping = issue.code === 'invalid_union' && schemaAt(schema, path) === FieldMappingSchema
    if (isFieldMapping && !isPlainObject(entry))
      return [{ path, at: 'key', message: describeFieldShape(entry) }]
    if (issue.code === 'invalid_union' && isPlainObject(entry)) {
      // The options that take an object at all (not the `z.string()` of a field mapping), and which
      // of the object's keys each of them does not know.
      const options = issue.errors.filter(
        (errors) => !errors.some((e) => e.code === 'invalid_type' && e.path.length === 0),
      )
      const unknownPerOption = options.map((errors) =>
        errors.flatMap((e) => (e.code === 'unrecognized_keys' && e.path.length === 0 ? e.keys : [])),
      )
      const unknownToAll = (unknownPerOption[0] ?? []).filter((key) =>
        unknownPerOption.every((keys) => keys.includes(key)),
      )
      if (unknownToAll.length > 0) return describeUnknownKeys(schema, value, path, unknownToAll)
      // A field mapping with both `from` and `constant`, or neither: no single option's problems say so.
      const hasFrom = 'from' in entry
      const hasConstant = 'constant' in entry
      if (isFieldMapping && hasFrom === hasConstant)
        return [{ path, at: 'key', message: describeFieldShape(entry) }]
      // Exactly one option knows every key: its problems are the ones to report (a nested condition).
      const fitting = options.filter((_, i) => unknownPerOption[i]?.length === 0)
      if (fitting.length === 1 && fitting[0]) return describeIssuesAt(schema, value, fitting[0], path)
      if (isFieldMapping) return [{ path, at: 'key', message: describeFieldShape(entry) }]
    }
    return [{ path, message: issue.message }]
  })
}

function describeUnknownKeys(
  schema: z.ZodType,
  value: unknown,
  path: Path,
  keys: readonly string[],
): MappingProblem[] {
  const here = valueAt(value, path)
  const known = isPlainObject(here) ? Object.keys(here).filter((k) => !keys.includes(k)) : []
  const shapes = objectSchemasAt(schema, path)
  // Of a union's objects, those that take the keys already there (`path` and `equals` → a test).
  const fitting = shapes.filter((s) => known.every((k) => k in s.shape))
  const allowed = [...new Set((fitting.length > 0 ? fitting : shapes).flatMap((s) => Object.keys(s.shape)))]
  return keys.map((key) => {
    const hint = nearest(key, allowed)
    return {
      path: [...path, key],
      at: 'key',
      message:
        `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}` +
        (allowed.length > 0 ? `. Allowed here: ${allowed.join(', ')}` : ''),
    }
  })
}

const FIELD_SHAPES =
  'a field takes either "from" (a source path such as node.title) or "constant" (a fixed value)'

/**
 * What a field mapping that is none of its shapes should be: a source path (`title: node.title`),
 * `{ from, using?, default? }` or `{ constant }`. Unknown keys are reported before this is asked.
 */
function describeFieldShape(entry: unknown): string {
  if (isPlainObject(entry)) {
    if ('from' in entry && 'constant' in entry) return `${FIELD_SHAPES}, not both: remove one of them`
    if (!('from' in entry) && !('constant' in entry))
      return `${FIELD_SHAPES}, and this one has neither: add one`
    return FIELD_SHAPES
  }
  const got =
    entry === null || entry === undefined
      ? 'nothing (an empty value)'
      : Array.isArray(entry)
        ? 'a list'
        : `${typeof entry} ${JSON.stringify(entry)}`
  return `a field is a source path (e.g. node.title) or an object with "from" or "constant" (e.g. { from: node.title, using: [first] }); got ${got}`
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema
  while (
    s instanceof z.ZodOptional ||
    s instanceof z.ZodDefault ||
    s instanceof z.ZodNullable ||
    s instanceof z.ZodLazy
  ) {
    s = s.unwrap()
  }
  return s
}

/** The schema that stands at `path` (not looking inside unions), if any. */
function schemaAt(schema: z.core.$ZodType, path: Path): z.core.$ZodType | undefined {
  let s: z.core.$ZodType | undefined = unwrap(schema)
  for (const key of path) {
    if (s instanceof z.ZodObject) s = s.shape[String(key)]
    else if (s instanceof z.ZodArray) s = s.element
    else if (s instanceof z.ZodRecord) s = s.valueType
    else return undefined
    if (s === undefined) return undefined
    s = unwrap(s)
  }
  return s
}

/** Every object schema that can stand at `path` (several under a union). */
function objectSchemasAt(schema: z.core.$ZodType, path: Path): z.ZodObject[] {
  const s = unwrap(schema)
  if (s instanceof z.ZodUnion) return s.options.flatMap((o) => objectSchemasAt(o, path))
  const [head, ...rest] = path
  if (head === undefined) return s instanceof z.ZodObject ? [s] : []
  if (s instanceof z.ZodObject) {
    const field = s.shape[String(head)]
    return field ? objectSchemasAt(field, rest) : []
  }
  if (s instanceof z.ZodArray) return objectSchemasAt(s.element, rest)
  if (s instanceof z.ZodRecord) return objectSchemasAt(s.valueType, rest)
  return []
}

function valueAt(value: unknown, path: Path): unknown {
  let v = value
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string | number, unknown>)[key]
  }
  return v
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

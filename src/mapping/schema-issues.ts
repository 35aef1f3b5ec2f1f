import { z } from 'zod'
import type { MappingProblem } from './compile.js'
import { nearest } from './nearest.js'

type Path = readonly (string | number)[]

/**
 * First validation pass: zod issues → mapping problems, paths relative to `value`. zod reports an
 * object's unknown keys as one issue on the object, and inside a union (conditions, field mappings)
 * only as "Invalid input"; here each unknown key becomes its own problem, pointing at the key, with
 * the keys allowed there and the nearest one suggested:
 * `lvie: unknown key "lvie" (did you mean "live"?). Allowed here: site, description, …`.
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
    if (issue.code === 'invalid_union' && isPlainObject(valueAt(value, path))) {
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
      // Exactly one option knows every key: its problems are the ones to report (a nested condition).
      const fitting = options.filter((_, i) => unknownPerOption[i]?.length === 0)
      if (fitting.length === 1 && fitting[0]) return describeIssuesAt(schema, value, fitting[0], path)
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

/** Every object schema that can stand at `path` (several under a union). */
function objectSchemasAt(schema: z.core.$ZodType, path: Path): z.ZodObject[] {
  let s = schema
  while (
    s instanceof z.ZodOptional ||
    s instanceof z.ZodDefault ||
    s instanceof z.ZodNullable ||
    s instanceof z.ZodLazy
  ) {
    s = s.unwrap()
  }
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

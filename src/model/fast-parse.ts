import type { z } from 'zod'

/** What a fast parser answers when it cannot vouch for a value: ask zod (it has the reasons). */
export const UNDECIDED: unique symbol = Symbol('undecided')

type Parse = (value: unknown) => unknown

/**
 * A parser equivalent to `schema.parse` on the values it accepts, without zod's per-value machinery
 * (payload objects, issue arrays, a closure per key): compiled once from the schema's own
 * definition, so zod stays the one description of the model. It accepts a value only when zod
 * would, and returns what zod would (unknown keys stripped, defaults filled, checks and transforms
 * applied, objects rebuilt in shape order); anything else (an invalid value, a case it does not
 * model) is UNDECIDED, and the caller asks zod, which says why. Throws at compile time on a schema
 * construct it does not know, so a model change cannot silently skip a check.
 */
export function compileFastParse<T>(schema: z.ZodType<T>): (value: unknown) => T | typeof UNDECIDED {
  const parse = compile(schema)
  return parse as (value: unknown) => T | typeof UNDECIDED
}

interface Internals {
  readonly def: Record<string, unknown> & { readonly type: string }
  readonly optin?: 'optional' | 'defaulted'
  readonly optout?: 'optional'
}
const internals = (schema: unknown) => (schema as { _zod: Internals })._zod

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function compile(schema: unknown): Parse {
  const zod = internals(schema)
  const def = zod.def
  switch (def.type) {
    case 'string':
      return withChecks(schema, (v) => (typeof v === 'string' ? v : UNDECIDED))
    case 'number':
      return withChecks(schema, (v) => (typeof v === 'number' && Number.isFinite(v) ? v : UNDECIDED))
    case 'boolean':
      return withChecks(schema, (v) => (typeof v === 'boolean' ? v : UNDECIDED))
    case 'unknown':
    case 'any':
      return (v) => v
    case 'nullable': {
      const inner = compile(def.innerType)
      return (v) => (v === null ? null : inner(v))
    }
    case 'optional': {
      const inner = compile(def.innerType)
      const substitutes = internals(def.innerType).optin === 'defaulted'
      return (v) => (v !== undefined || substitutes ? inner(v) : undefined)
    }
    case 'default': {
      const inner = compile(def.innerType)
      // A getter: zod hands out a fresh copy of an object default each time.
      const fallback = () => def.defaultValue
      return (v) => {
        if (v === undefined) return fallback()
        const r = inner(v)
        return r === undefined ? fallback() : r
      }
    }
    case 'pipe': {
      const first = compile(def.in)
      const second = compile(def.out)
      return (v) => {
        const r = first(v)
        return r === UNDECIDED ? UNDECIDED : second(r)
      }
    }
    case 'transform': {
      const transform = def.transform as (
        v: unknown,
        payload: { value: unknown; issues: unknown[] },
      ) => unknown
      return (v) => {
        const payload = { value: v, issues: [] }
        const r = transform(v, payload)
        return payload.issues.length > 0 || r instanceof Promise ? UNDECIDED : r
      }
    }
    case 'array': {
      const element = compile(def.element)
      return withChecks(schema, (v) => {
        if (!Array.isArray(v)) return UNDECIDED
        const out = new Array(v.length)
        for (let i = 0; i < v.length; i++) {
          const r = element(v[i])
          if (r === UNDECIDED) return UNDECIDED
          out[i] = r
        }
        return out
      })
    }
    case 'record':
      return withChecks(schema, compileRecord(def))
    case 'object':
      return withChecks(schema, compileObject(def))
    default:
      throw new Error(
        `compileFastParse: zod type "${def.type}" is not supported; extend src/model/fast-parse.ts`,
      )
  }
}

function compileRecord(def: Record<string, unknown>): Parse {
  if (internals(def.keyType).def.type !== 'string' || hasChecks(def.keyType)) {
    throw new Error('compileFastParse: only records keyed by plain z.string() are supported')
  }
  const value = compile(def.valueType)
  return (v) => {
    if (!isObject(v)) return UNDECIDED
    const proto = Object.getPrototypeOf(v)
    if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(v).length > 0)
      return UNDECIDED
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(v)) {
      if (key === '__proto__') return UNDECIDED
      const r = value(v[key])
      if (r === UNDECIDED) return UNDECIDED
      out[key] = r
    }
    return out
  }
}

function compileObject(def: Record<string, unknown>): Parse {
  if (def.catchall !== undefined) throw new Error('compileFastParse: only stripping objects are supported')
  const shape = def.shape as Record<string, unknown>
  if (Object.getOwnPropertySymbols(shape).length > 0) throw new Error('compileFastParse: symbol keys')
  const fields = Object.keys(shape)
    .filter((key) => key !== '__proto__')
    .map((key) => {
      const { optin, optout } = internals(shape[key])
      return {
        key,
        parse: compile(shape[key]),
        optin,
        omitWhenAbsent: optin === 'optional' && optout === 'optional',
      }
    })
  return (v) => {
    if (!isObject(v)) return UNDECIDED
    const out: Record<string, unknown> = {}
    for (const f of fields) {
      // As zod's object: a key is present when `in` says so; an absent key is fine only for a schema
      // that accepts absence, and contributes only what such a schema substitutes for it.
      if (!(f.key in v)) {
        if (f.optin === undefined) return UNDECIDED
        if (f.omitWhenAbsent) continue
        const r = f.parse(undefined)
        if (r === UNDECIDED) return UNDECIDED
        if (r !== undefined || f.optin === 'defaulted') out[f.key] = r
        continue
      }
      const r = f.parse(v[f.key])
      if (r === UNDECIDED) return UNDECIDED
      out[f.key] = r
    }
    return out
  }
}

const hasChecks = (schema: unknown) =>
  ((internals(schema).def.checks as unknown[] | undefined)?.length ?? 0) > 0 ||
  internals(schema).def.check !== undefined

type Check = (v: unknown) => unknown

/** The schema's checks (a string format schema is its own first check, as zod runs it), in order. */
function withChecks(schema: unknown, base: Parse): Parse {
  const def = internals(schema).def
  const defs = [
    ...(def.check !== undefined ? [def] : []),
    ...((def.checks as { _zod: Internals }[] | undefined) ?? []).map((c) => c._zod.def),
  ]
  if (defs.length === 0) return base
  const checks = defs.map(compileCheck)
  return (v) => {
    let r = base(v)
    for (const check of checks) {
      if (r === UNDECIDED) return UNDECIDED
      r = check(r)
    }
    return r
  }
}

function compileCheck(def: Record<string, unknown>): Check {
  switch (def.check) {
    case 'overwrite': {
      const tx = def.tx as (v: unknown) => unknown
      return tx
    }
    case 'min_length': {
      const min = def.minimum as number
      return (v) => ((v as { length: number }).length >= min ? v : UNDECIDED)
    }
    case 'max_length': {
      const max = def.maximum as number
      return (v) => ((v as { length: number }).length <= max ? v : UNDECIDED)
    }
    case 'greater_than': {
      const bound = def.value as number
      return def.inclusive
        ? (v) => ((v as number) >= bound ? v : UNDECIDED)
        : (v) => ((v as number) > bound ? v : UNDECIDED)
    }
    case 'less_than': {
      const bound = def.value as number
      return def.inclusive
        ? (v) => ((v as number) <= bound ? v : UNDECIDED)
        : (v) => ((v as number) < bound ? v : UNDECIDED)
    }
    case 'number_format':
      if (def.format === 'safeint') return (v) => (Number.isSafeInteger(v) ? v : UNDECIDED)
      break
    case 'string_format':
      // Formats zod checks with a pattern alone (others, e.g. email or url, have checks of their own).
      if (
        (def.format === 'datetime' || def.format === 'date' || def.format === 'time') &&
        def.pattern instanceof RegExp
      ) {
        const pattern = def.pattern
        return (v) => {
          pattern.lastIndex = 0
          return pattern.test(v as string) ? v : UNDECIDED
        }
      }
      break
  }
  throw new Error(
    `compileFastParse: check "${String(def.check)}"${def.format ? ` (${String(def.format)})` : ''} is not supported; extend src/model/fast-parse.ts`,
  )
}

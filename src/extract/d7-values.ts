import type { D7Value } from './d7-types.js'

/** A column value as the extractor keeps it: number or string (bigint → number, bytes → UTF-8 text). */
export function toValue(v: unknown): D7Value {
  if (v === null || v === undefined) return null
  if (typeof v === 'number' || typeof v === 'string') return v
  if (typeof v === 'bigint') return Number(v)
  if (Buffer.isBuffer(v)) return v.toString('utf8')
  return String(v)
}

/** Adds `v` to `set` when it is an id (a positive integer): a term, file, node or user id. */
export function addId(set: Set<number>, v: D7Value | undefined): void {
  const n = Number(v)
  if (Number.isInteger(n) && n > 0) set.add(n)
}

import type { Issue } from './outcome.js'

/**
 * Last-resort repairs transformNode applies to every row before validation, whatever the mapping
 * says: bad input must end normalized (with a warning) or rejected (with a reason), never as a
 * crashed batch. See docs/chaos-cases.md for the cases they exist for.
 */

type Warn = (field: string, reason: string) => void

/**
 * Remove NUL characters from every string of a candidate article. Postgres text and jsonb cannot
 * hold U+0000: one NUL in an attribute no `repair-encoding` step covers (head tags, an alias) made
 * Postgres refuse the row, or, in a redirect, the whole batch. One warning per attribute path.
 */
export function scrubNul<T>(value: T, warn: Warn, path = ''): T {
  if (typeof value === 'string') {
    if (!value.includes('\u0000')) return value
    warn(path || '(article)', 'NUL character(s) removed: Postgres text cannot store them')
    return value.replaceAll('\u0000', '') as T
  }
  if (Array.isArray(value)) {
    let changed = false
    const out = value.map((v, i) => {
      const next = scrubNul(v, warn, `${path}[${i}]`)
      if (next !== v) changed = true
      return next
    })
    return (changed ? out : value) as T
  }
  if (value !== null && typeof value === 'object') {
    let changed = false
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const next = scrubNul(v, warn, path ? `${path}.${k}` : k)
      if (next !== v) changed = true
      out[k] = next
    }
    return (changed ? out : value) as T
  }
  return value
}

const DATE_ATTRIBUTES = ['createdAt', 'updatedAt', 'publishedAt'] as const
type DateAttribute = (typeof DATE_ATTRIBUTES)[number]

/** Which other date stands in for a missing one, in order of preference. */
const FALLBACKS: Record<DateAttribute, readonly DateAttribute[]> = {
  createdAt: ['updatedAt', 'publishedAt'],
  updatedAt: ['createdAt', 'publishedAt'],
  publishedAt: ['createdAt', 'updatedAt'],
}

/** Dates later than this past the run's clock are reported (kept: scheduled content exists). */
const FUTURE_SLACK_MS = 86_400_000

/**
 * Zero dates and future dates. A missing (null: D7's 0) createdAt, updatedAt or publishedAt takes
 * the value of another one, with a warning (changed = 0 → created). When none of the three is
 * usable the row is rejected: there is nothing to date the article by. A date in the future is kept
 * and reported. Mutates `values`; returns the issue that rejects the row, or null.
 */
export function normalizeDates(values: Record<string, unknown>, warn: Warn, now = Date.now()): Issue | null {
  // The three dates as the mapping made them (not a copy of the whole row).
  const original: Record<DateAttribute, unknown> = {
    createdAt: values.createdAt,
    updatedAt: values.updatedAt,
    publishedAt: values.publishedAt,
  }
  if (
    typeof original.createdAt !== 'string' &&
    typeof original.updatedAt !== 'string' &&
    typeof original.publishedAt !== 'string'
  ) {
    return {
      field: 'createdAt',
      reason:
        'no usable date: node.created and node.changed are 0 (zero dates) and there is no publication date',
      excerpt: null,
    }
  }
  for (const attribute of DATE_ATTRIBUTES) {
    if (values[attribute] !== null && values[attribute] !== undefined) continue
    const from = FALLBACKS[attribute].find((a) => typeof original[a] === 'string')
    if (!from) continue
    values[attribute] = original[from]
    warn(attribute, `zero or missing date: using ${from} (${String(original[from])})`)
  }
  const latest = now + FUTURE_SLACK_MS
  for (const attribute of DATE_ATTRIBUTES) {
    const v = original[attribute]
    if (typeof v === 'string' && Date.parse(v) > latest) {
      warn(attribute, `${v} is in the future; kept`)
    }
  }
  return null
}

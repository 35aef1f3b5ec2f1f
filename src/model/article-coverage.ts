import { ARTICLE_ATTRIBUTES, type Article } from './article.js'

/** Attributes whose coverage `dhm verify` reports (site and legacyNid are always there). */
export const COVERAGE_FIELDS = ARTICLE_ATTRIBUTES.filter((a) => a !== 'site' && a !== 'legacyNid')

/**
 * Whether an attribute counts as filled: not null, not blank text, not an empty list, `true` for
 * flags, and for objects (image, body) at least one filled property.
 */
export function isNonEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false
  if (typeof value === 'string') return value.trim() !== ''
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'object') return Object.values(value).some(isNonEmpty)
  return true
}

/**
 * The filled attributes of an article as a string of `0`/`1`, one per COVERAGE_FIELDS entry, stored
 * with its fingerprints so that `dhm verify` can count the coverage of an article it did not
 * transform.
 */
export function coverageMask(article: Article): string {
  const a = article as unknown as Record<string, unknown>
  let mask = ''
  for (const f of COVERAGE_FIELDS) mask += isNonEmpty(a[f]) ? '1' : '0'
  return mask
}

/** The attributes a coverage mask says are filled; null for a mask of another list of attributes. */
export function coveredFields(mask: string | null): string[] | null {
  if (mask === null || mask.length !== COVERAGE_FIELDS.length) return null
  return COVERAGE_FIELDS.filter((_, i) => mask[i] === '1')
}

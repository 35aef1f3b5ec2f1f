import { unserialize } from 'php-serialize'

/**
 * Read a PHP `serialize()` blob (Drupal 7's `field_config.data`, `system.info`, a link field's
 * `attributes`…) with a well-kept library, never with regexes: string lengths are byte counts, so
 * multi-byte text breaks naive parsers. Returns null for empty input and for text that is not a
 * serialized value (Drupal sometimes stores '' or plain text in these columns).
 *
 * @example readPhpSerialized('a:1:{s:6:"target";s:6:"_blank";}') // { target: '_blank' }
 */
export function readPhpSerialized(text: string | Buffer | null | undefined): unknown {
  if (text === null || text === undefined) return null
  const raw = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8')
  if (raw.length === 0) return null
  try {
    // Not strict: objects of classes we do not know become plain objects instead of failing.
    return unserialize(raw, {}, { strict: false, encoding: 'utf8' })
  } catch (error) {
    if (error instanceof Error) return null
    throw error
  }
}

/** A PHP array read back as a JS object or list; anything else becomes an empty object. */
export function asPhpRecord(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]))
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {}
}

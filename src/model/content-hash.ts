import { createHash } from 'node:crypto'
import type { Article } from './article.js'

/**
 * sha256 over a canonical JSON of the article (keys sorted at every level), so the same content
 * always hashes the same regardless of how it was built. Equal hash = nothing to write.
 */
export function hashArticle(article: Article): string {
  return hashDocument(canonicalJson(article))
}

/** The content hash of an article whose canonical JSON is already made (the loader writes that text). */
export function hashDocument(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex')
}

/** JSON with object keys sorted recursively; arrays keep their order (delta order matters). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

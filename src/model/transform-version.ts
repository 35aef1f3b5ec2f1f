import { hash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The version of what the transform makes of a given source: bump it with a change to the transform
 * that the code fingerprint below cannot see (e.g. a dependency's behaviour). It is part of every
 * source fingerprint (extract/source-fingerprint.ts), so the first run after a bump transforms every
 * article again instead of trusting the fingerprints of the previous code.
 */
export const TRANSFORM_VERSION = 1

/** The folders whose code decides what an article is made of (src/transform, src/model, src/mapping). */
const TRANSFORM_CODE = ['transform', 'model', 'mapping']

let code: string | undefined

/**
 * A hash of the code that turns a source into an article: every file under src/transform,
 * src/model and src/mapping. A fingerprint stored by other code is then never trusted, even when
 * nobody bumped TRANSFORM_VERSION: after an upgrade (or any edit of those files) every article is
 * transformed once more. Read once per process (about 300 KB). Where the files cannot be read, a
 * value of this process alone: nothing is skipped.
 */
export function transformCodeFingerprint(): string {
  if (code !== undefined) return code
  // src/, from src/model/ as from the bundle (dist/cli/, two folders deep too, see scripts/build.js:
  // bin/dhm.js runs it only while it is newer than src/, so both read the code it was built from).
  const root = fileURLToPath(new URL('../../src/', import.meta.url))
  const parts: string[] = []
  try {
    for (const dir of TRANSFORM_CODE) {
      for (const file of listFiles(join(root, dir))) {
        parts.push(relative(root, file), hash('sha1', readFileSync(file)))
      }
    }
    code = hash('sha1', parts.join('\n'))
  } catch {
    code = `unreadable:${process.pid}:${Date.now()}:${Math.random()}`
  }
  return code
}

function listFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listFiles(path))
    else if (entry.isFile()) out.push(path)
  }
  return out
}

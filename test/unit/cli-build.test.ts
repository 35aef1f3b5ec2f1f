import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isFresh } from '../../scripts/build.js'

// bin/dhm.js runs dist/ only when isFresh says so: a stale bundle must never run in place of src/.
describe('isFresh: when bin/dhm.js may run the dist/ bundle instead of the sources', () => {
  let root: string
  const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds)
  const write = (path: string, seconds: number) => {
    writeFileSync(join(root, path), 'x')
    at(path, seconds)
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dhm-build-'))
    for (const dir of ['src/cli', 'dist/cli', 'node_modules', 'scripts'])
      mkdirSync(join(root, dir), { recursive: true })
    write('src/cli/index.ts', 1000)
    write('node_modules/.package-lock.json', 1000)
    write('tsconfig.json', 1000)
    write('scripts/build.js', 1000)
    for (const dir of ['src/cli', 'src']) at(dir, 1000)
  })
  afterEach(() => rmSync(root, { recursive: true, force: true }))

  it('is fresh when the finished build is newer than everything it was built from', () => {
    write('dist/built', 2000)
    expect(isFresh(root)).toBe(true)
  })

  it('is stale without a finished build (no stamp: never built, or a build under way)', () => {
    expect(isFresh(root)).toBe(false)
  })

  it('is stale once a source is edited after the build', () => {
    write('dist/built', 2000)
    at('src/cli/index.ts', 3000)
    expect(isFresh(root)).toBe(false)
  })

  it('is stale once a source is added or removed (its folder changes)', () => {
    write('dist/built', 2000)
    at('src/cli', 3000)
    expect(isFresh(root)).toBe(false)
  })

  it('is stale once packages are installed again (npm rewrites node_modules/.package-lock.json)', () => {
    write('dist/built', 2000)
    at('node_modules/.package-lock.json', 3000)
    expect(isFresh(root)).toBe(false)
  })
})

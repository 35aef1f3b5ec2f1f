// Bundles the CLI (src/cli/index.ts and everything it imports, dependencies included) into dist/cli/ with
// esbuild, so `dhm` starts without compiling TypeScript (tsx) or resolving hundreds of modules. Run by
// `npm ci` / `npm install` (postinstall, after prisma generate) and by `npm run build`; bin/dhm.js runs
// dist/ only while it is fresh (see isFresh) and the sources through tsx otherwise.
// Plain JavaScript, so bin/dhm.js can import isFresh without tsx. dist/ is git-ignored.
import { readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const DIST = join(ROOT, 'dist')
/** Written last by a build: its presence says the build finished; its mtime is the build's time. */
const STAMP = join(DIST, 'built')
/**
 * The bundle sits two folders deep, as src/<area>/<file>.ts does: the sources that find files next to
 * themselves (`new URL('../../prisma/migrations', import.meta.url)` in src/load/schema-migrations.ts,
 * ../../bin/dhm.js, ../../../shared/seed) then resolve to the same place from dist/cli/ as from src/.
 */
export const OUT = join(DIST, 'cli')
export const ENTRY = join(OUT, 'index.js')
/**
 * What a bundle is built from: the sources (src/generated, Prisma's client, included), and the installed
 * packages (npm rewrites node_modules/.package-lock.json on every install), tsconfig.json for esbuild's
 * settings, this file.
 */
const INPUTS = ['src', 'node_modules/.package-lock.json', 'tsconfig.json', 'scripts/build.js']

/**
 * True when dist/ holds a finished build newer than every file and folder it was built from (a
 * folder's mtime changes when a file in it is added, removed or renamed; git checkout touches what
 * it changes). A developer editing src/ thus never runs a stale bundle. Costs ~200 stat calls.
 */
export function isFresh(root = ROOT) {
  let built
  try {
    built = statSync(join(root, 'dist', 'built')).mtimeMs
  } catch {
    return false
  }
  const newer = (path) => {
    let st
    try {
      st = statSync(path)
    } catch {
      return false
    }
    if (st.mtimeMs > built) return true
    return st.isDirectory() && readdirSync(path).some((name) => newer(join(path, name)))
  }
  return !INPUTS.some((input) => newer(join(root, input)))
}

/**
 * Build dist/cli/ from the sources; returns the milliseconds it took. A dhm started meanwhile runs the
 * sources (the stamp goes first); the new bundle is written beside the old one and moved in whole.
 */
export async function build() {
  const { build: esbuild } = await import('esbuild')
  const started = Date.now()
  rmSync(STAMP, { force: true })
  const next = `${OUT}.${process.pid}`
  await esbuild({
    absWorkingDir: ROOT,
    entryPoints: { index: 'src/cli/index.ts' },
    outdir: next,
    bundle: true,
    // One chunk per lazily imported command (src/cli/command-list.ts), so a run loads only its own.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    // Bundled CommonJS packages call require(); ESM output has none of its own.
    banner: {
      js: "import { createRequire as __dhmRequire } from 'node:module'; const require = __dhmRequire(import.meta.url);",
    },
  })
  // Two builds at once (two test runs in one checkout) may swap in turn: the last one stays.
  for (let attempt = 0; ; attempt++) {
    rmSync(OUT, { recursive: true, force: true })
    try {
      renameSync(next, OUT)
      break
    } catch (error) {
      if (attempt >= 5 || !['ENOTEMPTY', 'EEXIST'].includes(error.code)) throw error
    }
  }
  writeFileSync(STAMP, `${new Date().toISOString()}\n`)
  return Date.now() - started
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ms = await build()
  console.log(`dhm: built dist/cli/index.js from src/ in ${ms} ms`)
}

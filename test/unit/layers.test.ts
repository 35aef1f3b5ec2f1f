// The folders of src/ form layers: a folder imports only folders below it, so no two folders
// import each other and the engine's middle (pipeline) sits on top of what it wires together.
// Read from the relative imports of src/**/*.ts (type-only ones included: they couple too).

import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TRANSFORM_ARGS, TRANSFORM_NAMES } from '../../src/mapping/transform-catalog.js'
import { TRANSFORMS } from '../../src/transform/registry.js'

const SRC = resolve('src')

/** Higher imports lower, never the other way; equal ranks do not import each other. */
const RANK: Readonly<Record<string, number>> = {
  '(root)': 0, // errors.ts, stopwatch.ts
  generated: 0, // the Prisma client
  config: 1,
  model: 1,
  'body-scan': 1,
  mapping: 2,
  fixture: 2,
  extract: 3,
  transform: 4,
  load: 5,
  report: 6,
  verify: 7,
  inspect: 7,
  pipeline: 8,
  files: 9,
  workers: 9,
  cli: 10,
}

interface Edge {
  readonly from: string
  readonly to: string
  readonly file: string
  readonly spec: string
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return path === join(SRC, 'generated') ? [] : sourceFiles(path)
    return e.name.endsWith('.ts') ? [path] : []
  })
}

function folderOf(path: string): string {
  const parts = relative(SRC, path).split('/')
  return parts.length > 1 ? (parts[0] as string) : '(root)'
}

/** Every import, export … from and import() of a relative path that crosses a folder. */
function crossFolderImports(): Edge[] {
  const edges: Edge[] = []
  const spec =
    /(?:^|\s)(?:import|export)\s[^'"`;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g
  for (const file of sourceFiles(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(spec)) {
      const path = (m[1] ?? m[2]) as string
      const from = folderOf(file)
      const to = folderOf(resolve(dirname(file), path))
      if (from !== to) edges.push({ from, to, file: relative(SRC, file), spec: path })
    }
  }
  return edges
}

describe('the layers of src/', () => {
  const edges = crossFolderImports()

  it('reads the imports (a sanity check of the parser)', () => {
    expect(edges.some((e) => e.from === 'pipeline' && e.to === 'load')).toBe(true)
    expect(edges.some((e) => e.from === 'cli' && e.to === 'pipeline')).toBe(true)
  })

  it('gives every folder a layer', () => {
    const folders = new Set(sourceFiles(SRC).map(folderOf))
    expect([...folders].filter((f) => RANK[f] === undefined)).toEqual([])
  })

  it('imports only downwards', () => {
    const upwards = edges
      .filter((e) => (RANK[e.from] ?? -1) <= (RANK[e.to] ?? -1))
      .map((e) => `${e.from} → ${e.to}: src/${e.file} imports ${e.spec}`)
    expect(upwards).toEqual([])
  })

  it('has no cycle between folders', () => {
    const next = new Map<string, Set<string>>()
    for (const e of edges) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to))
    const cycles: string[] = []
    const visit = (node: string, path: string[]) => {
      for (const to of next.get(node) ?? []) {
        const at = path.indexOf(to)
        if (at >= 0) cycles.push([...path.slice(at), to].join(' → '))
        else visit(to, [...path, to])
      }
    }
    for (const start of next.keys()) visit(start, [start])
    expect([...new Set(cycles)]).toEqual([])
  })
})

describe('the transform catalog (mapping/) and the registry (transform/)', () => {
  it('name the same transforms', () => {
    expect([...TRANSFORM_NAMES]).toEqual(Object.keys(TRANSFORMS).sort())
  })

  it('agree on which take an argument, with the same schema', () => {
    for (const name of TRANSFORM_NAMES) {
      const arg = (TRANSFORM_ARGS as Readonly<Record<string, unknown>>)[name]
      expect(TRANSFORMS[name]?.arg, name).toBe(arg)
    }
  })
})

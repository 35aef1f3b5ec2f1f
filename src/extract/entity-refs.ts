import type { RowDataPacket } from 'mysql2/promise'
import type { CompiledMapping, CompiledValue } from '../mapping/compile.js'
import type { SourcePath } from '../mapping/source-path.js'
import { resolveLinks } from './content-refs.js'
import type { D7FieldItem, D7NodeRef, D7User, D7Value } from './d7-types.js'
import type { LinkTargetIndex } from './link-targets.js'

/**
 * What the reference transforms of a mapping need the extractor to look up in bulk per batch: the
 * source paths whose values `node-ref` resolves to nodes (with slugs) and `user-ref` to users.
 */
export interface RefNeeds {
  readonly nodePaths: readonly SourcePath[]
  readonly userPaths: readonly SourcePath[]
}

/** Read the reference transforms out of a compiled mapping (fallbacks included). */
export function refNeeds(mapping: CompiledMapping): RefNeeds {
  const nodePaths: SourcePath[] = []
  const userPaths: SourcePath[] = []
  const visit = (v: CompiledValue | null): void => {
    if (v === null || v.kind !== 'pipeline') return
    if (v.steps.some((s) => s.name === 'node-ref')) nodePaths.push(v.source)
    if (v.steps.some((s) => s.name === 'user-ref')) userPaths.push(v.source)
    visit(v.fallback)
  }
  for (const a of mapping.attributes) visit(a.value)
  return { nodePaths, userPaths }
}

/** Columns a whole reference item holds its id in (node_reference, entityreference, user_reference). */
const ID_COLUMNS = ['nid', 'target_id', 'uid'] as const

/** Add the positive integer ids a path yields for one node (its row and field items) to `out`. */
export function collectRefIds(
  paths: readonly SourcePath[],
  node: Readonly<Record<string, unknown>>,
  fields: Readonly<Record<string, readonly D7FieldItem[]>>,
  out: Set<number>,
): void {
  const add = (v: unknown) => {
    const n = Number(v)
    if (Number.isInteger(n) && n > 0) out.add(n)
  }
  for (const p of paths) {
    if (p.kind === 'node') add(node[p.column])
    if (p.kind !== 'field') continue
    for (const item of fields[p.field] ?? []) {
      if (p.column !== null) add(item.values[p.column])
      else {
        const column = ID_COLUMNS.find((c) => item.values[c] !== null && item.values[c] !== undefined)
        if (column) add(item.values[column] as D7Value)
      }
    }
  }
}

type Query = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>

/**
 * Referenced nodes with their slugs, two queries per batch (`node` by nid, `url_alias` by source);
 * the slug is chosen as for articles: the newest alias in the node's language (or und), else the newest.
 */
export async function resolveNodeRefs(
  query: Query,
  nids: ReadonlySet<number>,
  bundles: readonly string[],
  index?: LinkTargetIndex,
): Promise<Record<number, D7NodeRef>> {
  const out: Record<number, D7NodeRef> = {}
  if (nids.size === 0) return out
  const { byNid } = await resolveLinks(query, nids, new Set(), bundles, index)
  for (const [nid, target] of Object.entries(byNid)) {
    out[Number(nid)] = { nid: Number(nid), type: target.type, slug: target.slug }
  }
  return out
}

/** Referenced users, one query per batch. */
export async function resolveUsers(query: Query, uids: ReadonlySet<number>): Promise<Record<number, D7User>> {
  const out: Record<number, D7User> = {}
  if (uids.size === 0) return out
  for (const r of await query('SELECT uid, name FROM {users} WHERE uid IN (?)', [[...uids]])) {
    out[Number(r.uid)] = { uid: Number(r.uid), name: String(r.name) }
  }
  return out
}

import { redactUrl } from '../config/redact.js'
import { SourceSchemaError } from '../errors.js'
import { readBundles } from '../extract/source-bundles.js'
import { closeSnapshot, createSourcePool, openSnapshot, type SourceConnection } from '../extract/source-db.js'
import { describeSource, listTables, noNodeTable } from '../extract/source-schema.js'
import { siteTables } from '../extract/table-prefix.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { nearest } from '../mapping/nearest.js'
import { findTargetRefusal } from './shared-site.js'

export interface CheckOptions {
  readonly mapping: CompiledMapping
  readonly mappingFile: string
  readonly sourceUrl: string
  /** Also report a target that migrate would refuse (one holding tables dhm did not create). */
  readonly targetUrl?: string
}

export interface CheckResult {
  readonly file: string
  readonly source: string
  /** Every problem found, one line each; empty = the mapping can run against this source. */
  readonly problems: readonly string[]
  /** Field tables the mapping reads, as found in the source. */
  readonly fieldTables: readonly string[]
}

/**
 * `dhm check`: validate a mapping against the live source without reading content. The mapping
 * itself was already validated by loadMapping (every problem at once, with file:line:col); this adds
 * what only the database can say: the bundles exist, and every table and column the mapping names
 * exists (nearest real names suggested). Read only, like everything dhm does on the source.
 */
export async function runCheck(opts: CheckOptions): Promise<CheckResult> {
  const pool = createSourcePool(opts.sourceUrl, 1, opts.mapping.source.tablePrefix)
  const problems: string[] = []
  let fieldTables: string[] = []
  try {
    const conn = await openSnapshot(pool, opts.sourceUrl)
    try {
      const prefix = opts.mapping.source.tablePrefix
      const realNames = await listTables(conn)
      // Not this site's database (or another prefix): that one line, not one per table and bundle.
      if (siteTables(realNames, prefix).has('node'))
        fieldTables = await checkSite(conn, opts.mapping, problems)
      else problems.push(noNodeTable(realNames, prefix))
    } finally {
      await closeSnapshot(conn).catch(() => undefined)
    }
  } finally {
    await pool.end()
  }
  const refusal = opts.targetUrl === undefined ? null : await findTargetRefusal(opts.targetUrl)
  if (refusal) problems.push(`target: ${refusal}`)
  return { file: opts.mappingFile, source: redactUrl(opts.sourceUrl), problems, fieldTables }
}

/** The bundles, tables and columns the mapping names, against a database that has the site's node table. */
async function checkSite(
  conn: SourceConnection,
  mapping: CompiledMapping,
  problems: string[],
): Promise<string[]> {
  const known = (await readBundles(conn, mapping.source.tablePrefix)).map((b) => b.type)
  for (const bundle of mapping.source.bundles) {
    if (known.includes(bundle)) continue
    const hint = nearest(bundle, known)
    problems.push(
      `source.bundles: no node type ${bundle} in node_type or node.type${hint ? `; did you mean ${hint}?` : ''} (it has ${known.join(', ')})`,
    )
  }
  try {
    const layout = await describeSource(conn, mapping)
    return Object.values(layout.fields).map((f) => f.table)
  } catch (error) {
    if (!(error instanceof SourceSchemaError)) throw error
    problems.push(...error.problems)
    return []
  }
}

import type { RowDataPacket } from 'mysql2/promise'
import type pg from 'pg'
import { readAuthors } from '../extract/author-records.js'
import { type D7TermPlace, readMenuLinks, readTermPlaces } from '../extract/site-structure.js'
import { querySource, type SourceConnection } from '../extract/source-db.js'
import { tagRunChanges } from '../load/run-changes.js'
import {
  type RelationsSummary,
  readSiteTids,
  resolveReferences,
  unresolvedUserTargets,
  writeMenuLinks,
  writeTermPlaces,
} from '../load/site-relations.js'
import { inTransaction } from '../load/transaction.js'
import { upsertAuthors } from '../load/write-relations.js'
import type { CompiledMapping } from '../mapping/compile.js'
import type { CompiledAuthorRecords } from '../mapping/compile-relations.js'
import { toAuthorRecord } from '../transform/relations.js'

export const MAX_DANGLING_LISTED = 100

/** The mapping names authors, references, menus or SEO (the term tree alone is not reported). */
export function hasRelationKeys(mapping: CompiledMapping): boolean {
  const r = mapping.relations
  return r.authors !== null || r.references.length > 0 || r.menus.length > 0 || r.seo !== null
}

const INSERT_MESSAGES = `
INSERT INTO migration_message (run_id, legacy_nid, level, field, reason, excerpt)
SELECT $1, m.nid, 'warning', m.field, m.reason, NULL
FROM jsonb_to_recordset($2::jsonb) AS m(nid int, field text, reason text)`

/**
 * After every batch of a migrate or sync is written: the term tree (parents and weights, with the
 * ancestors of migrated terms), authors for user references, references resolved through the id
 * map (so forward references and cycles resolve), menus. One transaction; the dangling references
 * become warnings of the run (migration_message) with nid, field and target.
 */
export async function finishRelations(args: {
  readonly conn: SourceConnection
  readonly sourceUrl: string
  readonly pool: pg.Pool
  readonly targetUrl: string
  readonly mapping: CompiledMapping
  readonly runId: number | null
}): Promise<RelationsSummary> {
  const { conn, sourceUrl, pool, mapping } = args
  const site = mapping.site
  const relations = mapping.relations
  const q = (sql: string, params: unknown[]) => querySource<RowDataPacket>(conn, sourceUrl, sql, params)

  // The term tree: every term of the site, and its ancestors (a parent no article uses is still
  // part of the tree a front end shows).
  const { places: placeRows, ancestorsAdded } = await readTermTree(
    conn,
    sourceUrl,
    await readSiteTids(pool, site),
  )

  const userRefs = relations.references.some((r) => r.kind === 'user')
  const authorConfig: CompiledAuthorRecords = relations.authors ?? {
    source: { kind: 'node', column: 'uid' },
    revision: false,
    displayName: null,
    picture: true,
  }
  const menuLinks = await readMenuLinks(conn, sourceUrl, relations.menus)

  return inTransaction(pool, args.targetUrl, async (client) => {
    // Part of the run: what it changes in logged tables (term) is undone by dhm rollback.
    if (args.runId !== null) await tagRunChanges(client, args.runId)
    if (placeRows.length > 0) await writeTermPlaces(client, site, placeRows)
    if (userRefs) {
      const uids = await unresolvedUserTargets(client, site)
      const users = await readAuthors(q, new Set(uids), authorConfig)
      await upsertAuthors(
        client,
        site,
        Object.values(users).map((u) => toAuthorRecord(u.uid, 'author', u, mapping.files)),
      )
    }
    const resolution =
      relations.references.length > 0
        ? await resolveReferences(client, site)
        : { total: 0, resolved: 0, dangling: [] }
    if (args.runId !== null && resolution.dangling.length > 0) {
      const messages = resolution.dangling.map((d) => ({
        nid: d.nid,
        field: d.field,
        reason: `dangling reference to ${d.kind} ${d.target}: not migrated or deleted`,
      }))
      await client.query(INSERT_MESSAGES, [args.runId, JSON.stringify(messages)])
    }
    if (relations.menus.length > 0) {
      await writeMenuLinks(
        client,
        site,
        relations.menus,
        menuLinks.map((l) => ({
          menu: l.menu,
          mlid: l.mlid,
          plid: l.plid,
          linkPath: l.linkPath,
          title: l.title,
          hidden: l.hidden !== 0,
          expanded: l.expanded !== 0,
          weight: l.weight,
          external: l.external !== 0,
        })),
      )
    }
    return {
      references: {
        total: resolution.total,
        resolved: resolution.resolved,
        dangling: resolution.dangling.length,
        danglingList: resolution.dangling.slice(0, MAX_DANGLING_LISTED),
      },
      menuLinks: relations.menus.length > 0 ? menuLinks.length : null,
      terms: { placed: placeRows.length, ancestorsAdded },
    }
  })
}

/**
 * The source's places of these terms and of all their ancestors (a parent no article uses is still
 * part of the tree a front end shows): what the end-of-run pass writes and verify compares.
 */
export async function readTermTree(
  conn: SourceConnection,
  sourceUrl: string,
  tids: readonly number[],
): Promise<{ places: D7TermPlace[]; ancestorsAdded: number }> {
  const places = await readTermPlaces(conn, sourceUrl, [...new Set(tids)])
  let ancestorsAdded = 0
  for (let wanted = parentsMissing(places); wanted.length > 0; wanted = parentsMissing(places)) {
    const more = await readTermPlaces(conn, sourceUrl, wanted)
    for (const tid of wanted) {
      const place = more.get(tid)
      // A parent gone from taxonomy_term_data: the child stays, as a root.
      places.set(tid, place ?? { tid, parent: 0, weight: 0, name: '', vocabulary: '' })
      if (place) ancestorsAdded++
    }
  }
  return { places: [...places.values()].filter((p) => p.vocabulary !== ''), ancestorsAdded }
}

function parentsMissing(places: ReadonlyMap<number, { readonly parent: number }>): number[] {
  const out = new Set<number>()
  for (const p of places.values()) if (p.parent > 0 && !places.has(p.parent)) out.add(p.parent)
  return [...out]
}

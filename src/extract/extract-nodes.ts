import type { RowDataPacket } from 'mysql2/promise'
import type { CompiledMapping } from '../mapping/compile.js'
import { collectAuthorUids, nodeAuthorUids, readAuthors, readRevisionUids } from './author-records.js'
import { type BatchBlocks, readBlocks } from './blocks.js'
import { contentNeeds, resolveLinks, scanTextRefs, type TextRefs } from './content-refs.js'
import type {
  D7Alias,
  D7Author,
  D7EntityTranslation,
  D7FieldItem,
  D7File,
  D7Links,
  D7NodeBundle,
  D7NodeRef,
  D7Term,
  D7User,
  D7Value,
} from './d7-types.js'
import { addId, toValue } from './d7-values.js'
import { collectRefIds, refNeeds, resolveNodeRefs, resolveUsers } from './entity-refs.js'
import { LinkTargetIndex } from './link-targets.js'
import { readNodeMetatags } from './metatags.js'
import { querySource, quoteIdent, type SourceConnection, streamSource } from './source-db.js'
import { fingerprintNode, runFingerprint } from './source-fingerprint.js'
import type { SourceLayout } from './source-schema.js'
import { tableRef } from './table-prefix.js'

export const DEFAULT_BATCH_SIZE = 2000

export interface ExtractOptions {
  readonly mapping: CompiledMapping
  readonly layout: SourceLayout
  readonly batchSize?: number
  /** Stop after this many nodes (trial runs). */
  readonly limit?: number
  /** Only these nids (verify --ids, tests). */
  readonly ids?: readonly number[]
  /** Start after this nid (keyset). */
  readonly afterNid?: number
  /** Stop at this nid, inclusive (a range of a distributed run; see workers/nid-ranges.ts). */
  readonly throughNid?: number
  /** For error messages only. */
  readonly sourceUrl: string
  /**
   * Read every node's link target up front (LinkTargetIndex) instead of per batch: 'auto' (default)
   * does when the mapping resolves links or node references and the run reads at least
   * LINK_INDEX_MIN_NODES nodes in nid order (not `ids`).
   */
  readonly linkIndex?: 'auto' | 'always' | 'never'
}

/**
 * From this many nodes on, a run reads the link-target index first. It costs two scans of node and
 * url_alias (about 2 s on the 1M-node bench database) and saves random lookups in every batch.
 */
const LINK_INDEX_MIN_NODES = 50_000
/**
 * Up to this many nodes in the source (all types): the index holds 10 bytes per node, 40 MB here,
 * within the memory a run is meant to stay under (bench/RESULTS.md). Bigger sites look links up per
 * batch, as small runs do: slower on a small MariaDB buffer pool, the same result.
 */
const LINK_INDEX_MAX_NODES = 4_000_000

/** node.nid is an unsigned int: no nid is above this (the open end of a keyset range). */
export const MAX_NID = 4_294_967_295

const NODE_COLUMNS = 'nid, vid, type, language, title, uid, status, created, changed, promote, sticky, tnid'

/**
 * With `fieldTables: revision`, a field_revision_* table's rows at each node's current revision, of
 * the mapped bundles only. STRAIGHT_JOIN and REVISION_KEY_ORDER make MariaDB and MySQL read the
 * field table's primary key range in key order, one node lookup per row, where they otherwise drive
 * from node (one field table dive per node, then a temporary table and a filesort): 25–35% less
 * of MariaDB's CPU per field query on the 100k bench source (2026-12-07, server thread CPU over the
 * 50 batches: field_subject 0.42 → 0.31 s, body 1.23 → 0.83 s). The bundle test leaves out the
 * rows of other node types in the batch's nid range, which the extractor read and then ignored
 * (their bodies too: 14% of the body rows sent on that bench).
 */
const CURRENT_REVISION_JOIN =
  ' STRAIGHT_JOIN {node} n ON n.nid = f.entity_id AND n.vid = f.revision_id AND n.type IN (?)'
/**
 * The order of a field_revision_* table's primary key (entity_type, entity_id, revision_id, deleted,
 * delta, language) past its constant entity_type: with one revision per node and deleted = 0, the
 * items by node and delta as ever, and items of one delta in several languages by language.
 */
const REVISION_KEY_ORDER = 'f.entity_id, f.revision_id, f.deleted, f.delta, f.language'

interface NodeRow {
  nid: number
  vid: number
  type: string
  language: string
  title: string
  uid: number
  status: number
  created: number
  changed: number
  promote: number
  sticky: number
  tnid: number
}

/**
 * Read nodes of the mapped bundles in nid order, a batch at a time: one keyset query on `node`,
 * then one query per needed table bounded by the batch's nid range (never one per node). Terms
 * and files referenced by a batch are resolved in one query each.
 */
export async function* extractNodes(
  conn: SourceConnection,
  opts: ExtractOptions,
): AsyncGenerator<readonly D7NodeBundle[]> {
  const batchSize = opts.batchSize ?? 2000
  let after = opts.afterNid ?? 0
  let remaining = opts.limit ?? Number.POSITIVE_INFINITY
  const index = (await wantsLinkIndex(conn, opts))
    ? await LinkTargetIndex.read((sql, params) =>
        querySource<RowDataPacket>(conn, opts.sourceUrl, sql, params),
      )
    : undefined
  if (opts.ids) {
    // By id (sync's candidates, --ids): one `nid IN (...)` query per batchSize ids, in nid order.
    // Never keyset pages over the whole list (`nid > ? AND nid IN (<all ids>) LIMIT`): MariaDB turns
    // a list of 1,000 or more into a join, and the page after the last node found nothing in 1.6 s
    // (100k-node fixture) where a batch's own query took 20 ms.
    const ids = [...new Set(opts.ids)].filter((nid) => nid > after).sort((a, b) => a - b)
    for (let i = 0; i < ids.length && remaining > 0; i += batchSize) {
      const nodes = await querySource<NodeRow>(
        conn,
        opts.sourceUrl,
        `SELECT ${NODE_COLUMNS} FROM {node} WHERE type IN (?) AND nid IN (?) ORDER BY nid LIMIT ?`,
        [opts.mapping.source.bundles, ids.slice(i, i + batchSize), Math.min(batchSize, remaining)],
      )
      if (nodes.length === 0) continue
      remaining -= nodes.length
      yield await readBatch(conn, nodes, opts, index)
    }
    return
  }
  while (remaining > 0) {
    const size = Math.min(batchSize, remaining)
    const nodes = await querySource<NodeRow>(
      conn,
      opts.sourceUrl,
      `SELECT ${NODE_COLUMNS} FROM {node} WHERE type IN (?) AND nid > ? AND nid <= ? ORDER BY nid LIMIT ?`,
      [opts.mapping.source.bundles, after, opts.throughNid ?? MAX_NID, size],
    )
    if (nodes.length === 0) return
    after = nodes[nodes.length - 1]?.nid ?? after
    remaining -= nodes.length
    yield await readBatch(conn, nodes, opts, index)
    if (nodes.length < size) return
  }
}

async function wantsLinkIndex(conn: SourceConnection, opts: ExtractOptions): Promise<boolean> {
  const mode = opts.linkIndex ?? 'auto'
  if (mode === 'never' || opts.ids) return false
  if (contentNeeds(opts.mapping).links === null && refNeeds(opts.mapping).nodePaths.length === 0) return false
  if (mode === 'always') return true
  if ((opts.limit ?? Number.POSITIVE_INFINITY) < LINK_INDEX_MIN_NODES) return false
  if (!nidSpanCanPay(opts.afterNid ?? 0, opts.throughNid ?? MAX_NID)) return false
  const rows = await querySource<RowDataPacket>(
    conn,
    opts.sourceUrl,
    'SELECT COUNT(*) AS total, COALESCE(SUM(type IN (?) AND nid > ? AND nid <= ?), 0) AS toRead FROM {node}',
    [opts.mapping.source.bundles, opts.afterNid ?? 0, opts.throughNid ?? MAX_NID],
  )
  return linkIndexPays(Number(rows[0]?.toRead ?? 0), Number(rows[0]?.total ?? 0))
}

/**
 * Whether a run reading the nids in (afterNid, throughNid] could read enough nodes for the index to
 * pay, before counting them: a range of a distributed run (10,000 nids by default) cannot, and the
 * count is a scan of all of `node` (0.2–0.3 s of MariaDB at 1M nodes, once for each of ~116 ranges).
 */
export function nidSpanCanPay(afterNid: number, throughNid: number): boolean {
  return throughNid - afterNid >= LINK_INDEX_MIN_NODES
}

/**
 * Whether reading the link-target index up front pays for a run that will read `toRead` nodes of a
 * source holding `total` nodes of all types: enough nodes to read, and an index small enough to hold.
 */
export function linkIndexPays(toRead: number, total: number): boolean {
  return toRead >= LINK_INDEX_MIN_NODES && total <= LINK_INDEX_MAX_NODES
}

async function readBatch(
  conn: SourceConnection,
  nodes: NodeRow[],
  opts: ExtractOptions,
  index: LinkTargetIndex | undefined,
): Promise<D7NodeBundle[]> {
  const { layout, mapping } = opts
  const lo = nodes[0]?.nid ?? 0
  const hi = nodes[nodes.length - 1]?.nid ?? 0
  // A dense batch is read by nid range; a sparse one (sync's changed nodes, --ids) by its nids, so
  // a few scattered nodes never read a whole field table.
  const isSparse = hi - lo + 1 > 2 * nodes.length
  const nidList = nodes.map((n) => n.nid)
  const inBatch = (column: string) =>
    isSparse
      ? { sql: `${column} IN (?)`, params: [nidList] }
      : { sql: `${column} BETWEEN ? AND ?`, params: [lo, hi] }
  const byNid = new Map(nodes.map((n) => [n.nid, n]))
  const fields = new Map<number, Record<string, D7FieldItem[]>>()
  const stray = new Map<number, number>()
  const tids = new Set<number>()
  const fids = new Set<number>()
  // entity_translation: the languages each node is translated into (its source language included).
  const translated = new Map<number, { language: string; source: string; status: number }[]>()
  if (mapping.source.translations === 'entity_translation') {
    for (const r of await querySource<RowDataPacket>(
      conn,
      opts.sourceUrl,
      `SELECT entity_id, language, source, status FROM {entity_translation}
       WHERE entity_type = 'node' AND ${inBatch('entity_id').sql} ORDER BY entity_id, language`,
      inBatch('entity_id').params,
    )) {
      const nid = Number(r.entity_id)
      const list = translated.get(nid) ?? []
      list.push({ language: String(r.language), source: String(r.source), status: Number(r.status) })
      translated.set(nid, list)
    }
  }

  const itemOnly = new Set(mapping.blocks?.itemOnlyFields ?? [])
  const atCurrentRevision = mapping.source.fieldTables === 'revision'
  for (const field of Object.values(layout.fields)) {
    if (itemOnly.has(field.name)) continue
    const cols = Object.entries(field.columns)
    const shortNames = cols.map(([short]) => short)
    const realNames = cols.map(([, real]) => real)
    const select = realNames.map((real) => `f.${quoteIdent(real)}`).join(', ')
    // Row by row as they arrive: a row is garbage once its values are taken, not kept with the
    // rest of the result until the last one (a batch's bodies, megabytes, would outlive a scavenge).
    await streamSource(
      conn,
      opts.sourceUrl,
      `SELECT f.entity_id, f.language, f.delta${select ? `, ${select}` : ''}
       FROM ${tableRef(field.table)} f${atCurrentRevision ? CURRENT_REVISION_JOIN : ''}
       WHERE f.entity_type = 'node' AND ${inBatch('f.entity_id').sql} AND f.deleted = 0
       ORDER BY ${atCurrentRevision ? REVISION_KEY_ORDER : 'f.entity_id, f.delta'}`,
      atCurrentRevision
        ? [mapping.source.bundles, ...inBatch('f.entity_id').params]
        : inBatch('f.entity_id').params,
      (row) => {
        const nid = Number(row.entity_id)
        const node = byNid.get(nid)
        if (!node) return
        const language = String(row.language)
        // Non-translatable fields live in `und`; rows in other languages are leftovers: ignore, count.
        // Translatable ones also in every language entity_translation lists for the node.
        const wantedLanguage = field.translatable
          ? language === node.language ||
            language === 'und' ||
            (translated.get(nid)?.some((t) => t.language === language) ?? false)
          : language === 'und'
        if (!wantedLanguage) {
          stray.set(nid, (stray.get(nid) ?? 0) + 1)
          return
        }
        const values: Record<string, D7Value> = {}
        for (let c = 0; c < shortNames.length; c++)
          values[shortNames[c] as string] = toValue(row[realNames[c] as string])
        let perNode = fields.get(nid)
        if (perNode === undefined) {
          perNode = {}
          fields.set(nid, perNode)
        }
        const item: D7FieldItem = { delta: Number(row.delta), language, values }
        const list = perNode[field.name]
        if (list === undefined) perNode[field.name] = [item]
        else list.push(item)
        if (field.termColumn) addId(tids, values[field.termColumn])
        if (field.fileColumn) addId(fids, values[field.fileColumn])
      },
    )
  }

  // blocks: the field collection and paragraphs items of the batch's nodes, any depth.
  let blockItems: BatchBlocks | undefined
  if (mapping.blocks) {
    blockItems = await readBlocks(
      (sql, params) => querySource<RowDataPacket>(conn, opts.sourceUrl, sql, params),
      nodes.map((n) => ({ nid: Number(n.nid), language: String(n.language) })),
      (nid) => fields.get(nid) ?? {},
      mapping.blocks,
      layout,
    )
    for (const tid of blockItems.tids) tids.add(tid)
    for (const fid of blockItems.fids) fids.add(fid)
  }

  const workflow = new Map<number, { sid: number; stamp: number }>()
  if (layout.needsWorkflow) {
    for (const r of await querySource<RowDataPacket>(
      conn,
      opts.sourceUrl,
      `SELECT nid, sid, stamp FROM {workflow_node} WHERE ${inBatch('nid').sql}`,
      inBatch('nid').params,
    )) {
      workflow.set(Number(r.nid), { sid: Number(r.sid), stamp: Number(r.stamp) })
    }
  }
  // With fieldTables: revision, a node whose vid has no node_revision row has no readable field
  // values: the transformer warns about it instead of loading an empty article silently.
  const missingRevision = new Set<number>()
  if (mapping.source.fieldTables === 'revision') {
    const present = new Set(
      (
        await querySource<RowDataPacket>(
          conn,
          opts.sourceUrl,
          'SELECT vid FROM {node_revision} WHERE vid IN (?)',
          [nodes.map((n) => n.vid)],
        )
      ).map((r) => Number(r.vid)),
    )
    for (const n of nodes) if (!present.has(Number(n.vid))) missingRevision.add(n.nid)
  }
  const published = new Map<number, number>()
  if (layout.needsPublicationDate) {
    for (const r of await querySource<RowDataPacket>(
      conn,
      opts.sourceUrl,
      `SELECT nid, published_at FROM {publication_date} WHERE ${inBatch('nid').sql}`,
      inBatch('nid').params,
    )) {
      published.set(Number(r.nid), Number(r.published_at))
    }
  }
  const aliases = new Map<number, D7Alias[]>()
  if (layout.needsAliases) {
    const rows = await querySource<RowDataPacket>(
      conn,
      opts.sourceUrl,
      'SELECT pid, source, alias, language FROM {url_alias} WHERE source IN (?) ORDER BY pid DESC',
      [nodes.map((n) => `node/${n.nid}`)],
    )
    for (const r of rows) {
      const nid = Number(String(r.source).slice(5))
      const list = aliases.get(nid) ?? []
      list.push({ pid: Number(r.pid), alias: String(r.alias), language: String(r.language) })
      aliases.set(nid, list)
    }
  }
  const terms = new Map<number, D7Term>()
  if (tids.size > 0) {
    for (const r of await querySource<RowDataPacket>(
      conn,
      opts.sourceUrl,
      `SELECT t.tid, t.name, v.machine_name AS vocabulary
       FROM {taxonomy_term_data} t JOIN {taxonomy_vocabulary} v ON v.vid = t.vid WHERE t.tid IN (?)`,
      [[...tids]],
    )) {
      terms.set(Number(r.tid), { tid: Number(r.tid), name: String(r.name), vocabulary: String(r.vocabulary) })
    }
  }
  // Content rules (body-html): files of media tokens join the batch's file query below; linked nodes
  // and aliases are resolved in bulk, three queries per batch.
  const needs = contentNeeds(mapping)
  const textRefs = new Map<number, TextRefs>()
  let links: D7Links | undefined
  if (needs.mediaTokens || needs.links) {
    const linkedNids = new Set<number>()
    const linkedAliases = new Set<string>()
    for (const [nid, nodeFields] of fields) {
      const refs = scanTextRefs(nodeFields, needs)
      textRefs.set(nid, refs)
      for (const fid of refs.fids) fids.add(fid)
      for (const id of refs.nids) linkedNids.add(id)
      for (const alias of refs.aliases) linkedAliases.add(alias)
    }
    if (needs.links) {
      links = await resolveLinks(
        (sql, params) => querySource<RowDataPacket>(conn, opts.sourceUrl, sql, params),
        linkedNids,
        linkedAliases,
        mapping.source.bundles,
        index,
      )
    }
  }
  // node-ref / user-ref: referenced nodes (with slugs) and users, resolved in bulk per batch.
  const refs = refNeeds(mapping)
  const nodeRefIds = new Map<number, { nids: Set<number>; uids: Set<number> }>()
  let nodeRefs: Record<number, D7NodeRef> | undefined
  let users: Record<number, D7User> | undefined
  if (refs.nodePaths.length > 0 || refs.userPaths.length > 0) {
    const refNids = new Set<number>()
    const refUids = new Set<number>()
    for (const n of nodes) {
      const row = n as unknown as Record<string, unknown>
      const nodeFields = fields.get(n.nid) ?? {}
      // Per node too: its source fingerprint covers the referenced nodes and users it points at.
      const own = { nids: new Set<number>(), uids: new Set<number>() }
      collectRefIds(refs.nodePaths, row, nodeFields, own.nids)
      collectRefIds(refs.userPaths, row, nodeFields, own.uids)
      nodeRefIds.set(n.nid, own)
      for (const id of own.nids) refNids.add(id)
      for (const id of own.uids) refUids.add(id)
    }
    const q = (sql: string, params: unknown[]) =>
      querySource<RowDataPacket>(conn, opts.sourceUrl, sql, params)
    if (refs.nodePaths.length > 0) nodeRefs = await resolveNodeRefs(q, refNids, mapping.source.bundles, index)
    if (refs.userPaths.length > 0) users = await resolveUsers(q, refUids)
  }
  // authorRecords: the users the articles' author records point at (and the revision's user).
  let authors: Record<number, D7Author> | undefined
  let revisionUids: Map<number, number> | undefined
  const authorConfig = mapping.relations.authors
  if (authorConfig) {
    const q = (sql: string, params: unknown[]) =>
      querySource<RowDataPacket>(conn, opts.sourceUrl, sql, params)
    revisionUids = authorConfig.revision
      ? await readRevisionUids(
          q,
          nodes.map((n) => Number(n.vid)),
        )
      : new Map()
    const uids = collectAuthorUids(
      authorConfig,
      nodes as unknown as Record<string, unknown>[],
      (nid) => fields.get(nid) ?? {},
      revisionUids,
    )
    authors = await readAuthors(q, uids, authorConfig)
  }
  // seo: the nodes' metatag rows at their current revision, over the run's metatag_config defaults.
  const metatags =
    mapping.relations.seo && layout.metatagDefaults
      ? await readNodeMetatags(
          (sql, params) => querySource<RowDataPacket>(conn, opts.sourceUrl, sql, params),
          nodes,
          layout.metatagDefaults,
        )
      : undefined
  const listLabels = layout.listLabels && Object.keys(layout.listLabels).length > 0 ? layout.listLabels : null
  const dateFields = layout.dateFields ?? null
  const files = new Map<number, D7File>()
  if (fids.size > 0) {
    for (const r of await querySource<RowDataPacket>(
      conn,
      opts.sourceUrl,
      'SELECT fid, uri, filename, filemime, filesize, status FROM {file_managed} WHERE fid IN (?)',
      [[...fids]],
    )) {
      files.set(Number(r.fid), {
        fid: Number(r.fid),
        uri: String(r.uri),
        filename: String(r.filename),
        filemime: String(r.filemime),
        filesize: Number(r.filesize),
        status: Number(r.status),
      })
    }
  }

  const run = runFingerprint(mapping, layout)
  return nodes.map((n): D7NodeBundle => {
    const nodeFields = fields.get(n.nid) ?? {}
    const nodeAliases = aliases.get(n.nid) ?? []
    const entityTranslations = translated.has(n.nid)
      ? splitLanguages(n, nodeFields, nodeAliases, translated.get(n.nid) ?? [])
      : null
    const nodeTerms = idRecord<D7Term>()
    const nodeFiles = idRecord<D7File>()
    for (const name in nodeFields) {
      const f = layout.fields[name]
      const termColumn = f?.termColumn
      const fileColumn = f?.fileColumn
      if (!termColumn && !fileColumn) continue
      for (const item of nodeFields[name] ?? []) {
        if (termColumn) {
          const tid = Number(item.values[termColumn])
          const term = terms.get(tid)
          if (term) nodeTerms[tid] = term
        }
        if (fileColumn) {
          const fid = Number(item.values[fileColumn])
          const file = files.get(fid)
          if (file) nodeFiles[fid] = file
        }
      }
    }
    const nodeBlocks = blockItems?.byNid.get(n.nid)
    for (const block of nodeBlocks?.blocks ?? []) {
      for (const [name, items] of Object.entries(block.fields)) {
        const f = layout.fields[name]
        for (const item of items) {
          const term = f?.termColumn ? terms.get(Number(item.values[f.termColumn])) : undefined
          if (term) nodeTerms[term.tid] = term
          const file = f?.fileColumn ? files.get(Number(item.values[f.fileColumn])) : undefined
          if (file) nodeFiles[file.fid] = file
        }
      }
    }
    for (const fid of textRefs.get(n.nid)?.fids ?? []) {
      const file = files.get(fid)
      if (file) nodeFiles[fid] = file
    }
    // Built by assignment, in the key order the source fingerprint reads (for…in), then given its
    // fingerprint in place: no spread of a temporary object per optional key, no copy per node.
    const bundle: { -readonly [K in keyof D7NodeBundle]: D7NodeBundle[K] } = {
      nid: Number(n.nid),
      vid: Number(n.vid),
      type: String(n.type),
      language: String(n.language),
      title: n.title === null ? '' : String(n.title),
      uid: Number(n.uid),
      status: Number(n.status),
      created: Number(n.created),
      changed: Number(n.changed),
      promote: Number(n.promote),
      sticky: Number(n.sticky),
      tnid: Number(n.tnid),
      fields: entityTranslations ? entityTranslations.fields : nodeFields,
      workflow: workflow.get(n.nid) ?? null,
      publicationDate: published.get(n.nid) ?? null,
      aliases: entityTranslations ? entityTranslations.aliases : nodeAliases,
      terms: nodeTerms,
      files: nodeFiles,
      strayLanguageRows: stray.get(n.nid) ?? 0,
    }
    if (missingRevision.has(n.nid)) bundle.missingRevision = true
    if (links) bundle.links = links
    if (entityTranslations) bundle.entityTranslations = entityTranslations.translations
    if (nodeRefs) bundle.nodeRefs = nodeRefs
    if (users) bundle.users = users
    if (authors) bundle.authors = authors
    if (metatags?.has(n.nid)) bundle.metatags = metatags.get(n.nid)
    if (authorConfig?.revision) bundle.revisionUid = revisionUids?.get(Number(n.vid)) ?? null
    if (listLabels) bundle.listLabels = listLabels
    if (dateFields) bundle.dateFields = dateFields
    if (nodeBlocks) {
      bundle.blocks = nodeBlocks.blocks
      bundle.blocksLeftOut = { archived: nodeBlocks.archived, orphaned: nodeBlocks.orphaned }
    }
    const text = textRefs.get(n.nid)
    const ids = nodeRefIds.get(n.nid)
    bundle.sourceFingerprint = fingerprintNode(run, bundle, {
      ...(text ? { linkNids: text.nids, linkAliases: text.aliases } : {}),
      ...(ids ? { refNids: ids.nids, refUids: ids.uids } : {}),
      ...(authorConfig
        ? {
            authorUids: nodeAuthorUids(
              authorConfig,
              n as unknown as Record<string, unknown>,
              nodeFields,
              revisionUids?.get(Number(n.vid)),
            ),
          }
        : {}),
    })
    return bundle
  })
}

/** Above every id Drupal hands out (an unsigned int): only ever used to make {@link idRecord}. */
const MAX_INDEX = 4_294_967_294

/**
 * An empty record for a node's terms or files by id, which V8 keeps as a hash table from the start.
 * A plain `{}` given a first id a little above 1,000 (bne's tids start at 1001) gets a flat array of
 * 1.5 × that many slots, 12 KB per node, which for…in (the source fingerprint) then walks slot by
 * slot: 100k nodes' terms took 1.1 s against 0.2 s this way. Setting and deleting an id no node has
 * turns the record into a dictionary for good; keys, values and for…in order are those of `{}`.
 */
function idRecord<T>(): Record<number, T> {
  const record: Record<number, T> = {}
  record[MAX_INDEX] = undefined as T
  delete record[MAX_INDEX]
  return record
}

/**
 * A node translated in place: its source language (node.language) keeps the field items in that
 * language (a field without any: its `und` items) and the aliases in no other listed language; each
 * other listed language gets the same from its own rows.
 */
function splitLanguages(
  node: NodeRow,
  nodeFields: Record<string, D7FieldItem[]>,
  nodeAliases: readonly D7Alias[],
  listed: readonly { language: string; source: string; status: number }[],
): { fields: Record<string, D7FieldItem[]>; aliases: D7Alias[]; translations: D7EntityTranslation[] } {
  const source = String(node.language)
  const others = listed.filter((t) => t.language !== source && t.language !== 'und')
  const otherLanguages = new Set(others.map((t) => t.language))
  const fieldsIn = (language: string) => {
    const out: Record<string, D7FieldItem[]> = {}
    for (const [name, items] of Object.entries(nodeFields)) {
      const own = items.filter((i) => i.language === language)
      const chosen = own.length > 0 ? own : items.filter((i) => i.language === 'und')
      if (chosen.length > 0) out[name] = chosen
    }
    return out
  }
  return {
    fields: fieldsIn(source),
    aliases: nodeAliases.filter((a) => !otherLanguages.has(a.language)),
    translations: others.map((t) => ({
      language: t.language,
      source: t.source,
      status: t.status,
      fields: fieldsIn(t.language),
      aliases: nodeAliases.filter((a) => a.language === t.language),
    })),
  }
}

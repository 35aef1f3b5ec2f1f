import type { RowDataPacket } from 'mysql2/promise'
import type { D7NodeBundle } from './d7-types.js'
import { type ExtractOptions, extractNodes } from './extract-nodes.js'
import { explainSourceError, type SourceConnection } from './source-db.js'
import { combineFingerprints } from './source-fingerprint.js'

/**
 * extractNodes, plus translation sets when the mapping says `source.translations: tnid`: each
 * source node (tnid = nid) carries the other nodes of its set, read in bulk per batch with the same
 * field queries, so the transformer can merge them into one article with translations.
 */
export async function* extractArticleNodes(
  conn: SourceConnection,
  opts: ExtractOptions,
): AsyncGenerator<readonly D7NodeBundle[]> {
  const batches = extractNodes(conn, opts)
  if (opts.mapping.source.translations !== 'tnid') {
    yield* batches
    return
  }
  for await (const batch of batches) {
    const sources = batch.filter((n) => n.tnid === n.nid)
    if (sources.length === 0) {
      yield batch
      continue
    }
    let rows: RowDataPacket[]
    try {
      ;[rows] = await conn.query<RowDataPacket[]>(
        'SELECT nid FROM {node} WHERE tnid IN (?) AND nid <> tnid ORDER BY nid',
        [sources.map((n) => n.nid)],
      )
    } catch (cause) {
      throw explainSourceError(cause, opts.sourceUrl)
    }
    const ids = rows.map((r) => Number(r.nid))
    const byTnid = new Map<number, D7NodeBundle[]>()
    if (ids.length > 0) {
      const { limit: _limit, afterNid: _after, throughNid: _through, ...rest } = opts
      for await (const translated of extractNodes(conn, { ...rest, ids, batchSize: ids.length })) {
        for (const t of translated) byTnid.set(t.tnid, [...(byTnid.get(t.tnid) ?? []), t])
      }
    }
    yield batch.map((n) => {
      if (n.tnid !== n.nid) return n
      const translations = byTnid.get(n.nid) ?? []
      // The article is made of the whole set: its fingerprint covers every node of it.
      const { sourceFingerprint: own, ...node } = n
      const sourceFingerprint =
        own === undefined
          ? undefined
          : combineFingerprints(
              own,
              translations.map((t) => t.sourceFingerprint),
            )
      return { ...node, translations, ...(sourceFingerprint === undefined ? {} : { sourceFingerprint }) }
    })
  }
}

/**
 * With translation sets, an edit to a translation node changes its source node's article: add the
 * source node (tnid) of every candidate that is a translation, so incremental runs re-read it.
 */
export async function withTranslationSources(
  conn: SourceConnection,
  opts: Pick<ExtractOptions, 'mapping' | 'sourceUrl'>,
  nids: readonly number[],
): Promise<number[]> {
  if (opts.mapping.source.translations !== 'tnid' || nids.length === 0) return [...nids]
  const all = new Set(nids)
  const CHUNK = 10_000
  for (let i = 0; i < nids.length; i += CHUNK) {
    let rows: RowDataPacket[]
    try {
      ;[rows] = await conn.query<RowDataPacket[]>(
        'SELECT DISTINCT tnid FROM {node} WHERE nid IN (?) AND tnid <> 0 AND tnid <> nid',
        [nids.slice(i, i + CHUNK)],
      )
    } catch (cause) {
      throw explainSourceError(cause, opts.sourceUrl)
    }
    for (const r of rows) all.add(Number(r.tnid))
  }
  return [...all].sort((a, b) => a - b)
}

// Reading nodes by id (sync's candidates, --ids) reads exactly the nodes a pass in nid order reads,
// one `nid IN (...)` query on node per batch of ids: never a keyset page past the last one (with
// a long id list MariaDB spent 1.6 s finding nothing there, on a 100k-node fixture).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { D7NodeBundle } from '../../src/extract/d7-types.js'
import { extractArticleNodes } from '../../src/extract/extract-article-nodes.js'
import type { ExtractOptions } from '../../src/extract/extract-nodes.js'
import { openSourceSession, type SourceSession } from '../../src/extract/source-session.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import type { CompiledMapping } from '../../src/mapping/compile.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { dropMariaDb, MARIADB_SERVER, mariaQuery, mariaUrl, uniqueName } from '../helpers/databases.js'

const database = uniqueName('by_id')
let mapping: CompiledMapping
let session: SourceSession
/** Queries on node by the extractor (`FROM node WHERE type IN`), counted on the real connection. */
let nodeQueries = 0

beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database, articles: 120, seed: 3 })
  mapping = await loadMapping('mappings/bne.yaml')
  session = await openSourceSession(mariaUrl(database), mapping)
  const query = session.conn.query.bind(session.conn)
  session.conn.query = ((sql: unknown, ...rest: unknown[]) => {
    if (typeof sql === 'string' && /FROM (?:\{node\}|`node`) WHERE type IN/.test(sql)) nodeQueries++
    return (query as (...args: unknown[]) => unknown)(sql, ...rest)
  }) as typeof session.conn.query
}, 120_000)

afterAll(async () => {
  await session?.close()
  await dropMariaDb(database)
})

async function extract(opts: Partial<ExtractOptions>): Promise<D7NodeBundle[][]> {
  const batches: D7NodeBundle[][] = []
  for await (const batch of extractArticleNodes(session.conn, {
    mapping,
    layout: session.layout,
    sourceUrl: mariaUrl(database),
    ...opts,
  })) {
    batches.push([...batch])
  }
  return batches
}

/** A node without the batch-wide link table (a batch's links hold the targets of the whole batch). */
const withoutLinks = ({ links: _links, ...node }: D7NodeBundle) => node

describe('extracting nodes by id', () => {
  it.each([
    { name: 'ids that fill whole batches', every: 3, batchSize: 10, strays: false },
    { name: 'ids of no article among them, a last batch not full', every: 2, batchSize: 7, strays: true },
  ])(
    '$name: the same nodes as a pass in nid order, one node query per batch',
    async ({ every, batchSize, strays }) => {
      const all = (await extract({ batchSize: 50 })).flat()
      const wanted = all.filter((_, i) => i % every === 0)
      // With strays: a nid that is not a node, and one that is not an article, asked for and not read.
      const [other] = await mariaQuery<{ nid: number }>(
        mariaUrl(database),
        "SELECT nid FROM node WHERE type <> 'article' ORDER BY nid LIMIT 1",
      )
      const ids = [...wanted.map((n) => n.nid), ...(strays ? [9_999_999, Number(other?.nid)] : [])]
      const idBatches = Math.ceil(ids.length / batchSize)

      nodeQueries = 0
      const batches = await extract({ ids: [...ids].reverse(), batchSize })
      expect(batches.flat().map(withoutLinks)).toEqual(wanted.map(withoutLinks))
      expect(nodeQueries).toBe(idBatches)
    },
  )
})

// Long runs read every node's link target up front (LinkTargetIndex) instead of looking linked
// nodes up per batch. Both ways must resolve every body link and node reference the same: the bne
// fixture with its malformed cases planted (aliases in odd cases and languages, links to missing
// nodes), and the stock Drupal 7 profile (node references, several aliases per node).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { D7NodeBundle } from '../../src/extract/d7-types.js'
import { extractArticleNodes } from '../../src/extract/extract-article-nodes.js'
import { openSourceSession } from '../../src/extract/source-session.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { dropMariaDb, MARIADB_SERVER, mariaQuery, mariaUrl, uniqueName } from '../helpers/databases.js'

const bneDb = uniqueName('links_bne')
const standardDb = uniqueName('links_std')

beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database: bneDb, articles: 300, seed: 11, chaos: true })
  await generateFixture({ url: MARIADB_SERVER, database: standardDb, articles: 60, profile: 'standard' })
  // Editors' leftovers that decide which alias is a slug: a newer alias in another language (every
  // 7th node), only foreign aliases (every 11th), sources spelt 'NODE/<nid>' and 'node/0<nid>'.
  await mariaQuery(
    mariaUrl(bneDb),
    "INSERT INTO url_alias (source, alias, language) SELECT source, CONCAT('fr/', alias), 'fr' FROM url_alias WHERE source LIKE 'node/%' AND SUBSTRING(source, 6) % 7 = 0",
  )
  await mariaQuery(
    mariaUrl(bneDb),
    "UPDATE url_alias SET language = 'de' WHERE source LIKE 'node/%' AND SUBSTRING(source, 6) % 11 = 0",
  )
  await mariaQuery(
    mariaUrl(bneDb),
    "INSERT INTO url_alias (source, alias, language) SELECT UPPER(source), CONCAT('upper/', alias), 'und' FROM url_alias WHERE source LIKE 'node/%' AND SUBSTRING(source, 6) % 13 = 0",
  )
  await mariaQuery(
    mariaUrl(bneDb),
    "INSERT INTO url_alias (source, alias, language) SELECT CONCAT('node/0', SUBSTRING(source, 6)), CONCAT('zero/', alias), 'und' FROM url_alias WHERE source LIKE 'node/%' AND SUBSTRING(source, 6) % 17 = 0",
  )
}, 120_000)

afterAll(async () => {
  await dropMariaDb(bneDb)
  await dropMariaDb(standardDb)
})

async function extractAll(database: string, mappingFile: string, linkIndex: 'always' | 'never') {
  const mapping = await loadMapping(mappingFile)
  const session = await openSourceSession(mariaUrl(database), mapping)
  try {
    const nodes: D7NodeBundle[] = []
    const batches = extractArticleNodes(session.conn, {
      mapping,
      layout: session.layout,
      batchSize: 53,
      sourceUrl: mariaUrl(database),
      linkIndex,
    })
    for await (const batch of batches) nodes.push(...batch)
    return nodes
  } finally {
    await session.close()
  }
}

describe('link targets read up front', () => {
  it('resolve the bne bodies’ links exactly as per-batch lookups do', async () => {
    const perBatch = await extractAll(bneDb, 'mappings/bne.yaml', 'never')
    const upFront = await extractAll(bneDb, 'mappings/bne.yaml', 'always')
    const linked = perBatch.filter((n) => Object.keys(n.links?.byNid ?? {}).length > 0)
    expect(linked.length).toBeGreaterThan(100)
    // A batch's links hold the targets of the whole batch; compare them node by node.
    expect(upFront.map((n) => n.links)).toEqual(perBatch.map((n) => n.links))
    expect(upFront).toEqual(perBatch)
  })

  it('resolve node references of the stock profile exactly as per-batch lookups do', async () => {
    const perBatch = await extractAll(standardDb, 'test/fixtures/mappings/standard-extras.yaml', 'never')
    const upFront = await extractAll(standardDb, 'test/fixtures/mappings/standard-extras.yaml', 'always')
    expect(perBatch.some((n) => Object.keys(n.nodeRefs ?? {}).length > 0)).toBe(true)
    expect(upFront).toEqual(perBatch)
  })
})

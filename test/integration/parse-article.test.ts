// The per-article path validates with a fast parser compiled from ArticleSchema and asks zod only
// when that parser cannot vouch for an article. This holds the two to the same verdicts, and the
// same data, on every article the transform builds from real fixtures: the bne fixture with every
// chaos case planted, and the standard-profile fixture (translations, extra.*, links).

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { extractArticleNodes } from '../../src/extract/extract-article-nodes.js'
import { openSourceSession } from '../../src/extract/source-session.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { ArticleSchema } from '../../src/model/article.js'
import { compileFastParse, UNDECIDED } from '../../src/model/fast-parse.js'
import { transformNode } from '../../src/transform/transform-node.js'
import { dropMariaDb, MARIADB_SERVER, mariaUrl, uniqueName } from '../helpers/databases.js'

// Every value transformNode asks about (the candidate articles, translations' included).
const asked: unknown[] = []
vi.mock('../../src/model/article.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/model/article.js')>()
  return {
    ...original,
    parseArticle: (value: unknown) => {
      asked.push(value)
      return original.parseArticle(value)
    },
  }
})

const fast = compileFastParse(ArticleSchema)
const chaosDb = uniqueName('parse_chaos')
const standardDb = uniqueName('parse_std')

async function transformAll(database: string, mappingFile: string): Promise<number> {
  const mapping = await loadMapping(mappingFile)
  const url = mariaUrl(database)
  const session = await openSourceSession(url, mapping)
  let nodes = 0
  try {
    for await (const batch of extractArticleNodes(session.conn, {
      mapping,
      layout: session.layout,
      sourceUrl: url,
    })) {
      for (const node of batch) transformNode(node, mapping)
      nodes += batch.length
    }
  } finally {
    await session.close()
  }
  return nodes
}

let nodes = 0
beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database: chaosDb, articles: 150, seed: 5, chaos: true })
  await generateFixture({ url: MARIADB_SERVER, database: standardDb, articles: 48, profile: 'standard' })
  nodes += await transformAll(chaosDb, 'mappings/bne.yaml')
  nodes += await transformAll(standardDb, 'mappings/drupal7-standard.yaml')
}, 120_000)

afterAll(async () => {
  await dropMariaDb(chaosDb)
  await dropMariaDb(standardDb)
})

describe('the fast article parser on the fixtures (bne with chaos cases, standard profile)', () => {
  it('agrees with zod on every candidate article: accepted ones are parsed identically, the rest go to zod', () => {
    expect(nodes).toBeGreaterThan(200)
    let accepted = 0
    let rejected = 0
    for (const value of asked) {
      const zod = ArticleSchema.safeParse(value)
      const decided = fast(value)
      if (zod.success) {
        accepted++
        expect(decided).toStrictEqual(zod.data)
        expect(JSON.stringify(decided)).toBe(JSON.stringify(zod.data))
      } else {
        rejected++
        expect(decided).toBe(UNDECIDED)
      }
    }
    // Both verdicts occur: the chaos cases include articles zod rejects (a blank title, a bad date…).
    expect(accepted).toBeGreaterThan(150)
    expect(rejected).toBeGreaterThan(0)
  })
})

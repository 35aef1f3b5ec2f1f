/**
 * CPU of the JS stages alone, without waiting on either database: reads `--articles` nodes of a
 * fixture into memory once, then times transformNode and the loader's COPY encoding over them
 * `--rounds` times (process CPU seconds, so another process on the machine matters far less than in
 * wall-clock figures). For measuring a change to the transform before and after; not part of
 * `npm run bench`.
 *
 *   npx tsx bench/transform-cpu.ts --source mysql://root@127.0.0.1:3306/dhm_bench_100000 [--articles 5000]
 */
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import type { D7NodeBundle } from '../src/extract/d7-types.ts'
import { extractArticleNodes } from '../src/extract/extract-article-nodes.ts'
import { openSourceSession } from '../src/extract/source-session.ts'
import { copyChunks } from '../src/load/copy-rows.ts'
import { stageRows, stageTypes } from '../src/load/load-batch.ts'
import { loadMapping } from '../src/mapping/load-mapping.ts'
import type { RowOutcome } from '../src/transform/outcome.ts'
import { transformNode } from '../src/transform/transform-node.ts'

const argv = await yargs(hideBin(process.argv))
  .option('source', { type: 'string', demandOption: true })
  .option('mapping', { type: 'string', default: 'mappings/bne.yaml' })
  .option('articles', { type: 'number', default: 5000 })
  .option('rounds', { type: 'number', default: 5 })
  .strict()
  .parseAsync()

const mapping = await loadMapping(argv.mapping)
const session = await openSourceSession(argv.source, mapping)
const nodes: D7NodeBundle[] = []
let readCpu = process.cpuUsage()
for await (const batch of extractArticleNodes(session.conn, {
  mapping,
  layout: session.layout,
  limit: argv.articles,
  sourceUrl: argv.source,
})) {
  nodes.push(...batch)
}
readCpu = process.cpuUsage(readCpu)
await session.close()

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000
const perArticleUs = (ms: number) => ((ms * 1000) / nodes.length).toFixed(1)
const transformMs: number[] = []
const encodeMs: number[] = []
for (let round = 0; round < argv.rounds; round++) {
  let start = process.cpuUsage()
  const outcomes: RowOutcome[] = nodes.map((n) => transformNode(n, mapping))
  transformMs.push(cpuMs(process.cpuUsage(start)))
  start = process.cpuUsage()
  const ok = outcomes.filter((o): o is Extract<RowOutcome, { kind: 'ok' }> => o.kind === 'ok')
  let bytes = 0
  for (const chunk of copyChunks(stageRows(ok), stageTypes)) bytes += chunk.length
  encodeMs.push(cpuMs(process.cpuUsage(start)))
  if (round === 0) process.stderr.write(`COPY text: ${(bytes / ok.length).toFixed(0)} bytes per article\n`)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
process.stdout.write(
  `${JSON.stringify({
    articles: nodes.length,
    readCpuUsPerArticle: perArticleUs(cpuMs(readCpu)),
    transformUsPerArticle: perArticleUs(median(transformMs)),
    encodeUsPerArticle: perArticleUs(median(encodeMs)),
    rounds: transformMs.map((t, i) => [Math.round(t), Math.round(encodeMs[i] ?? 0)]),
  })}\n`,
)

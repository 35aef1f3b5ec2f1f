/**
 * Writes docs/chaos-cases.md from CHAOS_CASES and formats it with Biome: `npm run docs:chaos`
 * (`--check`: exit 1 if the file is stale).
 */
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { normalizeChaosDoc, renderChaosDoc } from '../src/fixture/chaos-doc.ts'

const FILE = 'docs/chaos-cases.md'
const text = renderChaosDoc()
if (process.argv.includes('--check')) {
  const current = await readFile(FILE, 'utf8').catch(() => '')
  if (normalizeChaosDoc(current) !== normalizeChaosDoc(text)) {
    console.error(`${FILE} is out of date: run "npm run docs:chaos"`)
    process.exit(1)
  }
} else {
  await writeFile(FILE, text)
  execFileSync('npx', ['biome', 'format', '--write', FILE], { stdio: 'ignore' })
  console.log(`wrote ${FILE}`)
}

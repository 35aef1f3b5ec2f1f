import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { CHAOS_BASE_NID, CHAOS_CASES } from '../../src/fixture/chaos-cases.js'
import { normalizeChaosDoc, renderChaosDoc } from '../../src/fixture/chaos-doc.js'
import { unplantedCases } from '../../src/fixture/plant-chaos.js'

describe('CHAOS_CASES', () => {
  it('has at least 30 distinct cases, each planted, on chaos nids', () => {
    const ids = CHAOS_CASES.map((c) => c.id)
    expect(ids.length).toBeGreaterThanOrEqual(30)
    expect(new Set(ids).size).toBe(ids.length)
    expect(unplantedCases()).toEqual([])
    for (const c of CHAOS_CASES) for (const nid of c.nids) expect(nid).toBeGreaterThan(CHAOS_BASE_NID)
    const nids = CHAOS_CASES.flatMap((c) => c.nids)
    expect(new Set(nids).size).toBe(nids.length)
  })

  it('docs/chaos-cases.md lists every case and is up to date (npm run docs:chaos)', async () => {
    const doc = await readFile('docs/chaos-cases.md', 'utf8')
    for (const c of CHAOS_CASES) expect(doc).toMatch(new RegExp(`^\\| \`${c.id}\` +\\|`, 'm'))
    expect(normalizeChaosDoc(doc)).toBe(normalizeChaosDoc(renderChaosDoc()))
  })
})

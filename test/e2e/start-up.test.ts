import { describe, expect, it } from 'vitest'
import { isFresh } from '../../scripts/build.js'
import { runDhm } from '../helpers/dhm-process.js'

// dhm runs the dist/ bundle built at install while it is fresh (vitest's globalSetup rebuilt it), and
// the TypeScript sources through tsx otherwise: both must be the same program.
describe('start-up: the bundle and the sources', () => {
  it('the tests run a fresh bundle, as users do after npm ci', () => {
    expect(isFresh()).toBe(true)
  })

  it('DHM_FROM_SOURCE=1 runs the sources, which print the same help, usage errors and exit codes', async () => {
    for (const args of [['--help'], ['status', '--help'], ['sync', '--frm', 'x']]) {
      const bundle = await runDhm(args)
      const sources = await runDhm(args, { DHM_FROM_SOURCE: '1' })
      expect(sources).toEqual(bundle)
    }
  })
})

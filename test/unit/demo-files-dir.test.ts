import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { demoFilesDir } from '../../src/cli/commands/demo.js'

describe('demoFilesDir: the folder npm run demo empties and fills', () => {
  it.each([
    {
      name: 'the default database keeps the documented folder',
      database: 'dhm_demo',
      expected: 'dhm-demo-files',
    },
    {
      name: 'a chosen database gets a folder of its own',
      database: 'my_demo',
      expected: 'dhm-demo-files-my_demo',
    },
  ])('$name', ({ database, expected }) => {
    expect(demoFilesDir(database)).toBe(join(tmpdir(), expected))
  })

  it('two demos with their own databases never share (and empty) one folder', () => {
    expect(demoFilesDir('alice_demo')).not.toBe(demoFilesDir('bob_demo'))
  })
})

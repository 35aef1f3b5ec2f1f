import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors.js'
import { openFileStore } from '../../src/files/file-store.js'

describe('dhm files --to a folder', () => {
  // Node's recursive mkdir loops forever on ENOENT from an existing parent (/proc refuses new entries).
  it.skipIf(!existsSync('/proc/self')).each(['/proc/dhm-store', '/proc/dhm-store/nested'])(
    '--to %s fails at once (it hung) as a usage error naming the flag',
    async (to) => {
      const attempt = openFileStore(to)
      await expect(attempt).rejects.toBeInstanceOf(ConfigError)
      await expect(attempt).rejects.toThrow(
        `--to ${to}: cannot write there (ENOENT); give a folder dhm can create or write to, or s3://bucket/prefix`,
      )
    },
    2000,
  )
})

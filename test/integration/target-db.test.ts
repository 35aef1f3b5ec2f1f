// The target connections dhm opens: session settings in force from the first query on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTarget, withSessionSettings } from '../../src/load/target-db.js'
import { createPgDb, dropPgDb, pgQuery, uniqueName } from '../helpers/databases.js'

describe('target connections', () => {
  const database = uniqueName('target_db')
  let url = ''

  beforeAll(async () => {
    url = await createPgDb(database)
  })

  afterAll(async () => {
    await dropPgDb(database)
  })

  it('start with lz4 TOAST compression (where the server has it), 64 MB of temp buffers and no JIT compilation', async () => {
    const [server] = await pgQuery<{ lz4: boolean }>(
      url,
      "SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'",
    )
    const target = await openTarget(url)
    try {
      // Several clients at once, each asked at once: no session may answer before its settings apply.
      const sessions = await Promise.all(
        [1, 2, 3, 4].map(() =>
          target.pool.query<{ compression: string; buffers: string; jit: string }>(
            "SELECT current_setting('default_toast_compression') AS compression, current_setting('temp_buffers') AS buffers, current_setting('jit') AS jit",
          ),
        ),
      )
      for (const { rows } of sessions) {
        expect(rows[0]).toEqual({ compression: server?.lz4 ? 'lz4' : 'pglz', buffers: '64MB', jit: 'off' })
      }
    } finally {
      await target.close()
    }
  })

  it('keep the options a URL already gives, which win over dhm’s', async () => {
    const withOptions = `${url}?options=${encodeURIComponent('-c temp_buffers=32MB -c application_name=mine')}`
    const target = await openTarget(withOptions)
    try {
      const { rows } = await target.pool.query<{ buffers: string; app: string }>(
        "SELECT current_setting('temp_buffers') AS buffers, current_setting('application_name') AS app",
      )
      expect(rows[0]).toEqual({ buffers: '32MB', app: 'mine' })
    } finally {
      await target.close()
    }
  })

  it.each([
    {
      name: 'no options in the URL',
      url: 'postgresql://app@db:5432/site',
      expected: { connectionString: 'postgresql://app@db:5432/site', options: '-c temp_buffers=64MB' },
    },
    {
      name: 'options in the URL come last',
      url: 'postgresql://app@db:5432/site?options=-c%20search_path%3Dx&sslmode=disable',
      expected: {
        connectionString: 'postgresql://app@db:5432/site?sslmode=disable',
        options: '-c temp_buffers=64MB -c search_path=x',
      },
    },
  ])('withSessionSettings: $name', ({ url: input, expected }) => {
    expect(withSessionSettings(input, { temp_buffers: '64MB' })).toEqual(expected)
  })
})

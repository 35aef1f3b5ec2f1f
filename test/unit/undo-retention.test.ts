import { describe, expect, it } from 'vitest'
import { renderUndoLog } from '../../src/cli/commands/status.js'
import { undoRetentionDays } from '../../src/config/undo-retention.js'

describe('undoRetentionDays (DHM_UNDO_RETENTION_DAYS)', () => {
  it.each([
    { name: 'unset: the default', value: undefined, expected: 30 },
    { name: 'empty: the default', value: '', expected: 30 },
    { name: 'a number of days', value: '7', expected: 7 },
  ])('$name', ({ value, expected }) => {
    expect(undoRetentionDays(value === undefined ? {} : { DHM_UNDO_RETENTION_DAYS: value })).toBe(expected)
  })

  it.each(['0', '-3', '1.5', 'a week'])('%s is refused with what it must be', (value) => {
    expect(() => undoRetentionDays({ DHM_UNDO_RETENTION_DAYS: value })).toThrow(
      `DHM_UNDO_RETENTION_DAYS must be a whole number of days (1 or more), not "${value}"`,
    )
  })
})

describe('renderUndoLog', () => {
  it.each([
    { bytes: 8192, expected: '8 kB' },
    { bytes: 5 * 1024 ** 2 + 300_000, expected: '5.3 MB' },
    { bytes: 3 * 1024 ** 3, expected: '3.0 GB' },
  ])('$bytes bytes: $expected', ({ bytes, expected }) => {
    expect(renderUndoLog(bytes, 30)).toBe(
      `undo log (dhm rollback): ${expected}; runs keep theirs for 30 days (DHM_UNDO_RETENTION_DAYS)`,
    )
  })
})

import { ConfigError } from '../errors.js'

/** Days a run's undo log is kept for `dhm rollback` unless DHM_UNDO_RETENTION_DAYS says otherwise. */
export const DEFAULT_UNDO_RETENTION_DAYS = 30

/**
 * How many days runs keep their undo log (DHM_UNDO_RETENTION_DAYS, a whole number ≥ 1): migrate and
 * sync prune the logs of older runs when they start, so the log stays about the size of what that
 * many days changed.
 */
export function undoRetentionDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DHM_UNDO_RETENTION_DAYS
  if (raw === undefined || raw.trim() === '') return DEFAULT_UNDO_RETENTION_DAYS
  const days = Number(raw)
  if (!Number.isInteger(days) || days < 1) {
    throw new ConfigError(
      `DHM_UNDO_RETENTION_DAYS must be a whole number of days (1 or more), not "${raw}": ` +
        `runs older than that lose their undo log (default ${DEFAULT_UNDO_RETENTION_DAYS})`,
    )
  }
  return days
}

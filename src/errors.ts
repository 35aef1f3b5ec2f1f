/**
 * Every error class the tool throws. The CLI (src/cli/index.ts) maps them to exit codes and prints
 * their message; a stack trace only with --verbose or for InternalError.
 */

/** The shared exit codes, documented in the README and in `dhm --help`. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  rejected: 3,
  differences: 4,
  locked: 5,
} as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** Bad configuration or usage: a mapping, a flag, a URL. Exit 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** A mapping file that does not parse or validate; lists every problem at once. Exit 2. */
export class MappingError extends ConfigError {
  constructor(
    readonly file: string,
    readonly issues: readonly string[],
  ) {
    super(`${file}: ${issues.length} problem(s)\n- ${issues.join('\n- ')}`)
  }
}

/** The legacy database could not be reached or queried. Always carries the cause. Exit 1. */
export class SourceQueryError extends Error {
  override readonly name = 'SourceQueryError'
}

/** The target database could not be reached or written. Exit 1. */
export class TargetError extends Error {
  override readonly name = 'TargetError'
}

/**
 * The target database holds objects dhm did not create and no migration history (Prisma's P3005):
 * a wrong --target, not a failure a rerun would cure. Exit 2.
 */
export class TargetNotDhmError extends ConfigError {}

/** The source lacks a table or column the mapping needs (schema drift). Exit 2. */
export class SourceSchemaError extends ConfigError {
  constructor(readonly problems: readonly string[]) {
    super(
      `the source database does not have what the mapping needs:\n- ${problems.join('\n- ')}\n` +
        'Fix the mapping (run "dhm check --mapping FILE") or point --source at the right database.',
    )
  }
}

/** Another sync/migrate holds the target's lock. Exit 5. */
export class LockedError extends Error {
  override readonly name = 'LockedError'
}

/** Thrown by a transform for one value; becomes a rejected row, never a crashed run. */
export class TransformError extends Error {
  override readonly name = 'TransformError'
  constructor(
    message: string,
    readonly value?: unknown,
  ) {
    super(message)
  }
}

/** An invariant of the tool itself broke. Always printed with its stack. Exit 1. */
export class InternalError extends Error {
  override readonly name = 'InternalError'
  constructor(message: string, options?: ErrorOptions) {
    super(`${message} (this is a bug in dhm: please file an issue with the command you ran)`, options)
  }
}

/** Used by the CLI only: stop with this exit code after printing the message (if any). */
export class ExitError extends Error {
  override readonly name = 'ExitError'
  constructor(
    readonly code: ExitCode,
    message = '',
  ) {
    super(message)
  }
}

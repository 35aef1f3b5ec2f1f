import yargs, { type CommandModule } from 'yargs'
import { hideBin } from 'yargs/helpers'
import { redactSecrets } from '../config/redact.js'
import { ConfigError, EXIT, ExitError, InternalError, LockedError } from '../errors.js'
import { SchemaMigrationError } from '../load/schema-migration-errors.js'
import { COMMAND_LIST, type CommandName } from './command-list.js'
import { EPILOG, withoutCamelCaseTwins } from './help.js'

const NAMES = Object.keys(COMMAND_LIST) as CommandName[]

/**
 * The commands to hand yargs: the ones named in argv loaded in full (their flags, their handler), every
 * other one as its name and description only, which is all `dhm --help` prints. A run so loads only its
 * own command's modules (no Prisma, S3 or pg-boss for `dhm status`). Usually one name is in argv; an
 * option value that happens to spell another command (`--site sync`) only loads that one as well.
 */
async function commandsFor(argv: readonly string[]): Promise<CommandModule[]> {
  return Promise.all(
    NAMES.map((name) =>
      argv.includes(name)
        ? COMMAND_LIST[name].load()
        : { command: name, describe: COMMAND_LIST[name].describe, handler: () => undefined },
    ),
  )
}

/** The only place that exits: parse, run the command, map errors to exit codes. */
export async function main(argv: string[]): Promise<number> {
  let verbose = argv.includes('--verbose')
  ignoreClosedStdout()
  let missing: string | null = null
  const usageError = (said: string) => {
    const command = argv.find((a) => (NAMES as string[]).includes(a))
    return new ConfigError(`${said}\nRun "dhm ${command ? `${command} ` : ''}--help" for usage.`)
  }
  try {
    const commands = await commandsFor(argv)
    await yargs(argv)
      .scriptName('dhm')
      .usage(
        'dhm <command> [options]\n\nMove a Drupal 7 site into a Prisma-owned Postgres schema for a headless front end.',
      )
      .option('source', {
        type: 'string',
        describe: 'Drupal 7 database URL (mysql://user:pass@host:3306/db)',
        global: true,
      })
      .option('target', {
        type: 'string',
        describe: 'Postgres URL (postgresql://user@host:5432/db)',
        global: true,
      })
      .option('verbose', {
        type: 'boolean',
        default: false,
        describe: 'Print stack traces on errors',
        global: true,
      })
      .command(commands)
      .demandCommand(1, 'Name a command, e.g. "dhm migrate".')
      .recommendCommands()
      .strict()
      .epilog(EPILOG)
      .wrap(Math.min(110, process.stdout.columns || 110))
      .fail((message, error) => {
        if (error) throw error
        // yargs checks required flags before unknown ones: keep "Missing required argument" until
        // the unknown-flag check has run, so `--form x` (for --from) is named, not only "from" missing.
        if (message.startsWith('Missing required argument') && missing === null) {
          missing = message
          return
        }
        // recommendCommands() replaces strict mode's "Unknown argument" with its suggestion alone.
        const said = message.startsWith('Did you mean')
          ? `Unknown command. ${message}`
          : withoutCamelCaseTwins(message)
        throw usageError(missing === null ? said : `${said}\n${missing}`)
      })
      .middleware((args) => {
        // Runs after validation: no unknown flag, so the missing required one is the whole story.
        if (missing !== null) throw usageError(missing)
        verbose = Boolean(args.verbose)
      })
      .parseAsync()
    return EXIT.ok
  } catch (error) {
    return report(error, verbose)
  }
}

function report(error: unknown, verbose: boolean): number {
  if (error instanceof ExitError) {
    if (error.message) process.stderr.write(`${redactSecrets(error.message)}\n`)
    return error.code
  }
  const message = error instanceof Error ? error.message : String(error)
  const showStack =
    verbose || error instanceof InternalError || !(error instanceof Error) || isUnexpected(error)
  process.stderr.write(`dhm: ${redactSecrets(message)}\n`)
  if (showStack && error instanceof Error && error.stack) {
    process.stderr.write(`${redactSecrets(error.stack)}\n`)
    if (error.cause instanceof Error && error.cause.stack)
      process.stderr.write(`caused by: ${redactSecrets(error.cause.stack)}\n`)
  }
  if (error instanceof ConfigError) return EXIT.usage
  if (error instanceof LockedError) return EXIT.locked
  return EXIT.error
}

/** Errors we did not raise ourselves: worth a stack even without --verbose. */
function isUnexpected(error: Error): boolean {
  return (
    ![
      'ConfigError',
      'MappingError',
      'SourceQueryError',
      'TargetError',
      'LockedError',
      'SourceSchemaError',
    ].includes(error.name) &&
    !(error instanceof ConfigError) &&
    !(error instanceof SchemaMigrationError) &&
    error.name !== 'Error'
  )
}

process.exitCode = await main(hideBin(process.argv))

/**
 * A reader that goes away (`dhm migrate --json | head -c 100`) must not kill a run with an unhandled
 * EPIPE and a stack trace: the run goes on and finishes (its summary is also in the run log and the
 * reports folder); what it still prints to stdout is dropped, as Unix tools do.
 */
function ignoreClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
  })
}

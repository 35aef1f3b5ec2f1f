import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { resolveConnections } from '../../config/connections.js'
import { LOGGED_TABLES } from '../../load/run-changes.js'
import { type RollbackResult, runRollback } from '../../pipeline/run-rollback.js'
import { COMMAND_LIST } from '../command-list.js'
import { EPILOG } from '../help.js'
import { jsonOption, requireInteger } from '../options.js'

interface RollbackArgs {
  target?: string
  run: number
  'dry-run': boolean
  force: boolean
  json: boolean
}

export const rollbackCommand: CommandModule<object, RollbackArgs> = {
  command: 'rollback',
  describe: COMMAND_LIST.rollback.describe,
  builder: (y: Argv) =>
    y
      .option('run', {
        type: 'number',
        demandOption: true,
        describe: 'The run to undo (its id in dhm status)',
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe:
          'Say what would be removed and restored, and which later runs are in the way; change nothing',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Restore the state before the run even where later runs changed the same rows',
      })
      .option('json', jsonOption('Print the outcome as one JSON object on stdout'))
      .example('dhm rollback --run 42 --dry-run', 'What undoing run 42 would do')
      .example('dhm rollback --run 42', 'Undo run 42; exit 2 if later runs changed the same rows')
      .example('dhm rollback --run 42 --force', 'Undo run 42 over the changes of later runs')
      .hide('source')
      .epilog(EPILOG) as unknown as Argv<RollbackArgs>,
  handler: async (args: ArgumentsCamelCase<RollbackArgs>) => {
    requireInteger('run', args.run)
    const { targetUrl } = resolveConnections({ target: args.target })
    const result = await runRollback({
      targetUrl,
      runId: args.run,
      dryRun: args['dry-run'],
      force: args.force,
    })
    process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : `${renderRollback(result)}\n`)
  },
}

/** Two or three lines: what was (or would be) done per table, what stayed, which later runs are in the way. */
export function renderRollback(r: RollbackResult): string {
  const what = `run ${r.runId} (${r.command} of ${r.site})`
  if (r.outcome === 'already') return `${what} was already rolled back; nothing to do`
  const perTable = LOGGED_TABLES.map(({ table }) => {
    const c = r.counts[table]
    return `${table} ${c.removed} removed, ${c.restored} restored`
  }).join('; ')
  const lines = [`${r.outcome === 'planned' ? 'would roll back' : 'rolled back'} ${what}: ${perTable}`]
  if (r.kept && (r.kept.article > 0 || r.kept.term > 0 || r.kept.media_file > 0)) {
    lines.push(
      `kept, because rows dhm did not write refer to them: ${r.kept.article} article(s), ` +
        `${r.kept.term} term(s), ${r.kept.media_file} file(s)`,
    )
  }
  if (r.laterRuns.length > 0) {
    lines.push(
      r.outcome === 'planned'
        ? `later run(s) ${r.laterRuns.join(', ')} changed some of the same rows: roll those back first ` +
            '(newest first) or give --force'
        : `restored over the changes of later run(s) ${r.laterRuns.join(', ')} (--force)`,
    )
  }
  return lines.join('\n')
}

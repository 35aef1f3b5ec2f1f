// Every dhm command: its one-line description and how to load it. Loading is lazy, so a run pays only for
// the modules of the command it runs (`dhm --help` loads none of them): see index.ts.
import type { CommandModule } from 'yargs'

export interface CommandEntry {
  readonly describe: string
  load(): Promise<CommandModule>
}

// In the order `dhm --help` lists them.
export const COMMAND_LIST = {
  migrate: {
    describe: 'Migrate every node the mapping selects into the target (safe to re-run)',
    load: async () => (await import('./commands/migrate.js')).migrateCommand as CommandModule,
  },
  demo: {
    describe:
      'Build a sample Drupal 7 database, migrate it twice (the second run changes nothing), show an article',
    load: async () => (await import('./commands/demo.js')).demoCommand as CommandModule,
  },
  check: {
    describe: 'Validate a mapping file, then check every table and column it names against the source',
    load: async () => (await import('./commands/check.js')).checkCommand as CommandModule,
  },
  inspect: {
    describe: 'Describe a Drupal 7 source: bundles, fields, vocabularies, languages, formats, modules',
    load: async () => (await import('./commands/inspect.js')).inspectCommand as CommandModule,
  },
  export: {
    describe: 'Print the migrated articles as JSON lines in the article model (from the target)',
    load: async () => (await import('./commands/export.js')).exportCommand as CommandModule,
  },
  sync: {
    describe: 'Bring the target up to date with what changed in the source since the last sync (cron)',
    load: async () => (await import('./commands/sync.js')).syncCommand as CommandModule,
  },
  status: {
    describe: 'Show the last runs (migrate, sync, …): outcome, duration, counts, high-water mark',
    load: async () => (await import('./commands/status.js')).statusCommand as CommandModule,
  },
  rollback: {
    describe: 'Undo what one migrate, sync or release run changed in the target (dhm status lists the runs)',
    load: async () => (await import('./commands/rollback.js')).rollbackCommand as CommandModule,
  },
  release: {
    describe:
      "Hand owned fields edited in the target back to dhm: they take dhm's value again and sync again",
    load: async () => (await import('./commands/release.js')).releaseCommand as CommandModule,
  },
  verify: {
    describe: 'Compare the target with what a migration of the source would produce; write a diff report',
    load: async () => (await import('./commands/verify.js')).verifyCommand as CommandModule,
  },
  report: {
    describe: 'Show where the newest run report is, and its headline',
    load: async () => (await import('./commands/report.js')).reportCommand as CommandModule,
  },
  files: {
    describe:
      'Copy the files the migrated articles reference (images, PDFs) from the old site to a folder or S3',
    load: async () => (await import('./commands/files.js')).filesCommand as CommandModule,
  },
  worker: {
    describe: 'Migrate ranges of distributed runs (dhm migrate --workers) from the queue in the target',
    load: async () => (await import('./commands/worker.js')).workerCommand as CommandModule,
  },
} as const satisfies Record<string, CommandEntry>

export type CommandName = keyof typeof COMMAND_LIST

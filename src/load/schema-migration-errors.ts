// Errors raised while applying prisma/migrations to the target database (src/load/schema-migrations.ts)
// and while checking schema.prisma against the migrations (scripts/schema-diff.ts). Each message says
// what failed and what to do next; `code` names the matching Prisma error where there is one, so people
// can look the situation up in Prisma's documentation. The lead merges these into src/errors.ts later.

/** Base class: lets callers catch every schema-migration problem with one `instanceof`. */
export class SchemaMigrationError extends Error {
  /** Prisma's error code for the same situation (P3005, P3009, …) or a local one (DHM_…). */
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** The migrations folder is missing, unreadable or malformed (e.g. a folder without migration.sql). */
export class MigrationsDirectoryError extends SchemaMigrationError {
  readonly migrationsDir: string

  constructor(migrationsDir: string, problem: string, options?: { cause?: unknown }) {
    super(
      'DHM_MIGRATIONS_DIR',
      `Cannot read the migrations folder ${migrationsDir}: ${problem}. ` +
        'Check that prisma/migrations exists in the checkout and that every migration folder contains a ' +
        'migration.sql (create new ones with `npm run schema:diff -- --name <name>`).',
      options,
    )
    this.migrationsDir = migrationsDir
  }
}

/** Prisma P3005: the schema already has objects but was never managed by migrations. */
export class SchemaNotEmptyError extends SchemaMigrationError {
  readonly objects: string[]
  /** The first ten objects, and how many there are in all when more: for messages. */
  readonly shown: string

  constructor(objects: string[]) {
    const shown =
      objects.slice(0, 10).join(', ') + (objects.length > 10 ? `, … (${objects.length} in all)` : '')
    super(
      'P3005',
      `The target database schema is not empty (found ${shown}) but has no _prisma_migrations table, so ` +
        'it is not known which migrations it already contains; nothing was changed. Point DATABASE_URL at an ' +
        'empty database (or schema), or drop the existing objects, or baseline it with ' +
        '`prisma migrate resolve --applied <migration>` (https://pris.ly/d/migrate-baseline).',
    )
    this.objects = objects
    this.shown = shown
  }
}

/** Prisma P3009: an earlier run left a migration half-applied; new migrations must not run on top of it. */
export class FailedMigrationPresentError extends SchemaMigrationError {
  readonly migrationName: string
  readonly startedAt: Date
  readonly logs: string | null

  constructor(migrationName: string, startedAt: Date, logs: string | null) {
    super(
      'P3009',
      `Migration ${migrationName} (started ${startedAt.toISOString()}) failed earlier and is recorded as ` +
        'failed in _prisma_migrations, so no further migrations are applied. Inspect and repair the ' +
        'database, then mark it with `prisma migrate resolve --rolled-back ' +
        `${migrationName}\` (if you undid its changes) or \`--applied ${migrationName}\` (if you completed ` +
        'them by hand), and run again. See https://pris.ly/d/migrate-resolve.' +
        (logs ? `\nRecorded error:\n${logs}` : ''),
    )
    this.migrationName = migrationName
    this.startedAt = startedAt
    this.logs = logs
  }
}

/** An applied migration's migration.sql was edited afterwards: the database no longer matches the file. */
export class MigrationChecksumMismatchError extends SchemaMigrationError {
  readonly migrationName: string
  readonly file: string
  readonly expected: string
  readonly actual: string

  constructor(migrationName: string, file: string, expected: string, actual: string) {
    super(
      'DHM_MIGRATION_EDITED',
      `${file} was edited after migration ${migrationName} was applied to this database (checksum in ` +
        `_prisma_migrations ${expected}, file now ${actual}); nothing was applied. Applied migrations must ` +
        'never change: restore the file (e.g. `git checkout -- ' +
        `${file}\`) and put the change into a new migration with \`npm run schema:diff -- --name <name>\`.`,
    )
    this.migrationName = migrationName
    this.file = file
    this.expected = expected
    this.actual = actual
  }
}

/** migration.sql failed while running; the row stays with finished_at NULL (a later run then hits P3009). */
export class MigrationApplyError extends SchemaMigrationError {
  readonly migrationName: string
  readonly logs: string

  constructor(migrationName: string, logs: string, options?: { cause?: unknown }) {
    super(
      'P3018',
      `Migration ${migrationName} failed to apply and is now recorded as failed in _prisma_migrations; ` +
        'later migrations were not applied.\n' +
        `${logs}\n` +
        'Fix the cause (the database state or the migration if it was never applied anywhere else), then ' +
        `run \`prisma migrate resolve --rolled-back ${migrationName}\` and apply again ` +
        '(https://pris.ly/d/migrate-resolve).',
      options,
    )
    this.migrationName = migrationName
    this.logs = logs
  }
}

/** schema.prisma and prisma/migrations describe different schemas (a schema change without a migration). */
export class SchemaDriftError extends SchemaMigrationError {
  readonly summary: string

  constructor(summary: string) {
    super(
      'DHM_SCHEMA_DRIFT',
      'prisma/schema.prisma and prisma/migrations have drifted: applying the migrations does not produce ' +
        'the schema in schema.prisma. Changes needed to get from the migrations to schema.prisma:\n' +
        `${summary.trim()}\n` +
        'Create the missing migration with `npm run schema:diff -- --name <what_changed>` and commit it ' +
        '(or revert the schema.prisma change).',
    )
    this.summary = summary
  }
}

/** Prisma's schema engine (WASM) failed: e.g. a migration does not apply to the shadow database. */
export class SchemaEngineError extends SchemaMigrationError {
  constructor(action: string, detail: string, options?: { cause?: unknown }) {
    super(
      'DHM_SCHEMA_ENGINE',
      `Prisma's schema engine failed while ${action}: ${detail}\n` +
        'If a migration.sql does not apply cleanly to an empty database, fix that migration (if it is not ' +
        'applied anywhere yet). Check that PostgreSQL is reachable at DATABASE_URL (the engine creates a ' +
        'temporary shadow database there) and that @prisma/schema-engine-wasm matches the prisma version.',
      options,
    )
  }
}

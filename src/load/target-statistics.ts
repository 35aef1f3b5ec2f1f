import type pg from 'pg'

/** The tables a run writes in bulk. */
const WRITTEN_TABLES = ['article', 'article_term', 'redirect', 'media_file', 'term'] as const

/**
 * While a run writes, only the columns of article that queries select or join on: the sample of the
 * big text columns (body, document) would be read and decompressed for statistics no plan of the run
 * uses (ANALYZE article at 100k articles: 0.66 s with every column, 0.22 s with these). The run's last
 * ANALYZE takes every column: Postgres resets a table's count of changes since the last ANALYZE
 * (what autovacuum and `open` below go by) only for one of all columns.
 */
const DURING_RUN = [
  'article (id, site, legacy_nid, bundle, language, slug, is_live, published_at, image_file_id, pdf_file_id, content_hash, updated_at, deleted_at)',
  ...WRITTEN_TABLES.filter((t) => t !== 'article'),
]

/**
 * The statistics target of the ANALYZEs during a run (the last one keeps the server's): a sample of
 * 3,000 rows instead of 30,000 is enough for the plans of a run's own statements. One ANALYZE of
 * DURING_RUN over 100k articles: 1.47 s → 0.22 s (the ANALYZEs were 8% of Postgres's CPU in a first
 * migrate of 100k, bench/pg-cpu-probe.ts --by-statement).
 */
const DURING_RUN_STATISTICS_TARGET = 10

/** Re-analyze once this many rows changed since the last ANALYZE, plus a share of the table. */
const BASE_THRESHOLD = 1000
const SCALE_FACTOR = 0.5
/**
 * At the end of a run, autovacuum's default rule (autovacuum_analyze_threshold 50 rows plus
 * autovacuum_analyze_scale_factor 10% of the table changed since the last ANALYZE, earlier runs'
 * changes included): a sync that rewrote a few articles leaves the statistics as they were, as
 * autovacuum would (ANALYZE of the written tables: about 2 s of Postgres at 100k articles, a fixed cost
 * of every sync that wrote one article), and the changes add up until one run analyzes.
 */
const END_THRESHOLD = 50
const END_SCALE_FACTOR = 0.1

/**
 * Keeps the planner's statistics of the target tables current while a run writes them, as
 * autovacuum's auto-analyze would (same rule: a base threshold plus a share of the table), without
 * relying on autovacuum being on: the plans of every batch's statements depend on them, and the first
 * 1M-article migrate on a server with autovacuum off (bench/RESULTS.md) had none at all. ANALYZE
 * reads a sample (at most 30,000 rows per table by default), runs outside the batch transactions and
 * blocks no writer; if the target user may not analyze, runs go on without it.
 */
export class TargetStatistics {
  private pending = 0
  /** Rows written by this run. */
  private written = 0
  /**
   * Whether this run analyzed during its batches, without article's big columns (then the end of
   * the run analyzes every column again).
   */
  private analyzedDuringRun = false

  private constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private known: number,
    /** Rows of article changed since its last ANALYZE when the run started (pg_stat_user_tables). */
    private readonly changedBefore: number,
  ) {}

  /** Reads the article table's state; analyzes at once when its statistics are missing or stale. */
  static async open(pool: Pick<pg.Pool, 'query'>): Promise<TargetStatistics> {
    const { rows } = await pool
      .query<{ reltuples: number; changed: string | null }>(
        `SELECT c.reltuples, s.n_mod_since_analyze AS changed
         FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
         WHERE c.oid = to_regclass('article')`,
      )
      .catch(() => ({ rows: [] as { reltuples: number; changed: string | null }[] }))
    const row = rows[0]
    const changed = Number(row?.changed ?? 0)
    // reltuples is -1 for a table never analyzed.
    const stale = row !== undefined && (Number(row.reltuples) < 0 || isStale(changed, Number(row.reltuples)))
    const stats = new TargetStatistics(pool, Math.max(0, Number(row?.reltuples ?? 0)), stale ? 0 : changed)
    if (stale) await stats.analyze(WRITTEN_TABLES)
    return stats
  }

  /** After a committed batch: `written` = rows inserted or updated. */
  async afterBatch(written: number): Promise<void> {
    this.pending += written
    this.written += written
    if (isStale(this.pending, this.known)) {
      this.analyzedDuringRun = true
      await this.analyze(DURING_RUN, DURING_RUN_STATISTICS_TARGET)
    }
  }

  /**
   * At the end of a run: leave statistics the front end's queries can use, when the run analyzed
   * (its ANALYZEs left out article's big columns) or changed enough rows (END_THRESHOLD).
   */
  async finish(): Promise<void> {
    if (this.written === 0) return
    const changed = this.changedBefore + this.written
    if (this.analyzedDuringRun || changed > END_THRESHOLD + END_SCALE_FACTOR * this.known)
      await this.analyze(WRITTEN_TABLES)
  }

  private async analyze(tables: readonly string[], statisticsTarget?: number): Promise<void> {
    this.known += this.pending
    this.pending = 0
    try {
      // One simple query is one implicit transaction: SET LOCAL ends with it, whatever happens.
      await this.pool.query(
        `${statisticsTarget ? `SET LOCAL default_statistics_target = ${statisticsTarget}; ` : ''}ANALYZE ${tables.join(', ')}`,
      )
      const { rows } = await this.pool.query<{ reltuples: number }>(
        `SELECT reltuples FROM pg_class WHERE oid = to_regclass('article')`,
      )
      this.known = Math.max(this.known, Number(rows[0]?.reltuples ?? 0))
    } catch {
      // Not allowed (another owner) or the connection hiccupped: the run goes on without it.
    }
  }
}

function isStale(changed: number, known: number): boolean {
  return changed > BASE_THRESHOLD + SCALE_FACTOR * Math.max(0, known)
}

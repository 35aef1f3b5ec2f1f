-- Hand-written: what a migrate costs Postgres per article (issue #19 §3), nothing Prisma models.
--
-- The undo log's keys compare bytewise: every row a run writes adds one run_change row, whose primary
-- key (run_id, table_name, row_key) compared its text through the database's collation (strcoll, for
-- C.UTF-8 too). Keys are only ever matched for equality, so "C" changes no answer. The gain is small:
-- strcoll and text comparison were ~2.5% of a first migrate's Postgres CPU (perf, 10k articles).
ALTER TABLE "run_change" ALTER COLUMN "table_name" TYPE TEXT COLLATE "C",
  ALTER COLUMN "row_key" TYPE TEXT COLLATE "C";

-- No planner statistics for the long free-text columns of article: no query filters, joins or sorts
-- on them, and an ANALYZE (dhm's own after a run, src/load/target-statistics.ts, and autovacuum's)
-- otherwise reads, decompresses and sorts a 30,000-row sample of bodies and documents.
ALTER TABLE "article" ALTER COLUMN "body" SET STATISTICS 0,
  ALTER COLUMN "body_summary" SET STATISTICS 0,
  ALTER COLUMN "summary" SET STATISTICS 0,
  ALTER COLUMN "social" SET STATISTICS 0,
  ALTER COLUMN "head_tags" SET STATISTICS 0,
  ALTER COLUMN "body_tags" SET STATISTICS 0,
  ALTER COLUMN "document" SET STATISTICS 0;

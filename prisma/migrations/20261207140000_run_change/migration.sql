-- CreateTable
CREATE TABLE "run_change" (
    "run_id" INTEGER NOT NULL,
    "table_name" TEXT NOT NULL,
    "row_key" TEXT NOT NULL,
    "before" JSONB,

    CONSTRAINT "run_change_pkey" PRIMARY KEY ("run_id","table_name","row_key")
);

-- CreateIndex
CREATE INDEX "article_image_file_id_idx" ON "article"("image_file_id");

-- CreateIndex
CREATE INDEX "article_pdf_file_id_idx" ON "article"("pdf_file_id");

-- Hand-written: the triggers that fill run_change (Prisma does not model triggers).
-- A statement trigger per table and operation, reading the statement's transition table, so a batch
-- of 2,000 rows costs one INSERT … SELECT, not 2,000 calls. Only transactions that set
-- dhm.run_id (SET LOCAL, by migrate and sync: src/load/run-changes.ts) are logged: rows written by
-- anyone else (editors, the new system) never are, so a rollback never touches them. A row's first
-- change in a run wins (ON CONFLICT DO NOTHING): its state before the run.
CREATE FUNCTION dhm_log_run_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  run int := NULLIF(current_setting('dhm.run_id', true), '')::int;
BEGIN
  IF run IS NULL THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('INSERT INTO run_change (run_id, table_name, row_key, before)
      SELECT $1, %L, %s, NULL FROM new_rows t ON CONFLICT DO NOTHING', TG_TABLE_NAME, TG_ARGV[0])
      USING run;
  ELSE
    EXECUTE format('INSERT INTO run_change (run_id, table_name, row_key, before)
      SELECT $1, %L, %s, to_jsonb(t) FROM old_rows t ON CONFLICT DO NOTHING', TG_TABLE_NAME, TG_ARGV[0])
      USING run;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "article" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "article" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "article" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');

CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "article_term" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.role || ':' || t.position$k$);
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "article_term" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.role || ':' || t.position$k$);
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "article_term" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.role || ':' || t.position$k$);

CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "redirect" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "redirect" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "redirect" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');

CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "term" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "term" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "term" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');

CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "media_file" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "media_file" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "media_file" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change('t.id::text');

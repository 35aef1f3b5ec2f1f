-- CreateTable
CREATE TABLE "block" (
    "article_id" INTEGER NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "parent_ordinal" INTEGER,
    "entity_type" TEXT NOT NULL,
    "legacy_item_id" INTEGER NOT NULL,
    "legacy_revision_id" INTEGER NOT NULL,
    "field" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL,

    CONSTRAINT "block_pkey" PRIMARY KEY ("article_id","ordinal")
);

-- CreateIndex
CREATE INDEX "block_article_id_parent_ordinal_idx" ON "block"("article_id", "parent_ordinal");

-- CreateIndex
CREATE INDEX "block_type_idx" ON "block"("type");

-- AddForeignKey
ALTER TABLE "block" ADD CONSTRAINT "block_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "article"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "block" ADD CONSTRAINT "block_article_id_parent_ordinal_fkey" FOREIGN KEY ("article_id", "parent_ordinal") REFERENCES "block"("article_id", "ordinal") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: block is in the undo log, as every table a run writes (see 20261207140000_run_change
-- and 20261207180000_relations_undo_log). The row key is src/load/run-changes.ts LOGGED_TABLES' for
-- alias t.
CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "block" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.ordinal$k$);
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "block" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.ordinal$k$);
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "block" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.ordinal$k$);

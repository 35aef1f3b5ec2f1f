-- CreateTable
CREATE TABLE "article_link" (
    "site" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "legacy_nid" INTEGER NOT NULL,

    CONSTRAINT "article_link_pkey" PRIMARY KEY ("site","target","legacy_nid")
);

-- CreateIndex
CREATE INDEX "article_link_site_legacy_nid_idx" ON "article_link"("site", "legacy_nid");

-- Hand-written: article_link is in the undo log, as every table a run writes (see
-- 20261207140000_run_change): a rollback gives back the links of the bodies it gives back.
CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "article_link" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.site || ':' || t.legacy_nid || ':' || t.target$k$);
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "article_link" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.site || ':' || t.legacy_nid || ':' || t.target$k$);
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "article_link" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.site || ':' || t.legacy_nid || ':' || t.target$k$);

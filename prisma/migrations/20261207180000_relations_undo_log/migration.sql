-- Hand-written: the tables of 20261207150500_author_reference_menu (authors, article authors,
-- resolved references, menus) are in the undo log, as every table a run writes (see
-- 20261207140000_run_change): a rollback removes the ones a run inserted and gives back the ones it
-- changed or deleted. The row keys are src/load/run-changes.ts LOGGED_TABLES' for alias t.

CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "author" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.id::text$k$);
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "author" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.id::text$k$);
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "author" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.id::text$k$);

CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "article_author" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.role || ':' || t.position$k$);
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "article_author" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.role || ':' || t.position$k$);
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "article_author" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.role || ':' || t.position$k$);

CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "article_reference" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.field || ':' || t.delta$k$);
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "article_reference" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.field || ':' || t.delta$k$);
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "article_reference" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.article_id || ':' || t.field || ':' || t.delta$k$);

CREATE TRIGGER dhm_run_change_insert AFTER INSERT ON "menu_link" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.id::text$k$);
CREATE TRIGGER dhm_run_change_update AFTER UPDATE ON "menu_link" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.id::text$k$);
CREATE TRIGGER dhm_run_change_delete AFTER DELETE ON "menu_link" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_log_run_change($k$t.id::text$k$);

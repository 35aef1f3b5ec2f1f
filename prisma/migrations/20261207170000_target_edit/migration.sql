-- CreateTable
CREATE TABLE "target_edit" (
    "article_id" INTEGER NOT NULL,
    "edited_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "target_edit_pkey" PRIMARY KEY ("article_id")
);

-- Hand-written: the triggers that fill target_edit (Prisma does not model triggers).
-- When a transaction that is not dhm's (dhm.run_id unset: migrate, sync and release set it; dhm
-- rollback sets dhm.restoring) changes an article row or its term links, the article's edited_at
-- becomes now(): `owned: { from: … }` counts only fields of articles edited in the target since.
-- Statement triggers reading transition tables: one INSERT … SELECT per statement.
CREATE FUNCTION dhm_note_target_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NULLIF(current_setting('dhm.run_id', true), '') IS NOT NULL
     OR NULLIF(current_setting('dhm.restoring', true), '') IS NOT NULL THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'article' THEN
    INSERT INTO target_edit (article_id, edited_at)
      SELECT n.id, now() FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n IS DISTINCT FROM o
      ON CONFLICT (article_id) DO UPDATE SET edited_at = excluded.edited_at;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO target_edit (article_id, edited_at)
      SELECT DISTINCT n.article_id, now() FROM new_rows n
      ON CONFLICT (article_id) DO UPDATE SET edited_at = excluded.edited_at;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO target_edit (article_id, edited_at)
      SELECT DISTINCT o.article_id, now() FROM old_rows o
      ON CONFLICT (article_id) DO UPDATE SET edited_at = excluded.edited_at;
  ELSE
    INSERT INTO target_edit (article_id, edited_at)
      SELECT article_id, now() FROM (SELECT article_id FROM new_rows UNION SELECT article_id FROM old_rows) x
      ON CONFLICT (article_id) DO UPDATE SET edited_at = excluded.edited_at;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER dhm_target_edit_update AFTER UPDATE ON "article"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_note_target_edit();
CREATE TRIGGER dhm_target_edit_insert AFTER INSERT ON "article_term" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_note_target_edit();
CREATE TRIGGER dhm_target_edit_update AFTER UPDATE ON "article_term"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_note_target_edit();
CREATE TRIGGER dhm_target_edit_delete AFTER DELETE ON "article_term" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dhm_note_target_edit();

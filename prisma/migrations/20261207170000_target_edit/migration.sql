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
-- Row triggers with a WHEN on the two settings: for dhm's own batches the condition is false and
-- nothing is called or captured (a statement trigger would collect every batch's transition tables).
CREATE FUNCTION dhm_note_target_edit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  edited int[];
BEGIN
  IF TG_TABLE_NAME = 'article' THEN
    edited := ARRAY[NEW.id];
  ELSIF TG_OP = 'INSERT' THEN
    edited := ARRAY[NEW.article_id];
  ELSIF TG_OP = 'DELETE' THEN
    edited := ARRAY[OLD.article_id];
  ELSE
    edited := ARRAY[OLD.article_id, NEW.article_id];
  END IF;
  INSERT INTO target_edit (article_id, edited_at) SELECT DISTINCT unnest(edited), now()
    ON CONFLICT (article_id) DO UPDATE SET edited_at = excluded.edited_at;
  RETURN NULL;
END $$;

CREATE TRIGGER dhm_target_edit AFTER UPDATE ON "article" FOR EACH ROW
  WHEN (coalesce(current_setting('dhm.run_id', true), '') = ''
        AND coalesce(current_setting('dhm.restoring', true), '') = ''
        AND OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION dhm_note_target_edit();
CREATE TRIGGER dhm_target_edit AFTER INSERT OR UPDATE OR DELETE ON "article_term" FOR EACH ROW
  WHEN (coalesce(current_setting('dhm.run_id', true), '') = ''
        AND coalesce(current_setting('dhm.restoring', true), '') = '')
  EXECUTE FUNCTION dhm_note_target_edit();

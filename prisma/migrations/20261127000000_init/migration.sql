-- CreateEnum
CREATE TYPE "term_role" AS ENUM ('publication', 'section', 'subject');

-- CreateTable
CREATE TABLE "article" (
    "id" SERIAL NOT NULL,
    "site" TEXT NOT NULL,
    "legacy_nid" INTEGER NOT NULL,
    "bundle" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "slug" TEXT,
    "published" BOOLEAN NOT NULL,
    "workflow_state" INTEGER,
    "is_live" BOOLEAN NOT NULL,
    "authors" TEXT[],
    "bylines" TEXT[],
    "summary" TEXT,
    "social" TEXT,
    "published_at" TIMESTAMPTZ(0) NOT NULL,
    "image_file_id" INTEGER,
    "image_caption" TEXT,
    "image_credit" TEXT,
    "image_alt" TEXT,
    "image_title" TEXT,
    "image_width" INTEGER,
    "image_height" INTEGER,
    "pdf_file_id" INTEGER,
    "pdf_description" TEXT,
    "body" TEXT,
    "body_summary" TEXT,
    "body_format" TEXT,
    "tracking" BOOLEAN NOT NULL,
    "head_tags" TEXT,
    "body_tags" TEXT,
    "created_at" TIMESTAMPTZ(0) NOT NULL,
    "updated_at" TIMESTAMPTZ(0) NOT NULL,
    "content_hash" CHAR(64) NOT NULL,
    "document" JSONB NOT NULL,
    "first_migrated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_migrated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "article_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "term" (
    "id" SERIAL NOT NULL,
    "site" TEXT NOT NULL,
    "legacy_tid" INTEGER NOT NULL,
    "vocabulary" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "term_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "article_term" (
    "article_id" INTEGER NOT NULL,
    "role" "term_role" NOT NULL,
    "position" INTEGER NOT NULL,
    "term_id" INTEGER NOT NULL,

    CONSTRAINT "article_term_pkey" PRIMARY KEY ("article_id","role","position")
);

-- CreateTable
CREATE TABLE "media_file" (
    "id" SERIAL NOT NULL,
    "site" TEXT NOT NULL,
    "legacy_fid" INTEGER NOT NULL,
    "uri" TEXT NOT NULL,
    "url" TEXT,
    "filename" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "size" BIGINT NOT NULL,

    CONSTRAINT "media_file_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "migration_run" (
    "id" SERIAL NOT NULL,
    "site" TEXT NOT NULL,
    "command" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "counts" JSONB NOT NULL DEFAULT '{}',
    "params" JSONB NOT NULL DEFAULT '{}',
    "high_water_mark" INTEGER,

    CONSTRAINT "migration_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "migration_message" (
    "id" SERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "legacy_nid" INTEGER NOT NULL,
    "level" TEXT NOT NULL DEFAULT 'error',
    "field" TEXT,
    "reason" TEXT NOT NULL,
    "excerpt" TEXT,

    CONSTRAINT "migration_message_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "article_site_is_live_published_at_idx" ON "article"("site", "is_live", "published_at");

-- CreateIndex
CREATE UNIQUE INDEX "article_site_legacy_nid_key" ON "article"("site", "legacy_nid");

-- CreateIndex
CREATE UNIQUE INDEX "term_site_legacy_tid_key" ON "term"("site", "legacy_tid");

-- CreateIndex
CREATE INDEX "article_term_term_id_idx" ON "article_term"("term_id");

-- CreateIndex
CREATE UNIQUE INDEX "media_file_site_legacy_fid_key" ON "media_file"("site", "legacy_fid");

-- CreateIndex
CREATE INDEX "migration_run_site_command_started_at_idx" ON "migration_run"("site", "command", "started_at");

-- CreateIndex
CREATE INDEX "migration_message_run_id_idx" ON "migration_message"("run_id");

-- AddForeignKey
ALTER TABLE "article" ADD CONSTRAINT "article_image_file_id_fkey" FOREIGN KEY ("image_file_id") REFERENCES "media_file"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article" ADD CONSTRAINT "article_pdf_file_id_fkey" FOREIGN KEY ("pdf_file_id") REFERENCES "media_file"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_term" ADD CONSTRAINT "article_term_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "article"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_term" ADD CONSTRAINT "article_term_term_id_fkey" FOREIGN KEY ("term_id") REFERENCES "term"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "migration_message" ADD CONSTRAINT "migration_message_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "migration_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

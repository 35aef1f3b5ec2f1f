-- CreateEnum
CREATE TYPE "author_role" AS ENUM ('author', 'revision');

-- CreateEnum
CREATE TYPE "reference_kind" AS ENUM ('node', 'user', 'term');

-- AlterTable
ALTER TABLE "term" ADD COLUMN     "legacy_parent_tid" INTEGER,
ADD COLUMN     "parent_id" INTEGER,
ADD COLUMN     "weight" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "author" (
    "id" SERIAL NOT NULL,
    "site" TEXT NOT NULL,
    "legacy_uid" INTEGER NOT NULL,
    "name" TEXT,
    "display_name" TEXT,
    "picture_file_id" INTEGER,
    "status" TEXT NOT NULL,

    CONSTRAINT "author_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "article_author" (
    "article_id" INTEGER NOT NULL,
    "role" "author_role" NOT NULL,
    "position" INTEGER NOT NULL,
    "author_id" INTEGER NOT NULL,

    CONSTRAINT "article_author_pkey" PRIMARY KEY ("article_id","role","position")
);

-- CreateTable
CREATE TABLE "article_reference" (
    "article_id" INTEGER NOT NULL,
    "field" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,
    "kind" "reference_kind" NOT NULL,
    "target_legacy_id" INTEGER NOT NULL,
    "target_article_id" INTEGER,
    "target_author_id" INTEGER,
    "target_term_id" INTEGER,

    CONSTRAINT "article_reference_pkey" PRIMARY KEY ("article_id","field","delta")
);

-- CreateTable
CREATE TABLE "menu_link" (
    "id" SERIAL NOT NULL,
    "site" TEXT NOT NULL,
    "menu" TEXT NOT NULL,
    "legacy_mlid" INTEGER NOT NULL,
    "legacy_plid" INTEGER,
    "parent_id" INTEGER,
    "weight" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "hidden" BOOLEAN NOT NULL,
    "expanded" BOOLEAN NOT NULL,
    "link_path" TEXT NOT NULL,
    "external" BOOLEAN NOT NULL,
    "article_id" INTEGER,
    "url" TEXT,

    CONSTRAINT "menu_link_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "author_picture_file_id_idx" ON "author"("picture_file_id");

-- CreateIndex
CREATE UNIQUE INDEX "author_site_legacy_uid_key" ON "author"("site", "legacy_uid");

-- CreateIndex
CREATE INDEX "article_author_author_id_idx" ON "article_author"("author_id");

-- CreateIndex
CREATE INDEX "article_reference_target_article_id_idx" ON "article_reference"("target_article_id");

-- CreateIndex
CREATE INDEX "article_reference_target_author_id_idx" ON "article_reference"("target_author_id");

-- CreateIndex
CREATE INDEX "article_reference_target_term_id_idx" ON "article_reference"("target_term_id");

-- CreateIndex
CREATE INDEX "menu_link_site_menu_idx" ON "menu_link"("site", "menu");

-- CreateIndex
CREATE INDEX "menu_link_parent_id_idx" ON "menu_link"("parent_id");

-- CreateIndex
CREATE INDEX "menu_link_article_id_idx" ON "menu_link"("article_id");

-- CreateIndex
CREATE UNIQUE INDEX "menu_link_site_legacy_mlid_key" ON "menu_link"("site", "legacy_mlid");

-- CreateIndex
CREATE INDEX "term_parent_id_idx" ON "term"("parent_id");

-- AddForeignKey
ALTER TABLE "term" ADD CONSTRAINT "term_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "term"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "author" ADD CONSTRAINT "author_picture_file_id_fkey" FOREIGN KEY ("picture_file_id") REFERENCES "media_file"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_author" ADD CONSTRAINT "article_author_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "article"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_author" ADD CONSTRAINT "article_author_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "author"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_reference" ADD CONSTRAINT "article_reference_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "article"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_reference" ADD CONSTRAINT "article_reference_target_article_id_fkey" FOREIGN KEY ("target_article_id") REFERENCES "article"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_reference" ADD CONSTRAINT "article_reference_target_author_id_fkey" FOREIGN KEY ("target_author_id") REFERENCES "author"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_reference" ADD CONSTRAINT "article_reference_target_term_id_fkey" FOREIGN KEY ("target_term_id") REFERENCES "term"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "menu_link" ADD CONSTRAINT "menu_link_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "menu_link"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "menu_link" ADD CONSTRAINT "menu_link_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "article"("id") ON DELETE SET NULL ON UPDATE CASCADE;

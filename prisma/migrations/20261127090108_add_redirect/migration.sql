-- CreateTable
CREATE TABLE "redirect" (
    "id" SERIAL NOT NULL,
    "site" TEXT NOT NULL,
    "source_path" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "article_id" INTEGER NOT NULL,
    "legacy_nid" INTEGER NOT NULL,

    CONSTRAINT "redirect_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "redirect_article_id_idx" ON "redirect"("article_id");

-- CreateIndex
CREATE UNIQUE INDEX "redirect_site_source_path_language_key" ON "redirect"("site", "source_path", "language");

-- AddForeignKey
ALTER TABLE "redirect" ADD CONSTRAINT "redirect_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "article"("id") ON DELETE CASCADE ON UPDATE CASCADE;

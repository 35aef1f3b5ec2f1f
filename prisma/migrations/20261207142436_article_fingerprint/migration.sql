-- CreateTable
CREATE TABLE "article_fingerprint" (
    "article_id" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "coverage" TEXT NOT NULL,

    CONSTRAINT "article_fingerprint_pkey" PRIMARY KEY ("article_id")
);

-- AddForeignKey
ALTER TABLE "article_fingerprint" ADD CONSTRAINT "article_fingerprint_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "article"("id") ON DELETE CASCADE ON UPDATE CASCADE;

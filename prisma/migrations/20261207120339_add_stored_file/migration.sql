-- CreateTable
CREATE TABLE "stored_file" (
    "id" SERIAL NOT NULL,
    "site" TEXT NOT NULL,
    "legacy_fid" INTEGER,
    "uri" TEXT NOT NULL,
    "original_name" TEXT NOT NULL,
    "scheme" TEXT NOT NULL,
    "sha256" CHAR(64),
    "size" BIGINT,
    "mime" TEXT,
    "width" INTEGER,
    "height" INTEGER,
    "stored_key" TEXT,
    "public_url" TEXT,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "run_id" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stored_file_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "stored_file_site_legacy_fid_idx" ON "stored_file"("site", "legacy_fid");

-- CreateIndex
CREATE UNIQUE INDEX "stored_file_site_uri_key" ON "stored_file"("site", "uri");

-- CreateIndex
CREATE UNIQUE INDEX "stored_file_site_stored_key_key" ON "stored_file"("site", "stored_key");

-- CreateIndex
CREATE INDEX "article_site_bundle_legacy_nid_idx" ON "article"("site", "bundle", "legacy_nid");

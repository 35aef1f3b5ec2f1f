/**
 * The version of what the transform makes of a given source: bump it with any change to the
 * transform code (transform/, model/, the content rules) that changes an article made from the same
 * rows and mapping. It is part of every source fingerprint (extract/source-fingerprint.ts), so the
 * first run after a bump transforms every article again instead of trusting the fingerprints of the
 * previous code. Also bumped when CONTENT_HASH_VERSION changes.
 */
export const TRANSFORM_VERSION = 1

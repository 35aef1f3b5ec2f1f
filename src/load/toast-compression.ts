// How dhm's target connections (target-db.ts) and the benchmark's write ceiling (bench/write-ceiling.ts)
// choose TOAST compression: lz4 where the server has it, measured twice as fast to write as pglz.

/** One row, `lz4`: true when the server can TOAST-compress with lz4 (built with it, PostgreSQL >= 14). */
export const LZ4_AVAILABLE = `SELECT (SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression') AS lz4`

export const SET_LZ4 = 'SET default_toast_compression = lz4'

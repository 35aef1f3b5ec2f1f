import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'

/**
 * COPY … FROM STDIN in Postgres' text format: the fastest way to get many rows into a table
 * (measured here at about twice `INSERT … SELECT FROM jsonb_to_recordset/unnest`, see
 * ../../../shared/notes/prisma-offline.md). Rows are made lazily, so a batch is never held twice.
 */
export async function copyRows(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  types: readonly CopyType[],
  rows: Iterable<readonly unknown[]>,
): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`))
  // Two buffers ahead at most (Readable.from's default would run 16 MB ahead of the socket).
  await pipeline(Readable.from(copyChunks(rows, types), { highWaterMark: 2 }), stream)
}

const CHUNK_BYTES = 1 << 20
const TAB = 0x09
const NEWLINE = 0x0a

/**
 * Rows in COPY text format (what `copyLine` makes), encoded as UTF-8 straight into ~1 MB buffers:
 * one socket write per buffer. Joining lines into one long string and encoding that made V8 flatten
 * a rope of two-byte strings: 10,000 bench articles' lines cost 0.82–1.07 s to encode that way
 * against 0.08–0.11 s written into buffers (15% of a migrate's CPU). Within a row, the text of the
 * fields between UTF-8 byte fields (an article's document) is joined and written at once: one
 * `Buffer.write` per ~30 fields, not one each (a call into C++ costs more than encoding a short
 * field). A row may end in the next buffer: COPY reads one byte stream, however it is cut.
 */
export function* copyChunks(
  rows: Iterable<readonly unknown[]>,
  types: readonly CopyType[],
): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES)
  let used = 0
  for (const values of rows) {
    const last = values.length - 1
    // The row's text not yet written: fields with their separators.
    let text = ''
    for (let i = 0; i <= last; i++) {
      const value = values[i]
      if (Buffer.isBuffer(value)) {
        // JSON text already in UTF-8 (an article's document): its bytes, backslashes doubled.
        // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
        const worst = text.length * 3 + value.length * 2 + 1
        if (used + worst > chunk.length) {
          if (used > 0) yield chunk.subarray(0, used)
          chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, worst))
          used = 0
        }
        if (text !== '') {
          used += chunk.write(text, used)
          text = ''
        }
        used = writeJsonBytes(value, chunk, used)
        chunk[used++] = i === last ? NEWLINE : TAB
        continue
      }
      text += copyField(value, types[i] ?? 'text')
      text += i === last ? '\n' : '\t'
    }
    if (text !== '') {
      const worst = text.length * 3
      if (used + worst > chunk.length) {
        if (used > 0) yield chunk.subarray(0, used)
        chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, worst))
        used = 0
      }
      used += chunk.write(text, used)
    }
  }
  if (used > 0) yield chunk.subarray(0, used)
}

const BACKSLASH = 0x5c

/**
 * Copy UTF-8 JSON text into `chunk` at `at` as a COPY field: JSON text never holds a raw newline,
 * CR or tab, so of the four characters COPY escapes only backslashes need doubling. Runs of bytes
 * between backslashes are copied natively. Returns the new end.
 */
function writeJsonBytes(json: Buffer, chunk: Buffer, at: number): number {
  let end = at
  let from = 0
  for (let i = json.indexOf(BACKSLASH); i !== -1; i = json.indexOf(BACKSLASH, i + 1)) {
    chunk.set(json.subarray(from, i + 1), end)
    end += i + 1 - from
    chunk[end++] = BACKSLASH
    from = i + 1
  }
  chunk.set(json.subarray(from), end)
  return end + json.length - from
}

/** The Postgres type of a column, as far as the text encoding cares. */
export type CopyType = 'int' | 'bigint' | 'boolean' | 'text' | 'timestamptz' | 'text[]' | 'jsonb'

/**
 * One row as a line of COPY text format (tab-separated, `\N` for NULL, newline-terminated): the
 * bytes `copyChunks` writes for it, as a string.
 */
export function copyLine(values: readonly unknown[], types: readonly CopyType[]): string {
  let line = ''
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t'
    line += copyField(values[i], types[i] ?? 'text')
  }
  return `${line}\n`
}

export function copyField(value: unknown, type: CopyType): string {
  if (value === null || value === undefined) return '\\N'
  switch (type) {
    case 'boolean':
      return value ? 't' : 'f'
    case 'int':
    case 'bigint':
      return String(value)
    case 'text[]':
      return escapeCopy(arrayLiteral(value as readonly (string | null)[]))
    case 'jsonb': {
      // UTF-8 bytes are JSON text already made (an article's document: serialized once, by the
      // transform); anything else is serialized here. JSON text never holds a raw newline, CR or
      // tab (JSON.stringify writes them as \n, \r, \t): of the four characters COPY escapes, only
      // its backslashes need doubling.
      const json = Buffer.isBuffer(value) ? value.toString('utf8') : JSON.stringify(value)
      return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json
    }
    default:
      return escapeCopy(String(value))
  }
}

const SPECIAL = /[\\\n\r\t]/

/**
 * Backslash, newline, carriage return and tab are the only characters COPY text format escapes.
 * One native replaceAll per character present (backslash first), not a callback per match: every
 * document's JSON has backslashes (1.6× faster on 2,000 bench articles' documents and bodies).
 */
export function escapeCopy(s: string): string {
  if (!SPECIAL.test(s)) return s
  let out = s.includes('\\') ? s.replaceAll('\\', '\\\\') : s
  if (out.includes('\n')) out = out.replaceAll('\n', '\\n')
  if (out.includes('\r')) out = out.replaceAll('\r', '\\r')
  if (out.includes('\t')) out = out.replaceAll('\t', '\\t')
  return out
}

/** A Postgres array literal with every element quoted: `{"a","b \"c\""}`. */
export function arrayLiteral(items: readonly (string | null)[]): string {
  return `{${items.map((x) => (x === null ? 'NULL' : `"${x.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`
}

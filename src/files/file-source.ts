import { open, stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { ConfigError } from '../errors.js'

/** Where a file's bytes come from: a folder (the old site's files directory) or its web server. */
export interface FileSource {
  readonly description: string
  /** A readable stream of the file at `path` (relative, as after `public://`). */
  open(path: string): Promise<Readable>
  /**
   * The file's size in bytes, or null when it is not there (a dry run's question; nothing is read).
   * 0 when an http server does not say (no Content-Length).
   */
  sizeOf(path: string): Promise<number | null>
}

/** The source has no such file (ENOENT, HTTP 404/410): reported as missing, never retried. */
export class MissingFileError extends Error {
  override readonly name = 'MissingFileError'
}

/** A failure worth another try: a server error, a reset connection, a timeout. */
export class TransientFileError extends Error {
  override readonly name = 'TransientFileError'
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EMFILE'])

/** Whether a copy that failed with `error` may succeed when tried again. */
export function isTransientCopyError(error: unknown): boolean {
  if (error instanceof TransientFileError) return true
  const e = error as { code?: unknown; $metadata?: { httpStatusCode?: number }; name?: unknown }
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) return true
  const status = e?.$metadata?.httpStatusCode
  return typeof status === 'number' && (status >= 500 || status === 429)
}

/**
 * A usage error unless `from` is a URL or an existing folder: a mistyped folder would otherwise
 * report every file missing.
 */
export async function requireSourceFolder(flag: string, from: string): Promise<void> {
  if (/^https?:\/\//i.test(from)) return
  const found = await stat(from).catch(() => null)
  if (!found?.isDirectory()) {
    throw new ConfigError(
      `${flag} ${from}: ${found ? 'a file, not a folder' : 'no such folder'}; give the old site's files folder (e.g. /var/www/drupal/sites/default/files) or its http(s) URL`,
    )
  }
}

/** `--from`: an http(s) base URL or a folder. */
export function openFileSource(from: string): FileSource {
  return /^https?:\/\//i.test(from) ? httpSource(from) : directorySource(from)
}

function directorySource(dir: string): FileSource {
  const root = resolve(dir)
  const fileOf = (path: string) => {
    const file = resolve(root, path)
    const inside = relative(root, file)
    if (inside.startsWith('..') || isAbsolute(inside)) {
      throw new Error(`the path leaves the source folder (${path}); not read`)
    }
    return file
  }
  return {
    description: root,
    async sizeOf(path) {
      const found = await stat(fileOf(path)).catch(() => null)
      return found?.isFile() ? found.size : null
    },
    async open(path) {
      const file = fileOf(path)
      try {
        const handle = await open(file, 'r')
        return handle.createReadStream()
      } catch (error) {
        const code = (error as { code?: string }).code
        if (code === 'ENOENT' || code === 'ENOTDIR') throw new MissingFileError(`no file ${file}`)
        if (code === 'EISDIR') throw new MissingFileError(`${file} is a folder, not a file`)
        throw error
      }
    },
  }
}

function httpSource(base: string): FileSource {
  const prefix = base.replace(/\/+$/, '')
  const urlOf = (path: string) => `${prefix}/${path.split('/').map(encodeSegment).join('/')}`
  return {
    description: prefix,
    async sizeOf(path) {
      const response = await fetch(urlOf(path), { method: 'HEAD', redirect: 'follow' })
      return response.ok ? Number(response.headers.get('content-length') ?? 0) || 0 : null
    },
    async open(path) {
      const url = urlOf(path)
      let response: Response
      try {
        response = await fetch(url, { redirect: 'follow' })
      } catch (cause) {
        throw new TransientFileError(`GET ${url}: ${(cause as Error).message}`, { cause })
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel()
        throw new MissingFileError(`GET ${url}: HTTP ${response.status}`)
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel()
        const message = `GET ${url}: HTTP ${response.status}`
        throw response.status >= 500 || response.status === 429
          ? new TransientFileError(message)
          : new Error(message)
      }
      return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)
    },
  }
}

/** A file name as its URL spells it: file_managed holds the name on disk, `%` included. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment)
}

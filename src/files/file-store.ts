import { createHash } from 'node:crypto'
import { constants, createReadStream, createWriteStream } from 'node:fs'
import { access, mkdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { S3ClientConfig } from '@aws-sdk/client-s3'
import { ConfigError } from '../errors.js'
import { makeFolders } from '../report/run-report.js'
import type { Digest } from './tally.js'

/** Where copied files go: a folder or an S3 bucket (with a key prefix). */
export interface FileStore {
  readonly description: string
  /** Part size of multipart uploads (the tally computes the ETag S3 will report for them). */
  readonly partSize: number
  /** The stored object's size, or null when there is none. */
  sizeOf(key: string): Promise<number | null>
  /**
   * Store `body` under `key`, then check what was stored against `digest()` (called once the body
   * has ended). Nothing is visible under `key` unless the whole file was written; a check that
   * fails throws {@link StoredFileMismatchError}.
   */
  put(key: string, body: Readable, contentType: string, digest: () => Digest): Promise<void>
  close(): Promise<void>
}

/** The stored object is not what was read from the source (size or checksum differ). */
export class StoredFileMismatchError extends Error {
  override readonly name = 'StoredFileMismatchError'
}

const S3_PART_SIZE = 8 * 1024 * 1024

/** Connection settings for an S3 target beyond the bucket: another endpoint (MinIO, R2, tests). */
export interface S3Settings {
  readonly endpoint?: string
  readonly region?: string
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string }
}

/**
 * `--to`: `s3://bucket/prefix` or a folder. The AWS SDK is loaded only for an S3 target. A folder
 * is created (unless `dryRun`) and must be writable before the first file: otherwise every file
 * would fail on its own (ENOTDIR once per file, retried with backoff).
 */
export async function openFileStore(to: string, s3: S3Settings = {}, dryRun = false): Promise<FileStore> {
  if (/^s3:\/\//i.test(to)) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(to)
    if (!m?.[1]) throw new ConfigError(`--to ${to}: name a bucket, e.g. s3://my-bucket/files`)
    return s3Store(m[1], (m[2] ?? '').replace(/\/+$/, ''), s3)
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(to)) {
    throw new ConfigError(`--to ${to}: give a folder or s3://bucket/prefix`)
  }
  await requireWritableFolder(to, dryRun)
  return directoryStore(to)
}

/** A usage error unless `dir` is (or, created, would be) a folder dhm can write to. */
async function requireWritableFolder(dir: string, dryRun: boolean): Promise<void> {
  const root = resolve(dir)
  const refuse = (reason: string, cause?: unknown) =>
    new ConfigError(
      `--to ${dir}: cannot write there (${reason}); give a folder dhm can create or write to, or s3://bucket/prefix`,
      { cause },
    )
  // The nearest existing path: it must be a folder (a dry run creates nothing, a run creates the rest).
  let existing = root
  while (!(await stat(existing).catch(() => null))) existing = dirname(existing)
  if (!(await stat(existing)).isDirectory()) throw refuse(`${existing} is a file, not a folder`)
  try {
    await access(existing, constants.W_OK)
    if (!dryRun) await makeFolders(root)
  } catch (cause) {
    throw refuse((cause as { code?: string }).code ?? String(cause), cause)
  }
}

function directoryStore(dir: string): FileStore {
  const root = resolve(dir)
  return {
    description: root,
    partSize: Number.MAX_SAFE_INTEGER,
    async sizeOf(key) {
      try {
        return (await stat(join(root, key))).size
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return null
        throw error
      }
    },
    async put(key, body, _contentType, digest) {
      const final = join(root, key)
      // Written beside its final name and renamed only once checked: a kill -9 leaves a
      // `.dhm-partial` file (replaced by the next run), never a partial file under the key.
      const partial = `${final}.dhm-partial`
      await mkdir(dirname(final), { recursive: true })
      try {
        await pipeline(body, createWriteStream(partial))
        const sent = digest()
        const stored = await hashFile(partial)
        if (stored.size !== sent.size || stored.sha256 !== sent.sha256) {
          throw new StoredFileMismatchError(
            `${final}: wrote ${sent.size} bytes (sha256 ${sent.sha256.slice(0, 12)}…), ` +
              `read back ${stored.size} (sha256 ${stored.sha256.slice(0, 12)}…)`,
          )
        }
        await rename(partial, final)
      } catch (error) {
        await rm(partial, { force: true })
        throw error
      }
    },
    async close() {},
  }
}

async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return { size, sha256: hash.digest('hex') }
}

async function s3Store(bucket: string, prefix: string, settings: S3Settings): Promise<FileStore> {
  const { HeadObjectCommand, NotFound, S3Client } = await import('@aws-sdk/client-s3')
  const { Upload } = await import('@aws-sdk/lib-storage')
  const config: S3ClientConfig = {
    region: settings.region ?? process.env.AWS_REGION ?? 'us-east-1',
    // Checksums only where S3 requires them: the file's own sha256 is computed by dhm, and
    // S3-compatible servers (MinIO versions, s3rver) reject the SDK's streaming trailer checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  }
  const client = new S3Client(config)
  const fullKey = (key: string) => (prefix ? `${prefix}/${key}` : key)
  const head = async (key: string) => {
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: fullKey(key) }))
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return null
      throw error
    }
  }
  return {
    description: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
    partSize: S3_PART_SIZE,
    async sizeOf(key) {
      const h = await head(key)
      return h ? Number(h.ContentLength ?? 0) : null
    },
    async put(key, body, contentType, digest) {
      // One PUT below the part size, else a multipart upload; either way the object appears only
      // when complete (an abandoned multipart upload is never an object).
      await new Upload({
        client,
        params: { Bucket: bucket, Key: fullKey(key), Body: body, ContentType: contentType },
        partSize: S3_PART_SIZE,
        queueSize: 2,
      }).done()
      const sent = digest()
      const stored = await head(key)
      const etag = stored?.ETag?.replace(/"/g, '')
      const size = stored ? Number(stored.ContentLength ?? -1) : -1
      // A multipart object's ETag is md5-of-part-md5s-N on S3 (s3rver reports the whole file's md5).
      if (size !== sent.size || (etag !== sent.md5 && etag !== sent.multipartEtag)) {
        throw new StoredFileMismatchError(
          `s3://${bucket}/${fullKey(key)}: sent ${sent.size} bytes (md5 ${sent.md5}), ` +
            `stored ${size} bytes (ETag ${etag ?? 'none'})`,
        )
      }
    },
    async close() {
      client.destroy()
    },
  }
}

import { createHash, type Hash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'

/** Bytes of a file's start kept for reading image dimensions from its header. */
const HEAD_BYTES = 256 * 1024

/** What a file's bytes were, computed as they streamed past. */
export interface Digest {
  readonly sha256: string
  readonly size: number
  /** md5 of the whole file (an S3 single-part ETag). */
  readonly md5: string
  /** md5 of the part md5s + `-N` (an S3 multipart ETag for parts of `partSize`); null for one part. */
  readonly multipartEtag: string | null
  /** The first bytes, for image-size. */
  readonly head: Buffer
}

/**
 * A pass-through stream that hashes what flows through it (sha256, md5, md5 per S3 part) and keeps
 * the first bytes: a file is checked without ever being held in memory or read twice from its source.
 */
export class Tally extends Transform {
  private readonly sha = createHash('sha256')
  private readonly md5 = createHash('md5')
  private part: Hash = createHash('md5')
  private partFill = 0
  private readonly partDigests: Buffer[] = []
  private readonly headChunks: Buffer[] = []
  private headFill = 0
  // Not `size`: lib-storage reads a body's `size` as its length.
  private byteCount = 0
  private done: Digest | null = null

  constructor(private readonly partSize: number) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.sha.update(chunk)
    this.md5.update(chunk)
    this.byteCount += chunk.length
    if (this.headFill < HEAD_BYTES) {
      const take = chunk.subarray(0, HEAD_BYTES - this.headFill)
      this.headChunks.push(take)
      this.headFill += take.length
    }
    let rest = chunk
    while (rest.length > 0) {
      const take = rest.subarray(0, this.partSize - this.partFill)
      this.part.update(take)
      this.partFill += take.length
      rest = rest.subarray(take.length)
      if (this.partFill === this.partSize) {
        this.partDigests.push(this.part.digest())
        this.part = createHash('md5')
        this.partFill = 0
      }
    }
    done(null, chunk)
  }

  /** Call once the stream has ended; the same answer every time. */
  digest(): Digest {
    this.done ??= this.finish()
    return this.done
  }

  private finish(): Digest {
    if (this.partFill > 0 || this.partDigests.length === 0) this.partDigests.push(this.part.digest())
    const parts = this.partDigests.length
    return {
      sha256: this.sha.digest('hex'),
      size: this.byteCount,
      md5: this.md5.digest('hex'),
      multipartEtag:
        parts > 1
          ? `${createHash('md5').update(Buffer.concat(this.partDigests)).digest('hex')}-${parts}`
          : null,
      head: Buffer.concat(this.headChunks),
    }
  }
}

/**
 * Pull the next items of an async iterable while the caller is still busy with the current one:
 * a bounded queue of `depth` (default one). Reading the next batches from MariaDB overlaps writing
 * this one to Postgres, and memory stays bounded (at most `depth + 1` batches in flight). The source
 * is pulled strictly one item at a time (never two `next()` calls at once), so a generator that
 * holds one connection stays correct.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  const queue: T[] = []
  let done = false
  let failure: { error: unknown } | null = null
  let wake: (() => void) | null = null
  let space: (() => void) | null = null
  let stopped = false

  const signal = () => {
    const w = wake
    wake = null
    w?.()
  }
  // The producer runs ahead on its own until the queue is full, then waits for the consumer.
  const producer = (async () => {
    try {
      while (!stopped) {
        if (queue.length >= depth) {
          await new Promise<void>((resolve) => {
            space = resolve
          })
          continue
        }
        const r = await it.next()
        if (r.done) break
        queue.push(r.value)
        signal()
      }
    } catch (error) {
      failure = { error }
    } finally {
      done = true
      signal()
    }
  })()

  try {
    while (true) {
      if (queue.length > 0) {
        const value = queue.shift() as T
        const s = space as (() => void) | null
        space = null
        s?.()
        yield value
        continue
      }
      if (failure) throw (failure as { error: unknown }).error
      if (done) return
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  } finally {
    stopped = true
    const s = space as (() => void) | null
    space = null
    s?.()
    await producer
    if (!failure) await it.return?.()
  }
}

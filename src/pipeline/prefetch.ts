/**
 * Pull the next item of an async iterable while the caller is still busy with the current one:
 * a bounded queue of one. Reading the next batch from MariaDB overlaps writing this one to Postgres,
 * and memory stays bounded (at most two batches in flight).
 */
export async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  let next = it.next()
  // Keep a rejection from surfacing as unhandled while the caller works; it is re-thrown on await.
  next.catch(() => undefined)
  try {
    while (true) {
      const current = await next
      if (current.done) return
      next = it.next()
      next.catch(() => undefined)
      yield current.value
    }
  } finally {
    await it.return?.()
  }
}

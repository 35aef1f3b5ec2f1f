/**
 * Lines written to stdout with back-pressure, for commands that stream (`dhm export`). When the
 * reader goes away (`dhm export | head -1` closes the pipe), writing stops quietly, as Unix tools
 * do, instead of dying of an unhandled EPIPE: `write` returns false and the command ends (exit 0).
 */
export interface StdoutLines {
  /** Write one line (its newline included); false once the reader has gone. */
  write(line: string): Promise<boolean>
  /** Stop listening for errors on stdout. */
  close(): void
}

export function openStdoutLines(stdout: NodeJS.WriteStream = process.stdout): StdoutLines {
  let gone = false
  let failure: Error | null = null
  let wake: (() => void) | null = null
  const onError = (error: NodeJS.ErrnoException) => {
    // After EPIPE, later writes fail with ERR_STREAM_DESTROYED: the same closed pipe.
    if (!gone && error.code !== 'EPIPE') failure = error
    gone = true
    wake?.()
  }
  stdout.on('error', onError)
  // Woken by 'drain', or by the error that means no 'drain' will come.
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        stdout.off('drain', done)
        wake = null
        resolve()
      }
      wake = done
      stdout.on('drain', done)
    })
  return {
    async write(line) {
      if (failure) throw failure
      if (gone) return false
      if (!stdout.write(line)) await drained()
      if (failure) throw failure
      return !gone
    },
    close() {
      stdout.off('error', onError)
    },
  }
}

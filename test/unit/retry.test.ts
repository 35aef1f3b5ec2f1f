import { describe, expect, it } from 'vitest'
import { TargetError } from '../../src/errors.js'
import {
  isTransientTargetError,
  RetriesExhaustedError,
  retryTargetBatch,
  withRetry,
} from '../../src/pipeline/retry.js'

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code })

describe('isTransientTargetError', () => {
  it.each([
    { name: 'admin shutdown (pg_terminate_backend)', input: pgError('57P01'), expected: true },
    { name: 'crash shutdown', input: pgError('57P02'), expected: true },
    { name: 'cannot connect now (starting up)', input: pgError('57P03'), expected: true },
    { name: 'connection failure', input: pgError('08006'), expected: true },
    { name: 'connection does not exist', input: pgError('08003'), expected: true },
    { name: 'serialization failure', input: pgError('40001'), expected: true },
    { name: 'deadlock', input: pgError('40P01'), expected: true },
    { name: 'socket reset', input: pgError('ECONNRESET'), expected: true },
    { name: 'server down', input: pgError('ECONNREFUSED'), expected: true },
    {
      name: 'wrapped in a TargetError',
      input: new TargetError('the target Postgres at x: 57P01', { cause: pgError('57P01') }),
      expected: true,
    },
    {
      name: 'socket closed, no code',
      input: new Error('Connection terminated unexpectedly'),
      expected: true,
    },
    { name: 'unique violation', input: pgError('23505'), expected: false },
    { name: 'undefined table', input: pgError('42P01'), expected: false },
    { name: 'auth failure', input: pgError('28P01'), expected: false },
    { name: 'plain bug', input: new TypeError('x is undefined'), expected: false },
  ])('$name → $expected', ({ input, expected }) => {
    expect(isTransientTargetError(input)).toBe(expected)
  })
})

describe('withRetry', () => {
  const failing = (errors: unknown[]) => {
    let calls = 0
    return {
      fn: async () => {
        const e = errors[calls++]
        if (e) throw e
        return calls
      },
      calls: () => calls,
    }
  }

  it('retries transient errors with exponential backoff, then succeeds', async () => {
    const f = failing([pgError('57P01'), pgError('ECONNRESET')])
    const waits: number[] = []
    const result = await withRetry(f.fn, {
      baseMs: 1,
      isTransient: isTransientTargetError,
      onRetry: ({ delayMs }) => waits.push(delayMs),
    })
    expect(result).toBe(3)
    expect(waits).toEqual([1, 2])
  })

  it('does not retry other errors', async () => {
    const f = failing([pgError('23505')])
    await expect(withRetry(f.fn, { baseMs: 1, isTransient: isTransientTargetError })).rejects.toThrow('boom')
    expect(f.calls()).toBe(1)
  })

  it('gives up after the last attempt with the last error as cause', async () => {
    const last = pgError('57P03', 'the database system is starting up')
    const f = failing([pgError('57P01'), pgError('57P01'), last])
    const error = await withRetry(f.fn, {
      attempts: 3,
      baseMs: 1,
      isTransient: isTransientTargetError,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetriesExhaustedError)
    expect((error as Error).message).toBe('failed 3 time(s): the database system is starting up')
    expect((error as Error).cause).toBe(last)
    expect(f.calls()).toBe(3)
  })
})

describe('retryTargetBatch', () => {
  const url = 'postgresql://app:secret@db.example:5432/site'

  it('logs each retry as a phase event and stops with a message saying how to resume', async () => {
    const events: string[] = []
    const killed = () =>
      new TargetError('the target Postgres at x: 57P01', {
        cause: pgError('57P01', 'terminating connection due to administrator command'),
      })
    const error = await retryTargetBatch(
      async () => {
        throw killed()
      },
      {
        command: 'migrate',
        targetUrl: url,
        emit: (e) => events.push(e.kind === 'phase' ? e.message : e.kind),
      },
      { baseMs: 1 },
    ).catch((e: unknown) => e)
    expect(events).toEqual([
      'target connection lost during a batch (57P01 terminating connection due to administrator command); retrying in 0.0s (attempt 2 of 4)',
      'target connection lost during a batch (57P01 terminating connection due to administrator command); retrying in 0.0s (attempt 3 of 4)',
      'target connection lost during a batch (57P01 terminating connection due to administrator command); retrying in 0.0s (attempt 4 of 4)',
    ])
    expect(error).toBeInstanceOf(TargetError)
    expect((error as Error).message).toBe(
      'the target Postgres at postgresql://app:***@db.example:5432/site failed 4 times in a row ' +
        '(57P01 terminating connection due to administrator command); rerun dhm migrate to resume: committed batches are kept',
    )
  })

  it('passes other errors through untouched, on the first try', async () => {
    const bad = pgError('23505', 'duplicate key')
    let calls = 0
    const error = await retryTargetBatch(
      async () => {
        calls++
        throw bad
      },
      { command: 'sync', targetUrl: url, emit: () => undefined },
    ).catch((e: unknown) => e)
    expect(error).toBe(bad)
    expect(calls).toBe(1)
  })
})

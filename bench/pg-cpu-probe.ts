/**
 * Where Postgres' CPU goes during one `dhm migrate` into a fresh, empty target (issue #19 §3), and
 * what the write ceiling (bench/write-ceiling.ts) costs Postgres for the same rows. Unlike
 * bench/cpu-probe.ts (whole-server CPU from /proc, other sessions' work included), this counts only
 * the processes of the run's own database: its backends (the run's connections, sampled from /proc
 * every 50 ms by their command line, which names the database) and autovacuum workers on it; the
 * server's shared processes (WAL writer, checkpointer, background writer) are printed apart, as
 * whole-server figures.
 *
 *   npx tsx bench/pg-cpu-probe.ts --source mysql://root@127.0.0.1:3306/dhm_probe_10k [--runs 3]
 *     [--prepare 'SQL run on the target after its migrations, before the run'] [--ceiling]
 *     [--by-statement] [--dhm ../other-checkout/bin/dhm.js]
 *
 * `--prepare` is for experiments (switch a trigger off, change a column's compression; the
 * migrations are then applied first, by this checkout); `--ceiling` also COPYs the migrated articles,
 * denormalized, into an unlogged table and reports that backend's CPU (the write ceiling of the same
 * rows); `--by-statement` prints where the backends' CPU went, statement by statement (stderr).
 * One JSON line per run.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { applyMigrations } from '../src/load/schema-migrations.ts'
import { LZ4_AVAILABLE, SET_LZ4 } from '../src/load/toast-compression.ts'
import { DENORMALIZED } from './write-ceiling.ts'

const argv = await yargs(hideBin(process.argv))
  .option('source', { type: 'string', demandOption: true })
  .option('postgres', { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432' })
  .option('mapping', { type: 'string', default: 'mappings/bne.yaml' })
  .option('runs', { type: 'number', default: 1 })
  .option('dhm', {
    type: 'string',
    default: 'bin/dhm.js',
    describe: "the CLI to run (another checkout's bin/dhm.js, for a before/after comparison)",
  })
  .option('prepare', { type: 'string', describe: 'SQL run on the migrated, empty target before the run' })
  .option('ceiling', { type: 'boolean', default: false })
  .option('by-statement', {
    type: 'boolean',
    default: false,
    describe: "attribute the backends' CPU to the statement pg_stat_activity shows (sampled every 20 ms)",
  })
  .option('keep', { type: 'boolean', default: false, describe: 'keep the target database' })
  .option('extra', {
    type: 'array',
    string: true,
    default: [] as string[],
    describe: 'more dhm migrate flags',
  })
  .strict()
  .parseAsync()

const TICKS = 100

interface Proc {
  readonly kind: string
  cpu: number
}

function readProc(pid: string): { comm: string; cmd: string; cpu: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    if (comm !== 'postgres') return null
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
    return { comm, cmd, cpu: (Number(f[11]) + Number(f[12])) / TICKS }
  } catch {
    return null
  }
}

/** Samples the CPU of Postgres processes: per pid, the last value seen, with the value at start. */
class Sampler {
  private readonly start = new Map<string, number>()
  private readonly seen = new Map<string, Proc>()
  private timer: NodeJS.Timeout | null = null
  constructor(private readonly db: string) {}
  begin(): void {
    for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      const p = readProc(pid)
      if (p) this.start.set(pid, p.cpu)
    }
    this.sample()
    this.timer = setInterval(() => this.sample(), 50)
  }
  private sample(): void {
    for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      const p = readProc(pid)
      if (!p) continue
      const kind = this.kindOf(p.cmd)
      if (kind === null) continue
      const prev = this.seen.get(pid)
      if (prev) prev.cpu = p.cpu
      else this.seen.set(pid, { kind, cpu: p.cpu })
    }
  }
  private kindOf(cmd: string): string | null {
    if (cmd.includes(` ${this.db} `) || cmd.endsWith(` ${this.db}`)) {
      return cmd.includes('autovacuum') ? 'autovacuum' : 'backend'
    }
    for (const k of ['walwriter', 'checkpointer', 'background writer', 'autovacuum launcher']) {
      if (cmd.includes(k)) return k
    }
    return null
  }
  pids(kind: string): string[] {
    return [...this.seen].filter(([, p]) => p.kind === kind).map(([pid]) => pid)
  }
  end(): Record<string, number> {
    if (this.timer) clearInterval(this.timer)
    this.sample()
    const out: Record<string, number> = {}
    for (const [pid, p] of this.seen) {
      out[p.kind] = (out[p.kind] ?? 0) + p.cpu - (this.start.get(pid) ?? 0)
    }
    return out
  }
}

/**
 * A statement-level sampling profile of the run's backends: every 20 ms, each backend's CPU since the
 * previous sample goes to the statement pg_stat_activity shows for it (its first 90 characters,
 * whitespace squeezed; 'idle' between statements).
 */
class StatementSampler {
  private readonly totals = new Map<string, number>()
  private readonly last = new Map<number, number>()
  private running = true
  private done: Promise<void> = Promise.resolve()
  private constructor(
    private readonly client: pg.Client,
    private readonly db: string,
  ) {}
  static async start(db: string): Promise<StatementSampler> {
    const client = new pg.Client({ connectionString: `${argv.postgres}/postgres` })
    await client.connect()
    const s = new StatementSampler(client, db)
    s.done = s.loop()
    return s
  }
  private async loop(): Promise<void> {
    while (this.running) {
      const { rows } = await this.client.query<{ pid: number; state: string | null; query: string }>(
        `SELECT pid, state, query FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`,
        [this.db],
      )
      for (const r of rows) {
        const cpu = readProc(String(r.pid))?.cpu
        if (cpu === undefined) continue
        const prev = this.last.get(r.pid)
        this.last.set(r.pid, cpu)
        if (prev === undefined) continue
        const key = r.state === 'active' ? r.query.replace(/\s+/g, ' ').trim().slice(0, 90) : `(${r.state})`
        this.totals.set(key, (this.totals.get(key) ?? 0) + cpu - prev)
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  async stop(): Promise<Map<string, number>> {
    this.running = false
    await this.done
    await this.client.end()
    return this.totals
  }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

const admin = (sql: string) => withClient(`${argv.postgres}/postgres`, (c) => c.query(sql))

/** The write ceiling of a migrated target's articles: COPY them into an unlogged table, backend CPU. */
async function writeCeiling(url: string, file: string): Promise<{ cpuS: number; seconds: number }> {
  return withClient(url, async (c) => {
    await c.query('DROP TABLE IF EXISTS bench_article_shape')
    await c.query(`CREATE UNLOGGED TABLE bench_article_shape AS ${DENORMALIZED} LIMIT 0`)
    const { createWriteStream, createReadStream } = await import('node:fs')
    await pipeline(c.query(copyTo(`COPY (${DENORMALIZED}) TO STDOUT`)), createWriteStream(file))
    const { rows: lz4 } = await c.query<{ lz4: boolean | null }>(LZ4_AVAILABLE)
    if (lz4[0]?.lz4) await c.query(SET_LZ4)
    await c.query('CREATE UNLOGGED TABLE bench_write_ceiling (LIKE bench_article_shape)')
    const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    const pid = String(rows[0]?.pid)
    const before = readProc(pid)?.cpu ?? 0
    const started = performance.now()
    await pipeline(
      createReadStream(file, { highWaterMark: 1 << 20 }),
      c.query(copyFrom('COPY bench_write_ceiling FROM STDIN')),
    )
    const seconds = (performance.now() - started) / 1000
    const cpuS = (readProc(pid)?.cpu ?? 0) - before
    await c.query('DROP TABLE bench_write_ceiling, bench_article_shape')
    return { cpuS, seconds }
  })
}

const target = `dhm_pgside_${process.pid}`
const targetUrl = `${argv.postgres}/${target}`
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dhm-pgprobe-'))
try {
  for (let run = 0; run < argv.runs; run++) {
    await admin(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`)
    await admin(`CREATE DATABASE ${target}`)
    if (argv.prepare) {
      // The schema first (as the run would make it), then the experiment's change to it.
      const pool = new pg.Pool({ connectionString: targetUrl, max: 1 })
      await applyMigrations(pool, { log: () => undefined })
      await pool.query(argv.prepare)
      await pool.end()
    }
    const timeFile = path.join(tmp, 'time.txt')
    const args = [
      '-f',
      '%e %M %U %S',
      '-o',
      timeFile,
      process.execPath,
      argv.dhm,
      'migrate',
      '--source',
      argv.source,
      '--target',
      targetUrl,
      '--mapping',
      argv.mapping,
      '--json',
      '--quiet',
      '--reports-dir',
      tmp,
      ...argv.extra,
    ]
    const sampler = new Sampler(target)
    sampler.begin()
    const statements = argv.byStatement ? await StatementSampler.start(target) : null
    const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)))
    const cpu = sampler.end()
    const byStatement = statements ? await statements.stop() : null
    if (code !== 0) throw new Error(`dhm migrate exited ${code}`)
    const [wall, , user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ') ?? []
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { read?: number }
    const read = Number(out.read ?? Number.NaN)
    const us = (s: number | undefined) => Math.round(((s ?? 0) * 1e6) / read)
    if (byStatement) {
      const total = [...byStatement.values()].reduce((a, b) => a + b, 0)
      for (const [sql, s] of [...byStatement].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
        process.stderr.write(
          `${String(us(s)).padStart(6)} µs ${((100 * s) / total).toFixed(1).padStart(5)}%  ${sql}\n`,
        )
      }
    }
    // Sorts, hashes and trigger transition tables that did not fit in work_mem went to temp files.
    const temp = await withClient(targetUrl, async (c) => {
      const { rows } = await c.query<{ files: string; bytes: string }>(
        'SELECT temp_files AS files, temp_bytes AS bytes FROM pg_stat_database WHERE datname = current_database()',
      )
      return { files: Number(rows[0]?.files ?? 0), mb: Math.round(Number(rows[0]?.bytes ?? 0) / 1e6) }
    })
    const ceiling = argv.ceiling ? await writeCeiling(targetUrl, path.join(tmp, 'articles.copy')) : null
    process.stdout.write(
      `${JSON.stringify({
        articles: read,
        wallS: Number(wall),
        dhmUs: us(Number(user) + Number(sys)),
        pgBackendUs: us(cpu.backend),
        pgAutovacuumUs: us(cpu.autovacuum),
        tempFiles: temp.files,
        tempMb: temp.mb,
        serverWalwriterUs: us(cpu.walwriter),
        serverCheckpointerUs: us(cpu.checkpointer),
        serverBgwriterUs: us(cpu['background writer']),
        ...(ceiling ? { ceilingUs: us(ceiling.cpuS), ceilingS: Number(ceiling.seconds.toFixed(2)) } : {}),
        load: Number(os.loadavg()[0]?.toFixed(1)),
        backendPids: sampler.pids('backend').join(','),
      })}\n`,
    )
  }
} finally {
  if (!argv.keep) await admin(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`)
  rmSync(tmp, { recursive: true, force: true })
}

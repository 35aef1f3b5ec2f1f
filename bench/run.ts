/**
 * The benchmark of issue #6: `dhm` against the naive query and against the hardware, side by side.
 *
 *   npm run bench -- --articles 100000 [--runs 3] [--naive-sample 2000] [--steps migrate,verify]
 *
 * 1. generates (or reuses) the legacy database `dhm_bench_<N>` (reused when its marker — articles,
 *    seed, a hash of the generator's sources — matches);
 * 2. measures each step `--runs` times as a child process (wall seconds, peak RSS via /usr/bin/time
 *    or /proc polling, CPU seconds): naive baseline (a sample, extrapolated), read ceiling, write
 *    ceiling, `dhm migrate` into an empty target, `dhm migrate` again (unchanged), the two peers of
 *    issue #19 (pgloader copying the same source tables; Postgres pulling them through mysql_fdw and
 *    building the articles in one `INSERT … SELECT`), `dhm verify`, `dhm sync` with no changes and
 *    with 1% of articles changed (the bench plays the editors: it edits its own fixture database,
 *    never the tool); with `--steps workers`, `dhm migrate --workers N` for each N of `--workers`
 *    (default 1,2,4) and the single-process migrate, interleaved, each into an empty target, with
 *    the CPU of every dhm process (coordinator and workers) and of the database servers on this
 *    run's databases only (bench/db-cpu.ts); it never writes to the source;
 * 3. appends a section with medians, spreads, ratios and the targets of #19 to bench/RESULTS.md, raw
 *    JSON to bench/out/.
 *
 * The bench installs nothing: a peer whose package is missing is skipped, with the apt command.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import mysql from 'mysql2/promise'
import pg from 'pg'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { generateFixture } from '../src/fixture/generate-fixture.ts'
import { type DbCpu, startDbCpuSampler } from './db-cpu.ts'
import { FDW_PACKAGE, hasMysqlFdw } from './fdw.ts'
import {
  compareRowCounts,
  hasPgloader,
  PGLOADER_HEAP_MB,
  PGLOADER_PACKAGE,
  pgloaderArgs,
  pgloaderCommand,
} from './pgloader.ts'
import { involvedTables } from './source-tables.ts'
import { exportDenormalized } from './write-ceiling.ts'

const DEFAULT_STEPS = [
  'naive',
  'read',
  'write',
  'migrate',
  'remigrate',
  'pgloader',
  'fdw',
  'verify',
  'sync',
] as const
const STEPS = [...DEFAULT_STEPS, 'workers'] as const
type Step = (typeof STEPS)[number]

const argv = await yargs(hideBin(process.argv))
  .scriptName('bench')
  .option('articles', { type: 'number', default: 100_000, describe: 'articles in the fixture' })
  .option('runs', { type: 'number', default: 3, describe: 'repetitions of every step' })
  .option('seed', { type: 'number', default: 1 })
  .option('naive-sample', { type: 'number', default: 2000, describe: 'articles the naive baseline runs' })
  .option('changed-pct', { type: 'number', default: 1, describe: 'articles edited before the 2nd sync' })
  .option('batch-size', { type: 'number', describe: 'passed to dhm migrate' })
  .option('steps', {
    type: 'string',
    default: DEFAULT_STEPS.join(','),
    describe: `subset of ${STEPS.join(',')} (workers only when named)`,
  })
  .option('workers', { type: 'string', default: '1,2,4', describe: 'worker counts of the workers step' })
  .option('target', {
    type: 'string',
    describe: 'Postgres database the dhm steps write (default: the fixture name)',
  })
  .option('generate', {
    type: 'boolean',
    default: true,
    describe: 'generate the fixture if missing or stale (--no-generate: use it as it is, read-only)',
  })
  .option('mysql', { type: 'string', default: 'mysql://root@127.0.0.1:3306' })
  .option('postgres', { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432' })
  .option('mapping', { type: 'string', default: 'mappings/bne.yaml' })
  .option('append', { type: 'boolean', default: true, describe: 'append to bench/RESULTS.md (--no-append)' })
  .strict()
  .help()
  .parseAsync()

const N = argv.articles
const runs = Math.max(1, argv.runs)
const steps = new Set(argv.steps.split(',').map((s) => s.trim()) as Step[])
if (!argv.generate && steps.has('sync')) {
  throw new Error(
    '--no-generate leaves the fixture untouched: the sync step edits it, leave it out of --steps',
  )
}
const workerCounts = argv.workers
  .split(',')
  .map((w) => Number(w.trim()))
  .filter((w) => Number.isInteger(w) && w > 0)
const dbName = `dhm_bench_${N}`
const sourceUrl = `${argv.mysql}/${dbName}`
const targetDb = argv.target ?? dbName
const targetUrl = `${argv.postgres}/${targetDb}`
const naiveUrl = `${argv.postgres}/${dbName}_naive`
const pgloaderUrl = `${argv.postgres}/${dbName}_pgloader`
const fdwUrl = `${argv.postgres}/${dbName}_fdw`
const outDir = path.resolve('bench/out')
mkdirSync(outDir, { recursive: true })
const reportsDir = path.join(outDir, 'reports')
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)

// ---------------------------------------------------------------------------------------------
// Measuring a child process

interface Sample {
  readonly seconds: number
  readonly wall: number
  readonly peakRssMb: number
  readonly cpuSeconds: number
  /** CPU seconds the database servers spent during the step (whole servers: other sessions count too). */
  readonly mariadbCpu: number
  readonly postgresCpu: number
  /** The servers' CPU on this run's source and target databases only (bench/db-cpu.ts), when sampled. */
  readonly ownDbCpu?: DbCpu
  readonly load: number
  readonly output: Record<string, unknown>
}

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/**
 * CPU seconds used so far by the MariaDB server and by PostgreSQL (every backend, plus what exited
 * backends left in the postmaster's children counters), from /proc. NaN where there is no /proc.
 */
function serverCpu(): { mariadb: number; postgres: number } {
  let mariadb = 0
  let postgres = 0
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e))
  } catch {
    return { mariadb: Number.NaN, postgres: Number.NaN }
  }
  for (const pid of entries) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      continue
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    // Fields after the command: state is [0], utime [11], stime [12], cutime [13], cstime [14].
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const own = (Number(f[11]) + Number(f[12])) / TICKS
    const children = (Number(f[13]) + Number(f[14])) / TICKS
    if (comm === 'mariadbd' || comm === 'mysqld') mariadb += own
    else if (comm === 'postgres' || comm === 'postmaster') postgres += own + children
  }
  return { mariadb, postgres }
}

const TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p)) ?? null

/**
 * Run a command, return its JSON stdout line and resource use; `seconds` is what it reports itself.
 * `json: false`: a command that prints no JSON (pgloader); `seconds` is then the wall time.
 */
async function measure(
  cmd: string,
  args: readonly string[],
  {
    secondsKey = 'seconds',
    json = true,
    sampleDbs = false,
  }: { secondsKey?: string; json?: boolean; sampleDbs?: boolean } = {},
): Promise<Sample> {
  const load = os.loadavg()[0] ?? 0
  const timeFile = path.join(outDir, `time-${process.pid}.txt`)
  const [file, fileArgs] = TIME
    ? [TIME, ['-f', '%e %M %U %S', '-o', timeFile, cmd, ...args]]
    : [cmd, [...args]]
  // The command's pid, once spawned: the sampler counts only its (and its children's) connections.
  const measured: { pid?: number } = {}
  const sampler = sampleDbs
    ? await startDbCpuSampler({
        mysqlUrl: argv.mysql,
        postgresUrl: argv.postgres,
        sourceDb: dbName,
        targetDb,
        ticks: TICKS,
        rootPid: () => measured.pid,
      })
    : null
  const serversBefore = serverCpu()
  const started = performance.now()
  const child = spawn(file, fileArgs, { stdio: ['ignore', 'pipe', 'pipe'] })
  measured.pid = child.pid
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  // Without /usr/bin/time: poll the high-water mark of the process' resident set.
  let polledKb = 0
  const poll = TIME
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
          polledKb = Math.max(polledKb, Number(m?.[1] ?? 0))
        } catch {
          // the process has just exited
        }
      }, 50)
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)))
  if (poll) clearInterval(poll)
  const wall = (performance.now() - started) / 1000
  const serversAfter = serverCpu()
  const ownDbCpu = await sampler?.stop()
  if (code !== 0 && code !== 4) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}\n${stdout.slice(-500)}`)
  }
  const line = stdout.trim().split('\n').filter(Boolean).pop() ?? '{}'
  const output = json ? (JSON.parse(line) as Record<string, unknown>) : {}
  let peakKb = polledKb
  let cpu = Number.NaN
  if (TIME) {
    const [, maxKb, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ') ?? []
    peakKb = Number(maxKb)
    cpu = Number(user) + Number(sys)
    rmSync(timeFile, { force: true })
  }
  const seconds = typeof output[secondsKey] === 'number' ? (output[secondsKey] as number) : wall
  return {
    seconds,
    wall,
    peakRssMb: peakKb / 1024,
    cpuSeconds: cpu,
    mariadbCpu: serversAfter.mariadb - serversBefore.mariadb,
    postgresCpu: serversAfter.postgres - serversBefore.postgres,
    ...(ownDbCpu ? { ownDbCpu } : {}),
    load,
    output,
  }
}

const dhmArgs = (...args: string[]) => [
  'bin/dhm.js',
  ...args,
  '--source',
  sourceUrl,
  '--target',
  targetUrl,
  '--mapping',
  argv.mapping,
  '--json',
  '--quiet',
  '--reports-dir',
  reportsDir,
]
// dhm and the ceilings use the fixture and the target only: their own connections' server CPU is
// sampled (bench/db-cpu.ts), the figure to read on a machine shared with other work.
const dhm = (...args: string[]) => measure(process.execPath, dhmArgs(...args), { sampleDbs: true })
const script = (file: string, ...args: string[]) =>
  measure(process.execPath, ['--import', 'tsx', file, ...args])
const ownScript = (file: string, ...args: string[]) =>
  measure(process.execPath, ['--import', 'tsx', file, ...args], { sampleDbs: true })

/** The servers' CPU of a sample: its own connections' when sampled, else the whole servers'. */
const dbCpuOf = (s: Sample): DbCpu => s.ownDbCpu ?? { mariadb: s.mariadbCpu, postgres: s.postgresCpu }

// ---------------------------------------------------------------------------------------------
// Databases

async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `${argv.postgres}/postgres` })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}
const dropPg = async (name: string): Promise<void> => {
  await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`))
}
const createPg = async (name: string) => {
  await dropPg(name)
  await pgAdmin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`))
}

/** A hash of the generator's sources: a changed generator means a different fixture. */
function generatorHash(): string {
  const h = createHash('sha256')
  for (const f of readdirSync('src/fixture').sort()) h.update(readFileSync(path.join('src/fixture', f)))
  return h.digest('hex').slice(0, 12)
}

async function ensureFixture(): Promise<{ reused: boolean; seconds: number; marker: string }> {
  const marker = `dhm-bench articles=${N} seed=${argv.seed} generator=${generatorHash()}`
  const admin = await mysql.createConnection({ uri: argv.mysql })
  try {
    const [rows] = (await admin.query(
      'SELECT SCHEMA_COMMENT AS c FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [dbName],
    )) as unknown as [{ c: string }[]]
    if (rows[0]?.c === marker) return { reused: true, seconds: 0, marker }
    if (!argv.generate) {
      // Used as it is (a shared fixture, read-only): never regenerated, whatever its marker says.
      if (rows.length === 0) throw new Error(`--no-generate: no database ${dbName} on ${argv.mysql}`)
      return { reused: true, seconds: 0, marker: rows[0]?.c ?? '' }
    }
    log(`generating ${N} articles into ${dbName} (marker "${rows[0]?.c ?? ''}" ≠ "${marker}")`)
    let last = 0
    const summary = await generateFixture({
      url: argv.mysql,
      database: dbName,
      articles: N,
      seed: argv.seed,
      onProgress: (done, total) => {
        if (done - last >= total / 10 || done === total) {
          last = done
          log(`  fixture ${done}/${total}`)
        }
      },
    })
    // Written last: an interrupted generation is never mistaken for a complete one.
    await admin.query(`ALTER DATABASE \`${dbName}\` COMMENT = ?`, [marker])
    return { reused: false, seconds: summary.seconds, marker }
  } finally {
    await admin.end()
  }
}

/** The bench plays the editors: title + node.changed of every (100/pct)-th article, a node save. */
async function editArticles(pct: number, round: number): Promise<number> {
  const conn = await mysql.createConnection({ uri: sourceUrl })
  try {
    const [[stats]] = (await conn.query(
      "SELECT MAX(changed) AS mark FROM node WHERE type = 'article'",
    )) as unknown as [{ mark: number }[]]
    const every = Math.max(1, Math.round(100 / pct))
    const salt = round % every
    const [res] = await conn.query(
      `UPDATE node SET title = CONCAT(title, ' [bench]'), changed = ?
       WHERE type = 'article' AND nid % ? = ?`,
      [Number(stats?.mark) + 3600, every, salt],
    )
    await conn.query(
      `UPDATE node_revision r JOIN node n ON n.vid = r.vid SET r.title = n.title
       WHERE n.type = 'article' AND n.nid % ? = ?`,
      [every, salt],
    )
    // The fixture no longer matches its marker: the next bench regenerates it.
    await conn.query(`ALTER DATABASE \`${dbName}\` COMMENT = 'dhm-bench edited'`)
    return (res as { affectedRows: number }).affectedRows
  } finally {
    await conn.end()
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics and report

interface StepResult {
  readonly label: string
  readonly samples: readonly Sample[]
  /** Articles the step handles per run (for articles/s). */
  readonly articles: number
  readonly note?: string
  /** Seconds scaled to the whole job (naive baseline on a sample). */
  readonly extrapolatedSeconds?: number
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2
}
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a')
const rate = (n: number, s: number) => (s > 0 ? Math.round(n / s).toLocaleString('en-US') : 'n/a')

const results = new Map<string, StepResult>()
async function repeat(
  key: string,
  label: string,
  articles: number,
  once: (i: number) => Promise<Sample>,
  before?: (i: number) => Promise<void>,
): Promise<StepResult> {
  const samples: Sample[] = []
  for (let i = 0; i < runs; i++) {
    let s: Sample
    try {
      await before?.(i)
      s = await once(i)
    } catch (error) {
      // One broken step must not cost the others: record it and go on.
      log(`${label} #${i + 1} failed: ${(error as Error).message.slice(0, 500)}`)
      const r = { label, samples, articles, note: `failed: ${(error as Error).message.split('\n')[0]}` }
      results.set(key, r)
      return r
    }
    samples.push(s)
    log(
      `${label} #${i + 1}: ${fmt(s.seconds, 2)}s, ${fmt(s.peakRssMb, 0)} MB, cpu ${fmt(s.cpuSeconds)}s (MariaDB ${fmt(s.mariadbCpu)}s, Postgres ${fmt(s.postgresCpu)}s), load ${fmt(s.load)} ${JSON.stringify(s.output).slice(0, 160)}`,
    )
  }
  const r = { label, samples, articles }
  results.set(key, r)
  return r
}

function versions(): Record<string, string> {
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim()
    } catch {
      return 'n/a'
    }
  }
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }
  return {
    node: process.version,
    mysql2: pkg.dependencies.mysql2 ?? '',
    pg: pkg.dependencies.pg ?? '',
    commit: `${sh('git', ['rev-parse', '--short', 'HEAD'])}${sh('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/RESULTS.md']) ? ' (+ uncommitted changes in the work tree)' : ''}`,
  }
}

async function serverVersions(): Promise<{ mariadb: string; postgres: string }> {
  const conn = await mysql.createConnection({ uri: argv.mysql })
  const [[m]] = (await conn.query('SELECT VERSION() AS v')) as unknown as [{ v: string }[]]
  await conn.end()
  const p = await pgAdmin((c) => c.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
  return { mariadb: m?.v ?? '', postgres: p.rows[0]?.v ?? '' }
}

// ---------------------------------------------------------------------------------------------
// The run

const startedAt = new Date()
const loadAtStart = os.loadavg()
const fixture = await ensureFixture()
log(`fixture ${dbName}: ${fixture.reused ? 'reused' : `generated in ${fixture.seconds}s`}`)
const src = await mysql.createConnection({ uri: sourceUrl })
const [[counts]] = (await src.query(
  "SELECT COUNT(*) AS articles, SUM(status = 1) AS published FROM node WHERE type = 'article'",
)) as unknown as [{ articles: number; published: string }[]]
await src.end()
const published = Number(counts?.published ?? 0)
const dhmCommands = execFileSync(process.execPath, ['bin/dhm.js', '--help'], { encoding: 'utf8' })
const hasCommand = (c: string) => new RegExp(`dhm ${c}\\s`).test(dhmCommands)
const batchArgs = argv['batch-size'] ? ['--batch-size', String(argv['batch-size'])] : []

const PGLOADER_HEAP_MB_NOTE = `--dynamic-space-size ${PGLOADER_HEAP_MB}, prefetch rows = 10000`

if (steps.has('naive')) {
  await createPg(`${dbName}_naive`)
  const r = await repeat('naive', '1. naive: seed query + INSERT per article', 0, () =>
    script(
      'bench/naive.ts',
      '--source',
      sourceUrl,
      '--target',
      naiveUrl,
      '--sample',
      String(argv['naive-sample']),
    ),
  )
  const perArticle = median(r.samples.map((s) => s.seconds / Number(s.output.sample)))
  const sample = Number(r.samples[0]?.output.sample ?? 0)
  results.set('naive', {
    ...r,
    articles: sample,
    extrapolatedSeconds: perArticle * published,
    note: `sample of ${sample} of ${published} published articles; extrapolated: ${fmt(perArticle * published, 0)} s for all published`,
  })
  await dropPg(`${dbName}_naive`)
}

if (steps.has('read')) {
  await repeat('read', '2. read ceiling: stream every involved source table', N, () =>
    ownScript('bench/read-ceiling.ts', '--source', sourceUrl, '--mapping', argv.mapping),
  )
}

if (steps.has('migrate')) {
  await repeat(
    'migrate',
    '4. dhm migrate (empty target)',
    N,
    () => dhm('migrate', ...batchArgs),
    () => dropPg(dbName),
  )
}
if (steps.has('remigrate')) {
  await repeat('remigrate', '5. dhm migrate again (unchanged)', N, () => dhm('migrate', ...batchArgs))
}

if (steps.has('write')) {
  const file = path.join(outDir, `articles-${N}.copy`)
  log('exporting the denormalized articles for the write ceiling (untimed)')
  await exportDenormalized(targetUrl, file)
  await repeat('write', '3. write ceiling: COPY denormalized articles into an unlogged table', N, () =>
    ownScript('bench/write-ceiling.ts', '--target', targetUrl, '--file', file),
  )
  rmSync(file, { force: true })
}

// The peers of issue #19: each copies the same source tables into a database of its own.
const peerTables =
  steps.has('pgloader') || steps.has('fdw') ? await involvedTables(sourceUrl, argv.mapping) : []
const skipped = (key: string, label: string, what: string, pkg: string) => {
  log(`${label}: skipped, ${what} is not installed; install it with: apt-get install -y ${pkg}`)
  results.set(key, { label, samples: [], articles: N, note: `skipped: apt-get install -y ${pkg}` })
}

if (steps.has('pgloader')) {
  const label = '8. pgloader: copy the same source tables'
  if (!hasPgloader()) skipped('pgloader', label, 'pgloader', PGLOADER_PACKAGE)
  else {
    const commandFile = path.join(outDir, `pgloader-${N}.load`)
    writeFileSync(commandFile, pgloaderCommand(sourceUrl, pgloaderUrl, peerTables))
    let copied = ''
    const r = await repeat(
      'pgloader',
      label,
      N,
      async () => {
        const sample = await measure('pgloader', pgloaderArgs(commandFile), { json: false })
        const { rows, mismatches } = await compareRowCounts(sourceUrl, pgloaderUrl, peerTables)
        if (mismatches.length > 0)
          throw new Error(`pgloader copied other row counts: ${mismatches.join(', ')}`)
        copied = `${rows.toLocaleString('en-US')} rows of ${peerTables.length} tables, counts equal to the source`
        return { ...sample, output: { rows } }
      },
      () => createPg(`${dbName}_pgloader`),
    )
    if (r.samples.length > 0) results.set('pgloader', { ...r, note: `${copied}; ${PGLOADER_HEAP_MB_NOTE}` })
    await dropPg(`${dbName}_pgloader`)
  }
}

if (steps.has('fdw')) {
  const label = '9. mysql_fdw pull + one INSERT … SELECT (no content rules)'
  if (!(await pgAdmin(hasMysqlFdw))) skipped('fdw', label, 'mysql_fdw', FDW_PACKAGE)
  else {
    const r = await repeat(
      'fdw',
      label,
      N,
      () => script('bench/fdw.ts', '--source', sourceUrl, '--target', fdwUrl, '--mapping', argv.mapping),
      () => createPg(`${dbName}_fdw`),
    )
    if (r.samples.length > 0) {
      const at = (k: string) => median(r.samples.map((s) => Number(s.output[k])))
      results.set('fdw', {
        ...r,
        note: `pull ${fmt(at('pullSeconds'), 2)} s + SQL ${fmt(at('sqlSeconds'), 2)} s (medians); ${fmt(at('rows'), 0)} articles`,
      })
    }
    await dropPg(`${dbName}_fdw`)
  }
}

if (steps.has('verify')) {
  if (hasCommand('verify')) {
    await repeat('verify', '6. dhm verify (clean target)', N, () => dhm('verify'))
  } else {
    results.set('verify', { label: '6. dhm verify', samples: [], articles: N, note: 'not available yet' })
  }
}

if (steps.has('sync')) {
  if (hasCommand('sync')) {
    log('first dhm sync after migrate (full read, sets the high-water mark; untimed)')
    await dhm('sync')
    await repeat('sync0', '7a. dhm sync, no changes', N, () => dhm('sync'))
    let edited = 0
    const changed = await repeat(
      'sync1',
      `7b. dhm sync, ${argv['changed-pct']}% of articles changed`,
      0,
      () => dhm('sync'),
      async (i) => {
        edited = await editArticles(argv['changed-pct'], i + 1)
      },
    )
    results.set('sync1', { ...changed, articles: edited, note: `${edited} articles edited before each run` })
  } else {
    results.set('sync0', { label: '7. dhm sync', samples: [], articles: N, note: 'not available yet' })
  }
}

// The distributed migrate of issue #23: one process, then N local workers, interleaved (A B C A B C)
// so that the shared machine's load drifts over all of them alike; each into an empty target.
const workerKeys: string[] = []
if (steps.has('workers')) {
  const configs = [null, ...workerCounts].map((w) => ({
    key: w === null ? 'workers-single' : `workers-${w}`,
    label: w === null ? 'dhm migrate, one process' : `dhm migrate --workers ${w}`,
    args: w === null ? [] : ['--workers', String(w)],
    samples: [] as Sample[],
    note: '',
  }))
  workerKeys.push(...configs.map((c) => c.key))
  for (let i = 0; i < runs; i++) {
    for (const c of configs) {
      if (c.note) continue
      try {
        await dropPg(targetDb)
        const s = await measure(process.execPath, dhmArgs('migrate', ...batchArgs, ...c.args), {
          sampleDbs: true,
        })
        c.samples.push(s)
        log(
          `${c.label} #${i + 1}: ${fmt(s.wall, 1)}s wall, dhm cpu ${fmt(s.cpuSeconds)}s, own-db cpu MariaDB ` +
            `${fmt(s.ownDbCpu?.mariadb ?? Number.NaN)}s Postgres ${fmt(s.ownDbCpu?.postgres ?? Number.NaN)}s ` +
            `(whole servers ${fmt(s.mariadbCpu)}s / ${fmt(s.postgresCpu)}s), ${fmt(s.peakRssMb, 0)} MB, load ${fmt(s.load)}`,
        )
      } catch (error) {
        log(`${c.label} #${i + 1} failed: ${(error as Error).message.slice(0, 500)}`)
        c.note = `failed: ${(error as Error).message.split('\n')[0]}`
      }
      results.set(c.key, {
        label: c.label,
        samples: c.samples,
        articles: N,
        ...(c.note ? { note: c.note } : {}),
      })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Report

/**
 * The CPU seconds all three processes spent in the migrate step: however well reading, transforming
 * and writing overlap, the run cannot take less wall time than that divided by the cores. (The
 * servers' figures are their own connections' where sampled, else whole-server; dhm's include its start-up.)
 */
function cpuFloor(r: StepResult | undefined) {
  if (!r || r.samples.length === 0) return null
  const at = (pick: (s: Sample) => number) => median(r.samples.map(pick))
  const dhm = at((s) => s.cpuSeconds)
  const mariadb = at((s) => dbCpuOf(s).mariadb)
  const postgres = at((s) => dbCpuOf(s).postgres)
  return { dhm, mariadb, postgres, total: dhm + mariadb + postgres, wall: at((s) => s.wall) }
}

const ms = (key: string) => {
  const r = results.get(key)
  return r && r.samples.length > 0 ? median(r.samples.map((s) => s.seconds)) : Number.NaN
}
const migrateS = ms('migrate')
const naive = results.get('naive')
const naiveRate = naive ? naive.articles / ms('naive') : Number.NaN
const medianOf = (key: string, pick: (s: Sample) => number) => {
  const r = results.get(key)
  return r && r.samples.length > 0 ? median(r.samples.map(pick)) : Number.NaN
}
const ratios = {
  speedupVsNaive: N / migrateS / naiveRate,
  migrateOverCeilings: migrateS / (ms('read') + ms('write')),
  ...targetRatios(),
}

/** The figures issue #19 sets targets for, from this run's medians (NaN where a step did not run). */
function targetRatios() {
  const dhmSteps = ['migrate', 'remigrate', 'verify', 'sync0', 'sync1'].filter(
    (k) => results.get(k)?.samples.length,
  )
  const rss = dhmSteps.map(
    (k) => [k, Math.max(...(results.get(k)?.samples ?? []).map((s) => s.peakRssMb))] as const,
  )
  const peak = rss.reduce<readonly [string, number]>(
    (a, b) => (Number.isNaN(a[1]) || b[1] > a[1] ? b : a),
    ['', Number.NaN],
  )
  return {
    dhmCpuMicrosPerArticle: (medianOf('migrate', (s) => s.cpuSeconds) / N) * 1e6,
    pgloaderOverMigrate: ms('pgloader') / migrateS,
    fdwOverMigrate: ms('fdw') / migrateS,
    postgresCpuMigrateOverWrite:
      medianOf('migrate', (s) => dbCpuOf(s).postgres) / medianOf('write', (s) => dbCpuOf(s).postgres),
    remigrateOverRead: ms('remigrate') / ms('read'),
    verifyOverRead: ms('verify') / ms('read'),
    syncNoChangeSeconds: ms('sync0'),
    peakRssMb: peak[1],
    peakRssStep: peak[0],
  }
}
/**
 * The workers step's table: wall (medians) and the CPU of each party per article. dhm's CPU is every
 * dhm process's (/usr/bin/time counts the workers: the coordinator waits for them); the servers'
 * is on this run's two databases only (bench/db-cpu.ts), the whole-server figure beside it.
 */
function workersTable(): string[] {
  const single = medianOf('workers-single', (s) => s.wall)
  const perArticle = (x: number) => fmt((x / N) * 1e6, 0)
  const out = [
    `Distributed migrate (\`--steps workers\`, local workers on this machine, ${runs} run(s) each, interleaved; medians):`,
    '',
    '| run | wall s (min–max) | articles/s | speed-up | dhm CPU s (all processes) | dhm µs/article | MariaDB CPU s (own db / whole server) | Postgres CPU s (own db / whole server) | servers µs/article (own dbs) | peak RSS MB (largest process) | notes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ]
  for (const key of workerKeys) {
    const r = results.get(key)
    if (!r) continue
    if (r.samples.length === 0) {
      out.push(`| ${r.label} | – | – | – | – | – | – | – | – | – | ${r.note ?? ''} |`)
      continue
    }
    const at = (pick: (s: Sample) => number) => median(r.samples.map(pick))
    const walls = r.samples.map((s) => s.wall)
    const wall = at((s) => s.wall)
    const dhmCpu = at((s) => s.cpuSeconds)
    const maria = at((s) => s.ownDbCpu?.mariadb ?? Number.NaN)
    const pgCpu = at((s) => s.ownDbCpu?.postgres ?? Number.NaN)
    out.push(
      `| ${r.label} | ${fmt(wall)} (${fmt(Math.min(...walls))}–${fmt(Math.max(...walls))}) | ${rate(N, wall)} | ${fmt(single / wall, 2)}× | ` +
        `${fmt(dhmCpu)} | ${perArticle(dhmCpu)} | ${fmt(maria)} / ${fmt(at((s) => s.mariadbCpu))} | ` +
        `${fmt(pgCpu)} / ${fmt(at((s) => s.postgresCpu))} | ${perArticle(maria)} + ${perArticle(pgCpu)} | ` +
        `${fmt(Math.max(...r.samples.map((s) => s.peakRssMb)), 0)} | ${r.note ?? ''} |`,
    )
  }
  return out
}

const server = await serverVersions()
const v = versions()
const cpuModel =
  /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model

const lines: string[] = []
lines.push(
  `## ${N.toLocaleString('en-US')} articles — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
)
lines.push('')
lines.push(
  `Machine: ${os.availableParallelism()} cores (${cpuModel}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM; ` +
    `load average ${loadAtStart.map((x) => fmt(x)).join('/')} at start, ${os
      .loadavg()
      .map((x) => fmt(x))
      .join('/')} at end (shared machine). ` +
    `Node ${v.node}, MariaDB ${server.mariadb}, PostgreSQL ${server.postgres}, mysql2 ${v.mysql2}, pg ${v.pg}. ` +
    `Commit ${v.commit}. Fixture \`${dbName}\` (${fixture.reused ? 'reused' : `generated in ${fixture.seconds}s`}, ` +
    `${published.toLocaleString('en-US')} published), mapping ${argv.mapping}, ${runs} run(s) per step.`,
)
lines.push('')
const headLines = lines.length
lines.push(
  '| step | median s | spread (min–max) s | articles/s | peak RSS MB | CPU s (dhm/child) | CPU s MariaDB / Postgres ((own): the step’s connections only, else whole servers) | notes |',
)
lines.push('|---|---:|---:|---:|---:|---:|---:|---|')
for (const key of [
  'naive',
  'read',
  'write',
  'migrate',
  'remigrate',
  'pgloader',
  'fdw',
  'verify',
  'sync0',
  'sync1',
]) {
  const r = results.get(key)
  if (!r) continue
  if (r.samples.length === 0) {
    lines.push(`| ${r.label} | – | – | – | – | – | – | ${r.note ?? ''} |`)
    continue
  }
  const secs = r.samples.map((s) => s.seconds)
  const m = median(secs)
  lines.push(
    `| ${r.label} | ${fmt(m, 2)} | ${fmt(Math.min(...secs), 2)}–${fmt(Math.max(...secs), 2)} | ${rate(r.articles, m)} | ${fmt(Math.max(...r.samples.map((s) => s.peakRssMb)), 0)} | ${fmt(median(r.samples.map((s) => s.cpuSeconds)))} | ${fmt(median(r.samples.map((s) => dbCpuOf(s).mariadb)))} / ${fmt(median(r.samples.map((s) => dbCpuOf(s).postgres)))}${r.samples.every((s) => s.ownDbCpu) ? ' (own)' : ''} | ${r.note ?? ''} |`,
  )
}
lines.push('')
if (Number.isFinite(ratios.speedupVsNaive) || Number.isFinite(ratios.migrateOverCeilings))
  lines.push(
    `Ratios (medians): **dhm migrate is ${fmt(ratios.speedupVsNaive, 1)}× the naive baseline** in articles/s ` +
      `(naive measured on a sample, extrapolated); **dhm migrate / (read ceiling + write ceiling) = ${fmt(ratios.migrateOverCeilings, 2)}** ` +
      `(${fmt(migrateS)} s vs ${fmt(ms('read'))} + ${fmt(ms('write'))} s).`,
  )
const cpu = cpuFloor(results.get('migrate'))
const floor = cpu && {
  ...cpu,
  // The two throughput targets in seconds, where the run measured what they are relative to.
  targets: [
    [ms('read') + ms('write'), 's of read + write ceiling'] as const,
    [N / (15 * naiveRate), 's for 15× the naive rate'] as const,
  ]
    .filter(([seconds]) => Number.isFinite(seconds))
    .map(([seconds, what]) => `${fmt(seconds)} ${what}`),
}
if (floor)
  lines.push(
    '',
    `CPU floor of the migrate (medians): dhm ${fmt(floor.dhm)} + MariaDB ${fmt(floor.mariadb)} + Postgres ${fmt(floor.postgres)} ` +
      `= ${fmt(floor.total)} CPU-s; on ${os.availableParallelism()} cores no overlap of the three finishes in under ` +
      `**${fmt(floor.total / os.availableParallelism())} s** (the migrate process ran ${fmt(floor.wall)} s, start-up included, as in its CPU)` +
      (floor.targets.length > 0 ? `; the targets: ${floor.targets.join(' and ')}` : '') +
      '.',
  )
const t = ratios
const goal = (met: boolean, x: number) => (Number.isFinite(x) ? (met ? 'met' : '**not met**') : 'not run')
const targetRows: [string, string, string, string][] = [
  [
    'dhm CPU per article (migrate, start-up included)',
    `${fmt(t.dhmCpuMicrosPerArticle, 0)} µs`,
    '≤ 120 µs',
    goal(t.dhmCpuMicrosPerArticle <= 120, t.dhmCpuMicrosPerArticle),
  ],
  [
    'pgloader ÷ dhm migrate (wall)',
    `${fmt(t.pgloaderOverMigrate, 2)}× (${fmt(ms('pgloader'))} s vs ${fmt(migrateS)} s)`,
    '≥ 3×',
    goal(t.pgloaderOverMigrate >= 3, t.pgloaderOverMigrate),
  ],
  [
    'mysql_fdw answer ÷ dhm migrate (wall)',
    `${fmt(t.fdwOverMigrate, 2)}× (${fmt(ms('fdw'))} s vs ${fmt(migrateS)} s)`,
    '> 1× (dhm faster)',
    goal(t.fdwOverMigrate > 1, t.fdwOverMigrate),
  ],
  [
    'Postgres CPU: migrate ÷ write ceiling',
    `${fmt(t.postgresCpuMigrateOverWrite, 2)}× (${fmt(medianOf('migrate', (s) => dbCpuOf(s).postgres))} vs ${fmt(medianOf('write', (s) => dbCpuOf(s).postgres))} CPU-s)`,
    '≤ 1.3×',
    goal(t.postgresCpuMigrateOverWrite <= 1.3, t.postgresCpuMigrateOverWrite),
  ],
  [
    'migrate ÷ (read ceiling + write ceiling)',
    `${fmt(ratios.migrateOverCeilings, 2)}×`,
    '≤ 2.0×',
    goal(ratios.migrateOverCeilings <= 2, ratios.migrateOverCeilings),
  ],
  [
    'migrate again ÷ read ceiling',
    `${fmt(t.remigrateOverRead, 2)}×`,
    '≤ 2×',
    goal(t.remigrateOverRead <= 2, t.remigrateOverRead),
  ],
  [
    'verify ÷ read ceiling',
    `${fmt(t.verifyOverRead, 2)}×`,
    '≤ 2×',
    goal(t.verifyOverRead <= 2, t.verifyOverRead),
  ],
  [
    'sync with no changes',
    `${fmt(t.syncNoChangeSeconds, 2)} s`,
    '≤ 2 s (at 1M)',
    goal(t.syncNoChangeSeconds <= 2, t.syncNoChangeSeconds),
  ],
  [
    'peak RSS of the dhm steps',
    `${fmt(t.peakRssMb, 0)} MB (${t.peakRssStep || 'n/a'})`,
    '< 400 MB',
    goal(t.peakRssMb < 400, t.peakRssMb),
  ],
]
lines.push(
  '',
  'Targets of issue #19 (medians of this run):',
  '',
  '| target | measured | goal | |',
  '|---|---:|---|---|',
)
for (const row of targetRows) lines.push(`| ${row.join(' | ')} |`)
lines.push('')
// Only the workers step ran: no empty table of the other steps, no targets measured by none of them.
if (!DEFAULT_STEPS.some((step) => steps.has(step))) lines.length = headLines
if (workerKeys.length > 0) lines.push(...workersTable(), '')
const markdown = `${lines.join('\n')}\n`
process.stdout.write(`\n${markdown}`)
const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
writeFileSync(
  path.join(outDir, `bench-${N}-${stamp}.json`),
  JSON.stringify(
    {
      articles: N,
      published,
      startedAt,
      fixture,
      versions: { ...v, ...server },
      ratios,
      results: Object.fromEntries(results),
    },
    null,
    2,
  ),
)
if (argv.append) {
  const file = 'bench/RESULTS.md'
  if (!existsSync(file)) {
    writeFileSync(file, '# Benchmark results\n\nAppended by `npm run bench` (bench/run.ts); newest last.\n\n')
  }
  await appendFile(file, `\n${markdown}`)
  // The project's formatter checks Markdown too: keep the file as `biome check .` wants it.
  try {
    execFileSync('node_modules/.bin/biome', ['format', '--write', file], { stdio: 'ignore' })
  } catch (error) {
    log(`could not format ${file}: ${(error as Error).message}`)
  }
  log(`appended to ${file}`)
}

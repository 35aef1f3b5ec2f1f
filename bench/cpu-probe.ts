/**
 * CPU per article of one `dhm migrate` into a fresh, empty target: dhm's own user+sys CPU (from
 * /usr/bin/time), MariaDB's and Postgres' (from /proc, as bench/run.ts reads them), peak RSS.
 * CPU seconds, not wall seconds, so a loaded machine changes the figures far less. For measuring a
 * change to the per-article path before and after (issue #19 §2); not part of `npm run bench`.
 *
 *   npm run fixture -- --articles 10000 --database dhm_probe_10k        # once
 *   npx tsx bench/cpu-probe.ts --source mysql://root@127.0.0.1:3306/dhm_probe_10k [--runs 3] [--cpu-prof DIR]
 *
 * `--cpu-prof DIR` runs dhm under `node --cpu-prof` and leaves the .cpuprofile in DIR.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'

const argv = await yargs(hideBin(process.argv))
  .option('source', { type: 'string', demandOption: true })
  .option('postgres', { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432' })
  .option('mapping', { type: 'string', default: 'mappings/bne.yaml' })
  .option('runs', { type: 'number', default: 1 })
  .option('cpu-prof', { type: 'string', describe: 'folder for a .cpuprofile of each run' })
  .strict()
  .parseAsync()

const TICKS = 100
/** CPU seconds used so far by MariaDB and by Postgres (with exited backends' children counters). */
function serverCpu(): { mariadb: number; postgres: number } {
  let mariadb = 0
  let postgres = 0
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      continue
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const own = (Number(f[11]) + Number(f[12])) / TICKS
    const children = (Number(f[13]) + Number(f[14])) / TICKS
    if (comm === 'mariadbd' || comm === 'mysqld') mariadb += own
    else if (comm === 'postgres' || comm === 'postmaster') postgres += own + children
  }
  return { mariadb, postgres }
}

async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: `${argv.postgres}/postgres` })
  await c.connect()
  try {
    await c.query(sql)
  } finally {
    await c.end()
  }
}

const target = `dhm_probe_${process.pid}`
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dhm-probe-'))
try {
  for (let run = 0; run < argv.runs; run++) {
    await pgAdmin(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`)
    await pgAdmin(`CREATE DATABASE ${target}`)
    const timeFile = path.join(tmp, 'time.txt')
    const nodeArgs = argv.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${argv.cpuProf}`] : []
    const args = [
      '-f',
      '%e %M %U %S',
      '-o',
      timeFile,
      process.execPath,
      ...nodeArgs,
      'bin/dhm.js',
      'migrate',
      '--source',
      argv.source,
      '--target',
      `${argv.postgres}/${target}`,
      '--mapping',
      argv.mapping,
      '--json',
      '--quiet',
      '--reports-dir',
      tmp,
    ]
    const before = serverCpu()
    const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)))
    const after = serverCpu()
    if (code !== 0) throw new Error(`dhm migrate exited ${code}`)
    const [wall, maxKb, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ') ?? []
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { read?: number }
    const read = Number(out.read ?? Number.NaN)
    const us = (s: number) => Math.round((s * 1e6) / read)
    process.stdout.write(
      `${JSON.stringify({
        articles: read,
        wallS: Number(wall),
        dhmCpuS: Number((Number(user) + Number(sys)).toFixed(2)),
        dhmUs: us(Number(user) + Number(sys)),
        mariadbUs: us(after.mariadb - before.mariadb),
        postgresUs: us(after.postgres - before.postgres),
        peakRssMb: Math.round(Number(maxKb) / 1024),
        load: Number(os.loadavg()[0]?.toFixed(1)),
      })}\n`,
    )
  }
} finally {
  await pgAdmin(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`)
  rmSync(tmp, { recursive: true, force: true })
}

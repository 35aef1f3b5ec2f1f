/**
 * CPU seconds the database servers spent on one database's connections, on a machine the bench
 * shares: the whole-server figures (run.ts `serverCpu`) count every other session too.
 *
 * Every `intervalMs` it reads the CPU counters of every MariaDB server thread
 * (/proc/<mariadbd>/task/<tid>/stat; one thread per connection, `information_schema.PROCESSLIST.TID`
 * says which connection and database) and of every Postgres process (one backend per connection,
 * `pg_stat_activity` says which database). The CPU a thread or backend used between two samples is
 * counted when it was on the database at either end of the interval; a thread or backend first seen
 * on it counts whole (it started during the interval; a MariaDB thread taken from the thread cache
 * counts from its value at the previous sample). What a connection used in its last interval, after
 * the last sample and before it closed, is missed: at most one interval of CPU per connection.
 * MariaDB threads of other clients reading the same database count too (check SHOW PROCESSLIST).
 */
import { readdirSync, readFileSync } from 'node:fs'
import mysql from 'mysql2/promise'
import pg from 'pg'

export interface DbCpu {
  readonly mariadb: number
  readonly postgres: number
}

export interface DbCpuSampler {
  stop(): Promise<DbCpu>
}

function cpuOf(statPath: string, ticks: number): number | null {
  try {
    const stat = readFileSync(statPath, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / ticks
  } catch {
    return null
  }
}

function pidsNamed(names: readonly string[]): number[] {
  const out: number[] = []
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      if (names.includes(comm)) out.push(Number(e))
    } catch {
      // gone
    }
  }
  return out
}

export async function startDbCpuSampler(opts: {
  readonly mysqlUrl: string
  readonly postgresUrl: string
  readonly sourceDb: string
  readonly targetDb: string
  readonly ticks: number
  readonly intervalMs?: number
}): Promise<DbCpuSampler> {
  const interval = opts.intervalMs ?? 200
  const maria = await mysql.createConnection({ uri: opts.mysqlUrl })
  const pgc = new pg.Client({ connectionString: `${opts.postgresUrl}/postgres` })
  await pgc.connect()
  const mariadbd = pidsNamed(['mariadbd', 'mysqld'])[0]
  // Previous sample: CPU of each thread / backend, and whether it was on the database.
  const mPrev = new Map<number, { cpu: number; ours: boolean }>()
  const pPrev = new Map<number, { cpu: number; ours: boolean }>()
  let mariadb = 0
  let postgres = 0

  const sampleMaria = async () => {
    if (mariadbd === undefined) return
    const [rows] = (await maria.query(
      'SELECT TID AS tid, DB AS db FROM information_schema.PROCESSLIST',
    )) as unknown as [{ tid: number; db: string | null }[]]
    const onDb = new Set(rows.filter((r) => r.db === opts.sourceDb).map((r) => Number(r.tid)))
    let tids: number[]
    try {
      tids = readdirSync(`/proc/${mariadbd}/task`).map(Number)
    } catch {
      return
    }
    const seen = new Set<number>()
    for (const tid of tids) {
      const cpu = cpuOf(`/proc/${mariadbd}/task/${tid}/stat`, opts.ticks)
      if (cpu === null) continue
      seen.add(tid)
      const ours = onDb.has(tid)
      const prev = mPrev.get(tid)
      if (prev) {
        if (ours || prev.ours) mariadb += cpu - prev.cpu
      } else if (ours && mPrev.size > 0) mariadb += cpu
      mPrev.set(tid, { cpu, ours })
    }
    for (const tid of mPrev.keys()) if (!seen.has(tid)) mPrev.delete(tid)
  }

  const samplePg = async () => {
    const { rows } = await pgc.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
      opts.targetDb,
    ])
    const onDb = new Set(rows.map((r) => r.pid))
    const seen = new Set<number>()
    for (const pid of pidsNamed(['postgres'])) {
      const cpu = cpuOf(`/proc/${pid}/stat`, opts.ticks)
      if (cpu === null) continue
      seen.add(pid)
      const ours = onDb.has(pid)
      const prev = pPrev.get(pid)
      if (prev) {
        if (ours || prev.ours) postgres += cpu - prev.cpu
      } else if (ours && pPrev.size > 0) postgres += cpu
      pPrev.set(pid, { cpu, ours })
    }
    for (const pid of pPrev.keys()) if (!seen.has(pid)) pPrev.delete(pid)
  }

  const sample = () => Promise.all([sampleMaria(), samplePg()])
  await sample()
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, interval))
      await sample().catch(() => undefined)
    }
  })()
  return {
    async stop() {
      stopped = true
      await loop
      await sample().catch(() => undefined)
      await maria.end()
      await pgc.end()
      return { mariadb, postgres }
    },
  }
}

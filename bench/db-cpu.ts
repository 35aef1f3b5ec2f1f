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
 * With `rootPid`, only connections whose client socket belongs to that process or its descendants
 * count (the client port, as PROCESSLIST.HOST and pg_stat_activity.client_port give it, looked up in
 * /proc/net/tcp and the processes' fds): another engineer's run reading the same shared source
 * database does not.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
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

/** Local TCP ports of the sockets that `rootPid` and its descendants hold. */
function portsOfTree(rootPid: number): Set<number> {
  const parent = new Map<number, number>()
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // gone
    }
  }
  const tree = new Set([rootPid])
  for (let grew = true; grew; ) {
    grew = false
    for (const [pid, ppid] of parent)
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid)
        grew = true
      }
  }
  const inodes = new Set<string>()
  for (const pid of tree) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
        if (m?.[1]) inodes.add(m[1])
      } catch {
        // closed meanwhile
      }
    }
  }
  const ports = new Set<number>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      const local = f[1]
      const inode = f[9]
      if (local && inode && inodes.has(inode)) ports.add(Number.parseInt(local.split(':')[1] ?? '', 16))
    }
  }
  return ports
}

export async function startDbCpuSampler(opts: {
  readonly mysqlUrl: string
  readonly postgresUrl: string
  readonly sourceDb: string
  readonly targetDb: string
  readonly ticks: number
  readonly intervalMs?: number
  /** Count only the connections of this process and its descendants (the measured command, once started). */
  readonly rootPid?: () => number | undefined
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

  const ownPorts = (): Set<number> | null => {
    if (!opts.rootPid) return null
    const root = opts.rootPid()
    return root === undefined ? new Set() : portsOfTree(root)
  }

  const sampleMaria = async () => {
    if (mariadbd === undefined) return
    const [rows] = (await maria.query(
      'SELECT TID AS tid, DB AS db, HOST AS host FROM information_schema.PROCESSLIST',
    )) as unknown as [{ tid: number; db: string | null; host: string }[]]
    const ports = ownPorts()
    const onDb = new Set(
      rows
        .filter((r) => r.db === opts.sourceDb && (!ports || ports.has(Number(r.host.split(':').pop()))))
        .map((r) => Number(r.tid)),
    )
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
    const { rows } = await pgc.query<{ pid: number; port: number | null }>(
      'SELECT pid, client_port AS port FROM pg_stat_activity WHERE datname = $1',
      [opts.targetDb],
    )
    // Autovacuum workers (no client) on the run's database count: the run's writes made the work.
    const ports = ownPorts()
    const onDb = new Set(rows.filter((r) => !ports || r.port === null || ports.has(r.port)).map((r) => r.pid))
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

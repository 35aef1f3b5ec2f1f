/**
 * The read ceiling (step 2 of bench/run.ts): stream every source table the mapping involves, once,
 * inside one consistent snapshot like `dhm migrate`, and do nothing with the rows. What the hardware
 * and the driver need just to get the data out of MariaDB.
 *
 *   tsx bench/read-ceiling.ts --source mysql://…/dhm_bench_100000 [--mapping mappings/bne.yaml]
 *
 * Prints one JSON line: { tables: {name: rows}, rows, seconds }. Reads the source only.
 */
import mysql from 'mysql2'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { involvedTables } from './source-tables.ts'

const argv = await yargs(hideBin(process.argv))
  .option('source', { type: 'string', demandOption: true })
  .option('mapping', { type: 'string', default: 'mappings/bne.yaml' })
  .strict()
  .parseAsync()

const tables = await involvedTables(argv.source, argv.mapping)

const conn = mysql.createConnection({ uri: argv.source, charset: 'utf8mb4_general_ci', rowsAsArray: true })
const run = (sql: string) =>
  new Promise<number>((resolve, reject) => {
    let n = 0
    conn
      .query(sql)
      .stream({ highWaterMark: 1000 })
      .on('data', () => {
        n++
      })
      .on('end', () => resolve(n))
      .on('error', reject)
  })
await run('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')
await run('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')
const counts: Record<string, number> = {}
const started = performance.now()
for (const table of tables) counts[table] = await run(`SELECT * FROM \`${table}\``)
const seconds = (performance.now() - started) / 1000
await run('COMMIT')
conn.end()
const rows = Object.values(counts).reduce((a, b) => a + b, 0)
process.stdout.write(`${JSON.stringify({ tables: counts, rows, seconds })}\n`)

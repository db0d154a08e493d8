// Why records and events are partitioned by month and read per partition (migration 005):
// `npm run bench:storage [-- --rows 10000000]` builds synthetic records in embedded ClickHouse three
// ways and times a 14-day and a 365-day FINAL read on each, then the writer's per-batch key lookup
// (ingest/relocate.ts). Prints figures; the last line is one JSON object of them.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openDb, queryRows } from '../analytics/clickhouse'
import { arg } from './args'

const ROWS = arg('rows', 2_000_000)
const LOOKUP_KEYS = arg('keys', 10_000)
const dir = mkdtempSync(path.join(tmpdir(), 'linkage-bench-storage-'))
const db = openDb({ dataDir: dir })
// Rows one per (ROWS / 365 days) seconds over one year, ids not ordered by time (as real ids need not be).
const step = Math.max(1, Math.floor((365 * 86_400) / ROWS))

const layouts = [
  { name: 'month_per_partition', partition: 'toYYYYMM(received_at)', settings: { do_not_merge_across_partitions_select_final: 1 } },
  { name: 'month_merge_across', partition: 'toYYYYMM(received_at)', settings: { do_not_merge_across_partitions_select_final: 0 } },
  { name: 'key_hash', partition: 'cityHash64(source_id) % 8', settings: { do_not_merge_across_partitions_select_final: 0 } },
] as const

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now()
  const v = await f()
  return [Math.round(performance.now() - t), v]
}

const figures: Record<string, number> = { rows: ROWS }
for (const l of layouts) {
  const table = `r_${l.name}`
  await db.command({ query: `CREATE TABLE ${table} (platform LowCardinality(String), source_id String, version DateTime64(3, 'Asia/Shanghai'),
    received_at DateTime64(3, 'Asia/Shanghai'), county_code LowCardinality(String), status LowCardinality(String), is_deleted UInt8 DEFAULT 0)
    ENGINE = ReplacingMergeTree(version, is_deleted) PARTITION BY ${l.partition} ORDER BY (platform, source_id)` })
  for (let off = 0; off < ROWS; off += 1_000_000) {
    await db.command({ query: `INSERT INTO ${table} (platform, source_id, version, received_at, county_code, status)
      SELECT if(number % 3 = 0, '110', '12345'), concat('G', toString(cityHash64(number))),
             toDateTime64('2025-01-01 00:00:00', 3, 'Asia/Shanghai') + number * ${step},
             toDateTime64('2025-01-01 00:00:00', 3, 'Asia/Shanghai') + number * ${step},
             toString(410100 + number % 15), 'closed'
      FROM numbers(${off}, ${Math.min(1_000_000, ROWS - off)}) SETTINGS max_partitions_per_insert_block = 0` })
  }
  for (const [label, from, to] of [['14d', '2025-06-01', '2025-06-15'], ['365d', '2025-01-01', '2026-01-01']] as const) {
    const q = () => db.query({
      query: `SELECT count() AS n FROM ${table} FINAL WHERE received_at >= {from:String} AND received_at < {to:String}`,
      query_params: { from: `${from} 00:00:00`, to: `${to} 00:00:00` }, format: 'JSONEachRow', clickhouse_settings: l.settings,
    }).then((r) => r.json())
    await q() // warm
    const runs = [await timed(q), await timed(q), await timed(q)].map(([ms]) => ms).sort((a, b) => a - b)
    figures[`${l.name}_${label}_ms`] = runs[1]
    console.log(`${l.name.padEnd(20)} FINAL ${label.padEnd(4)} read: ${runs[1]} ms (median of 3)`)
  }
}

// The writer's lookup of one batch's keys (half of them stored), as ingest/relocate.ts issues it.
const stored = await queryRows<{ id: string }>(db, `SELECT source_id AS id FROM r_month_per_partition LIMIT {n:UInt32}`, { n: LOOKUP_KEYS / 2 })
const ids = [...stored.map((r) => r.id), ...Array.from({ length: LOOKUP_KEYS / 2 }, (_, i) => `NEW-${i}`)]
const lookup = () => queryRows(db, `SELECT platform AS p, source_id AS id, _partition_id AS part, toString(max(version)) AS v
  FROM r_month_per_partition WHERE platform IN {platforms:Array(String)} AND source_id IN {ids:Array(String)} GROUP BY p, id, part`,
{ platforms: ['12345', '110'], ids })
await lookup()
const [lookupMs] = await timed(lookup)
figures.lookup_keys = LOOKUP_KEYS
figures.lookup_ms = lookupMs
figures.lookup_us_per_key = Math.round((lookupMs * 1000) / LOOKUP_KEYS)
console.log(`relocation lookup of ${LOOKUP_KEYS} keys in ${ROWS} rows: ${lookupMs} ms (${figures.lookup_us_per_key} µs a key)`)

await db.close()
rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify(figures))

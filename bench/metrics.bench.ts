// Metric query latency on a large city: `npm run bench:metrics -- --data DIR [--runs 5]`.
//
// Reads the data directory `npm run bench:detect -- --data DIR` generated and kept (2.5 M records and
// 13 M events over 90 days by default: a large city's volume), and times the wall's two queries,
// overview and by-region, over the last day and the last 14 days before the data's end, with the
// extended indicators (METRICS_EXTENDED: returns, re-handling, repeats, linkage, 回流) off — the
// default — and on. Prints the median and the slowest of `runs` runs each; the last line is one JSON
// object of the figures. The wall gives each request 2.5 s (web/src/poll.ts).
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { openDb } from '../analytics/clickhouse'
import { migrate } from '../analytics/migrate'
import { MetricsQueries } from '../analytics/metrics/queries'
import { CANONICAL_PARAMS } from '../analytics/metrics/versions'
import { strArg } from './args'

const dir = strArg('data')
const metaFile = dir && path.join(dir, 'bench-meta.json')
if (!metaFile || !existsSync(metaFile)) {
  console.error('usage: npm run bench:metrics -- --data DIR, where DIR was made by `npm run bench:detect -- --data DIR`')
  process.exit(2)
}
const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { end: number; records: number; days: number }
const runs = Math.max(1, Number(strArg('runs') ?? 5))
const DAY = 86_400_000
const silent = { info() {} }

const db = openDb({ dataDir: dir })
await migrate(db, silent)
const figures: Record<string, { median_ms: number; max_ms: number }> = {}
for (const extended of [false, true]) {
  const q = new MetricsQueries(db, { ...CANONICAL_PARAMS, extended })
  for (const days of [1, 14]) {
    const w = { from: meta.end - days * DAY, to: meta.end }
    for (const what of ['overview', 'by_region'] as const) {
      const ms: number[] = []
      for (let i = 0; i < runs; i++) {
        const t0 = Date.now()
        if (what === 'overview') await q.overview(w, 'day', undefined, meta.end)
        else await q.byRegion(w, undefined, meta.end)
        ms.push(Date.now() - t0)
      }
      ms.sort((a, b) => a - b)
      const key = `${what}_${days}d${extended ? '_extended' : ''}`
      figures[key] = { median_ms: ms[Math.floor(ms.length / 2)], max_ms: ms[ms.length - 1] }
      console.log(`${key.padEnd(24)} median ${String(figures[key].median_ms).padStart(5)} ms, slowest ${figures[key].max_ms} ms (${runs} runs)`)
    }
  }
}
await db.close()
console.log(JSON.stringify({ records: meta.records, days: meta.days, runs, ...figures }))

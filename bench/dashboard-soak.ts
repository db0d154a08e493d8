// Wall-display soak: the dashboard polls a live demo for N minutes in headless Chromium while the
// page's heap (after GC), DOM nodes, event listeners and the server's RSS are sampled each minute.
// `npm run bench:dashboard [-- --minutes 10]`; the last line is one JSON object of the figures.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { loadConfig } from '../config'
import { startApp, makeLogger } from '../app'
import { startDemo } from '../ingest/simulator/demo'

const i = process.argv.indexOf('--minutes')
const MINUTES = i > 0 ? Number(process.argv[i + 1]) : 10
const mb = (b: number) => Math.round((b / 1048576) * 100) / 100

const dir = mkdtempSync(path.join(tmpdir(), 'linkage-soak-'))
const cfg = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, DEMO: 'false', DEMO_SCALE: '0.5', LOG_LEVEL: 'silent' })
const app = await startApp(cfg, { jobs: true, jobsPrefix: `soak-${process.pid}`, logger: makeLogger('silent') })
const demo = startDemo(app.url, cfg, app.logger, { backfillDays: 1 })
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--js-flags=--expose-gc'],
})
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
const errors: string[] = []
page.on('pageerror', (e) => errors.push(e.message))
await page.goto(app.url + '/')
const cdp = await page.context().newCDPSession(page)
await cdp.send('Performance.enable')

interface Sample { minute: number; heap_mb: number; nodes: number; listeners: number; server_rss_mb: number; kpi: string }
const samples: Sample[] = []
for (let m = 0; m <= MINUTES; m++) {
  await new Promise((r) => setTimeout(r, m === 0 ? 15_000 : 60_000))
  await page.evaluate(() => (globalThis as unknown as { gc?: () => void }).gc?.())
  const { metrics } = await cdp.send('Performance.getMetrics')
  const get = (n: string) => metrics.find((x) => x.name === n)?.value ?? 0
  const s: Sample = {
    minute: m,
    heap_mb: mb(get('JSHeapUsedSize')),
    nodes: get('Nodes'),
    listeners: get('JSEventListeners'),
    server_rss_mb: mb(process.memoryUsage().rss),
    kpi: (await page.locator('[data-kpi="volume_12345"]').textContent()) ?? '',
  }
  samples.push(s)
  console.log(`minute ${m}: page heap ${s.heap_mb} MB, ${s.nodes} DOM nodes, ${s.listeners} listeners; server RSS ${s.server_rss_mb} MB; 12345 工单量 ${s.kpi}`)
}
await browser.close()
await demo.stop()
await app.close()
rmSync(dir, { recursive: true, force: true })
const first = samples[1] ?? samples[0] // minute 0 includes start-up allocations
const last = samples[samples.length - 1]
const mid = samples[Math.floor((samples.indexOf(first) + samples.length - 1) / 2)]
const hours = Math.max(1, last.minute - first.minute) / 60
console.log(JSON.stringify({
  minutes: MINUTES,
  heap_mb_first: first.heap_mb, heap_mb_last: last.heap_mb,
  heap_growth_mb_per_hour: Math.round(((last.heap_mb - first.heap_mb) / hours) * 100) / 100,
  // Start-up JIT and caches settle early: growth over the second half tells whether it keeps growing.
  heap_mb_mid: mid.heap_mb, heap_growth_mb_second_half: Math.round((last.heap_mb - mid.heap_mb) * 100) / 100,
  nodes_first: first.nodes, nodes_last: last.nodes, listeners_first: first.listeners, listeners_last: last.listeners,
  server_rss_mb_first: first.server_rss_mb, server_rss_mb_last: last.server_rss_mb,
  kpi_first: first.kpi, kpi_last: last.kpi, page_errors: errors.length,
}))
process.exit(0)

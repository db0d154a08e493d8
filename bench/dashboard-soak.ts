// Wall-display soak: the dashboard polls a live demo for N minutes in headless Chromium while the
// page's heap (after GC), DOM nodes, event listeners and the server's memory are sampled.
// `npm run bench:dashboard [-- --minutes 30]` (default 1 minute); the last line is one JSON object.
//
// The server runs as its own process, as `npm start` runs it (API, ingest, jobs, demo simulator):
// its RSS is read from /proc/<pid>/status, apart from this process (the soak's own client: the
// browser driver and the sampling), whose RSS is reported separately.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const i = process.argv.indexOf('--minutes')
const MINUTES = i > 0 ? Number(process.argv[i + 1]) : 1
// Samples a minute apart on long runs; at least four samples on short ones.
const EVERY_S = Math.max(5, Math.min(60, Math.round((MINUTES * 60) / 4)))
const mb = (b: number) => Math.round((b / 1048576) * 100) / 100
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Resident and peak resident memory of a process, in bytes, from /proc/<pid>/status. */
function procMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
}

const dir = mkdtempSync(path.join(tmpdir(), 'linkage-soak-'))
const port = await freePort()
const url = `http://127.0.0.1:${port}`
// The server: main.ts with its demo (1 day of history, then live), under this node and tsx, so the
// child's pid is the server's own process.
const server = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
  cwd: root,
  env: {
    ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, DEMO: 'true', DEMO_DAYS: '1', DEMO_SCALE: '0.5',
    LOG_LEVEL: 'warn', QUEUE_PREFIX: `soak-${process.pid}`, NODE_ENV: 'development',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
})
let serverOut = ''
server.stdout!.on('data', (d) => { serverOut = (serverOut + d).slice(-4000) })
server.stderr!.on('data', (d) => { serverOut = (serverOut + d).slice(-4000) })
let exited = false
server.once('exit', () => { exited = true })

async function stopServer() {
  if (exited) return
  const gone = new Promise((r) => server.once('exit', r))
  server.kill('SIGTERM') // main.ts stops the demo and closes the app
  const t = setTimeout(() => { if (!exited) server.kill('SIGKILL') }, 20_000)
  await gone
  clearTimeout(t)
}

try {
  for (let waited = 0; ; waited += 250) {
    if (exited) throw new Error(`server exited at start-up:\n${serverOut}`)
    if (waited > 120_000) throw new Error(`server did not answer /healthz within 120 s:\n${serverOut}`)
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
    if (ok) break
    await new Promise((r) => setTimeout(r, 250))
  }

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--js-flags=--expose-gc'],
  })
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(url + '/')
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')

  interface Sample {
    t_s: number; heap_mb: number; nodes: number; listeners: number
    server_rss_mb: number; server_peak_rss_mb: number; client_rss_mb: number; kpi: string
  }
  const samples: Sample[] = []
  const started = Date.now()
  for (let k = 0; k * EVERY_S <= MINUTES * 60; k++) {
    await new Promise((r) => setTimeout(r, k === 0 ? 15_000 : Math.max(0, started + 15_000 + k * EVERY_S * 1000 - Date.now())))
    if (exited) throw new Error(`server exited during the soak:\n${serverOut}`)
    await page.evaluate(() => (globalThis as unknown as { gc?: () => void }).gc?.())
    const { metrics } = await cdp.send('Performance.getMetrics')
    const get = (n: string) => metrics.find((x) => x.name === n)?.value ?? 0
    const mem = procMemory(server.pid!)
    const s: Sample = {
      t_s: k * EVERY_S,
      heap_mb: mb(get('JSHeapUsedSize')),
      nodes: get('Nodes'),
      listeners: get('JSEventListeners'),
      server_rss_mb: mb(mem.rss),
      server_peak_rss_mb: mb(mem.hwm),
      client_rss_mb: mb(process.memoryUsage().rss),
      kpi: (await page.locator('[data-kpi="volume_12345"]').textContent()) ?? '',
    }
    samples.push(s)
    console.log(`${(s.t_s / 60).toFixed(2)} min: page heap ${s.heap_mb} MB, ${s.nodes} DOM nodes, ${s.listeners} listeners; ` +
      `server RSS ${s.server_rss_mb} MB (peak ${s.server_peak_rss_mb}); soak client RSS ${s.client_rss_mb} MB; 12345 工单量 ${s.kpi}`)
  }
  await browser.close()

  const first = samples[1] ?? samples[0] // the first sample includes start-up allocations
  const last = samples[samples.length - 1]
  const mid = samples[Math.floor((samples.indexOf(first) + samples.length - 1) / 2)]
  const hours = Math.max(1, last.t_s - first.t_s) / 3600
  const r2 = (x: number) => Math.round(x * 100) / 100
  console.log(JSON.stringify({
    minutes: MINUTES, sample_every_s: EVERY_S, server_pid: server.pid,
    heap_mb_first: first.heap_mb, heap_mb_last: last.heap_mb,
    heap_growth_mb_per_hour: r2((last.heap_mb - first.heap_mb) / hours),
    // Start-up JIT and caches settle early: growth over the second half tells whether it keeps growing.
    heap_mb_mid: mid.heap_mb, heap_growth_mb_second_half: r2(last.heap_mb - mid.heap_mb),
    nodes_first: first.nodes, nodes_last: last.nodes, listeners_first: first.listeners, listeners_last: last.listeners,
    // The server process alone (API, ingest, jobs, demo simulator, embedded ClickHouse).
    server_rss_mb_first: first.server_rss_mb, server_rss_mb_mid: mid.server_rss_mb, server_rss_mb_last: last.server_rss_mb,
    server_rss_growth_mb_second_half: r2(last.server_rss_mb - mid.server_rss_mb), server_peak_rss_mb: last.server_peak_rss_mb,
    // This process: the browser driver and the sampling, not the server.
    client_rss_mb_first: first.client_rss_mb, client_rss_mb_last: last.client_rss_mb,
    kpi_first: first.kpi, kpi_last: last.kpi, page_errors: errors.length, page_error_first: errors[0]?.slice(0, 200) ?? null,
  }))
} finally {
  await stopServer()
  rmSync(dir, { recursive: true, force: true })
}
process.exit(0)

// Hardening, probed as an attacker would against the real app (embedded ClickHouse, real HTTP):
// cross-site ingest, content types, Host (DNS rebinding), the caller-hash secret, the metrics cache,
// security headers, and error messages that leak nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { spawnSync } from 'node:child_process'
import { launchChromium } from './helpers/browser'
import { gzipSync } from 'node:zlib'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startTestApp, ndjson, type TestApp } from './helpers/app'
import { record } from './helpers/fixtures'
import { loadConfig, ConfigError } from '../config'
import { startApp, makeLogger } from '../app'
import { queryRows } from '../analytics/clickhouse'
import { callerKey } from '../ingest/privacy'
import { resolveCallerSecret, SecretError } from '../ingest/secret'

const dir = mkdtempSync(path.join(tmpdir(), 'linkage-hardening-'))
// One data directory for the whole file (restarted on it for the secret); AUTH_OPEN_ROLE keeps access
// control (another part of issue 6) out of what is probed here.
const ENV = { DATA_DIR: dir, METRICS_CACHE_MS: '60000', INGEST_MAX_BODY_MB: '1', ALLOWED_HOSTS: 'wall.example', AUTH_OPEN_ROLE: 'admin' }
let app: TestApp
let port: number
const begin = async () => { app = await startTestApp(ENV); port = Number(new URL(app.url).port) }
beforeAll(begin)
afterAll(async () => { await app?.stop(); rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }) })

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }
/** A raw HTTP request: node:http lets a test set Host, Origin and Sec-Fetch-Site as a browser or an attacker would. */
function raw(method: string, p: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: p, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: any = null
        try { json = JSON.parse(text) } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, headers: res.headers, text, json })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}
const stored = async (id: string) =>
  Number((await queryRows<{ n: string }>(app.db, 'SELECT count() AS n FROM records WHERE source_id = {id:String}', { id }))[0].n)
const quarantined = async (text: string) =>
  Number((await queryRows<{ n: string }>(app.db, 'SELECT count() AS n FROM quarantine WHERE position(raw, {t:String}) > 0', { t: text }))[0].n)
const line = (id: string) => ndjson([record({ source_id: id })])

describe('cross-site ingest', () => {
  it('refuses a cross-site text/plain POST (Origin https://evil.example) with 403 and stores nothing', async () => {
    const r = await raw('POST', '/api/ingest/records', { 'content-type': 'text/plain', origin: 'https://evil.example' }, line('XS-1'))
    expect(r.status).toBe(403)
    expect(r.json.error).toMatch(/Origin https:\/\/evil\.example is not this server/)
    // An accepted type does not make it acceptable, nor does leaving Origin out when the browser says cross-site.
    expect((await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson', origin: 'https://evil.example' }, line('XS-2'))).status).toBe(403)
    expect((await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson', 'sec-fetch-site': 'cross-site' }, line('XS-3'))).status).toBe(403)
    expect((await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson', origin: 'null' }, line('XS-4'))).status).toBe(403)
    // The server's own pages and clients without Origin (curl, the importer, sending systems) are served.
    expect((await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson', origin: `http://127.0.0.1:${port}` }, line('XS-OK-1'))).status).toBe(200)
    expect((await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson' }, line('XS-OK-2'))).status).toBe(200)
    for (const id of ['XS-1', 'XS-2', 'XS-3', 'XS-4']) {
      expect(await stored(id), id).toBe(0)
      expect(await quarantined(id), id).toBe(0)
    }
    expect(await stored('XS-OK-1')).toBe(1)
    expect(await stored('XS-OK-2')).toBe(1)
  })

  it('answers 415 naming the accepted types for any other content type, or none', async () => {
    for (const type of ['text/plain', 'text/csv', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const r = await raw('POST', '/api/ingest/records', type ? { 'content-type': type } : {}, line('CT-1'))
      expect(r.status, type).toBe(415)
      expect(r.json.error, type).toMatch(/application\/x-ndjson or application\/json/)
      expect(r.json.accepted_content_types).toEqual(['application/x-ndjson', 'application/json'])
    }
    expect(await stored('CT-1')).toBe(0)
    expect((await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson; charset=utf-8' }, line('CT-2'))).status).toBe(200)
    expect((await raw('POST', '/api/ingest/records', { 'content-type': 'application/json' }, JSON.stringify([record({ source_id: 'CT-3' })]))).status).toBe(200)
    expect(await stored('CT-2')).toBe(1)
    expect(await stored('CT-3')).toBe(1)
  })
})

describe('Host check (DNS rebinding)', () => {
  it('refuses a Host that is not configured, serves loopback names, HOST and ALLOWED_HOSTS', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, '127.0.0.1.evil.example', 'wall.example.evil', '0.0.0.0']) {
      const r = await raw('GET', '/api/metrics/definitions', { host })
      expect(r.status, host).toBe(421)
      expect(r.json.error, host).toMatch(/not served here.*ALLOWED_HOSTS/)
    }
    // No Host at all (HTTP/1.0): refused too.
    const bare = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.end('GET /api/metrics/definitions HTTP/1.0\r\n\r\n'))
      let text = ''
      s.on('data', (c) => { text += c.toString() })
      s.on('end', () => resolve(text))
      s.on('error', reject)
    })
    expect(bare).toMatch(/^HTTP\/1\.[01] 421/)
    const post = await raw('POST', '/api/ingest/records', { host: 'evil.example', 'content-type': 'application/x-ndjson' }, line('HOST-1'))
    expect(post.status).toBe(421)
    expect(await stored('HOST-1')).toBe(0)
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `[::1]:${port}`, 'wall.example', 'wall.example:8080'])
      expect((await raw('GET', '/api/metrics/definitions', { host })).status, host).toBe(200)
  })
})

describe('metrics cache', () => {
  it('is keyed on the known parameters only: &nocache=N does not force a computation', async () => {
    const a = await raw('GET', '/api/metrics/overview?nocache=1')
    const b = await raw('GET', '/api/metrics/overview?nocache=2')
    const c = await raw('GET', '/api/metrics/overview?bucket=day&x=y')
    expect(a.status).toBe(200)
    // One computation: the same answer, judged at the same instant, generated once.
    for (const r of [b, c]) {
      expect(r.json.generated_at).toBe(a.json.generated_at)
      expect(r.json.as_of).toBe(a.json.as_of)
    }
    // Known parameters still tell computations apart.
    const d = await raw('GET', '/api/metrics/overview?platform=110&nocache=3')
    expect(d.json.generated_at).not.toBe(a.json.generated_at)
    const e = await raw('GET', '/api/metrics/by-region?nocache=1')
    expect((await raw('GET', '/api/metrics/by-region?nocache=2')).json.generated_at).toBe(e.json.generated_at)
  })
})

describe('security headers', () => {
  it('sends a CSP without inline scripts and the helmet headers on the dashboard, the API and refusals; no CORS', async () => {
    for (const [p, headers] of [['/', {}], ['/api/metrics/definitions', { origin: 'https://evil.example' }], ['/api/metrics/definitions', { host: 'evil.example' }]] as const) {
      const r = await raw('GET', p, headers)
      const csp = String(r.headers['content-security-policy'] ?? '')
      expect(csp, p).toMatch(/default-src 'self'/)
      expect(csp, p).toMatch(/script-src 'self'(;|$)/)
      expect(csp, p).toMatch(/object-src 'none'/)
      expect(csp, p).toMatch(/font-src 'self'(;|$)/) // the self-hosted font subsets; nothing from elsewhere, no data: fonts
      expect(csp, p).toMatch(/frame-ancestors 'none'/)
      expect(csp, p).not.toMatch(/upgrade-insecure-requests/)
      expect(r.headers['x-content-type-options'], p).toBe('nosniff')
      expect(r.headers['x-frame-options'], p).toBe('DENY')
      expect(r.headers['referrer-policy'], p).toBe('no-referrer')
      expect(r.headers['cross-origin-opener-policy'], p).toBe('same-origin')
      expect(r.headers['access-control-allow-origin'], p).toBeUndefined()
    }
    const pre = await raw('OPTIONS', '/api/ingest/records', { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' })
    expect(pre.headers['access-control-allow-origin']).toBeUndefined()
    expect(pre.headers['access-control-allow-methods']).toBeUndefined()
  })
})

describe('the dashboard under its CSP (headless Debian chromium)', () => {
  it('renders its charts and map with no CSP violation, while an injected inline script is blocked', async () => {
    if (!existsSync('/usr/bin/chromium')) throw new Error('Debian chromium is missing: `sudo apt-get install chromium` (bash .ci/run installs it)')
    const browser = await launchChromium()
    try {
      const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
      const problems: string[] = []
      page.on('pageerror', (e) => problems.push(e.message))
      page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(m.text()) })
      await page.addInitScript(() => {
        const w = window as unknown as { __csp: string[] }
        w.__csp = []
        document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`))
      })
      const res = await page.goto(app.url + '/')
      expect(res!.headers()['content-security-policy']).toMatch(/script-src 'self'/)
      await page.waitForFunction(() => document.querySelectorAll('canvas').length >= 3 && !!document.querySelector('[data-kpi]'), null, { timeout: 30_000 })
      // The map's tooltip is HTML with style attributes: hover the map so it is drawn too.
      const box = await page.locator('canvas').first().boundingBox()
      if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
      await page.waitForTimeout(1000)
      expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([])
      expect(problems).toEqual([])
      // The policy is in force: an inline script injected into the page does not run.
      const ran = await page.evaluate(() => {
        const el = document.createElement('script')
        el.textContent = '(window).__inlineRan = true'
        document.head.appendChild(el)
        return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true
      })
      expect(ran).toBe(false)
      await page.close()
    } finally {
      await browser.close()
    }
  }, 60_000)
})

describe('errors', () => {
  const leaks = (text: string) => /\/work\/|\/home\/|node_modules|\.ts:\d|\bat [\w.<>]+ \(|SELECT|Code: \d+|DB::Exception/.test(text)
  it('answers Fastify\'s own 4xx and bad input with plain messages, no SQL, stack or path', async () => {
    const big = await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson' }, Buffer.alloc(1.5 * 1024 * 1024, 0x20))
    expect(big.status).toBe(413)
    expect(big.json.error).toMatch(/larger than the limit \(1 MB\)/)
    const gz = await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' }, Buffer.from('not gzip at all'))
    expect(gz.status).toBe(400)
    expect(gz.json.error).toMatch(/not valid gzip/)
    const okGz = await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' }, gzipSync(line('GZ-1')))
    expect(okGz.status).toBe(200)
    const badWindow = await raw('GET', '/api/metrics/overview?from=garbage')
    expect(badWindow.status).toBe(400)
    expect(badWindow.json.error).toMatch(/from: not a date/)
    const badBucket = await raw('GET', '/api/metrics/overview?bucket=%00week')
    expect(badBucket.status).toBe(400)
    for (const r of [big, gz, badWindow, badBucket, await raw('GET', '/api/trace/999/x'), await raw('GET', '/nope/../../etc/passwd')]) {
      expect(r.status).toBeGreaterThanOrEqual(400)
      expect(r.status).toBeLessThan(500)
      expect(leaks(r.text), r.text).toBe(false)
    }
  })
})

describe('caller-hash secret', () => {
  let scratch: string | undefined
  const other = () => (scratch ??= mkdtempSync(path.join(tmpdir(), 'linkage-hardening-in-')))
  afterAll(() => { if (scratch) rmSync(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }) })
  const file = path.join(dir, 'caller-hash.secret')
  const keyOf = async (id: string) => (await queryRows<{ k: string }>(app.db, 'SELECT caller_key AS k FROM records FINAL WHERE source_id = {id:String}', { id }))[0]?.k

  it('is generated into DATA_DIR (mode 0600) on the first start, keys caller numbers, and is reused after a restart and by the importer', async () => {
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const secret = readFileSync(file, 'utf8').trim()
    expect(secret.length).toBeGreaterThanOrEqual(32)
    expect(secret).not.toBe('dev-only-caller-hash-secret-change-me')
    expect((await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson' }, ndjson([record({ source_id: 'SEC-1', caller_phone: '13900001111' })]))).status).toBe(200)
    const before = await keyOf('SEC-1')
    expect(before).toBe(callerKey(secret, '13900001111'))
    await app.stop()
    // The import CLI writing straight into the same DATA_DIR (no server answering) keys with the same file.
    const input = path.join(other(), 'in.ndjson')
    writeFileSync(input, ndjson([record({ source_id: 'SEC-3', caller_phone: '+86 13900001111' })]) + '\n')
    const cli = spawnSync('npx', ['tsx', 'ingest/import-cli.ts', input], {
      encoding: 'utf8', env: { ...process.env, DATA_DIR: dir, PORT: '1', LOG_LEVEL: 'silent', CALLER_HASH_SECRET: '' }, timeout: 120_000,
    })
    expect(cli.stdout, cli.stderr).toContain('1 accepted, 0 rejected')
    await begin()
    expect(readFileSync(file, 'utf8').trim()).toBe(secret)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect((await raw('POST', '/api/ingest/records', { 'content-type': 'application/x-ndjson' }, ndjson([record({ source_id: 'SEC-2', caller_phone: '139 0000 1111' })]))).status).toBe(200)
    expect(await keyOf('SEC-2')).toBe(before) // the same caller, the same key across restarts
    expect(await keyOf('SEC-3')).toBe(before)
  }, 120_000)

  it('refuses in production a known or short configured secret, and a data directory whose secret file is unusable', async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'linkage-hardening-secret-'))
    try {
      for (const s of ['dev-only-caller-hash-secret-change-me', 'sixteen-chars-plus-some']) {
        expect(() => loadConfig({ NODE_ENV: 'production', CALLER_HASH_SECRET: s, DATA_DIR: fresh }), s).toThrow(ConfigError)
        expect(() => resolveCallerSecret({ NODE_ENV: 'production', CALLER_HASH_SECRET: s, DATA_DIR: fresh }), s).toThrow(SecretError)
      }
      // Configured and strong: used as given, no file written.
      const strong = 'x'.repeat(8) + 'a-real-random-secret-of-40-characters'
      expect(resolveCallerSecret({ NODE_ENV: 'production', CALLER_HASH_SECRET: strong, DATA_DIR: fresh })).toMatchObject({ secret: strong, source: 'config' })
      // A weak secret in the file stops the real start-up before storage opens.
      writeFileSync(path.join(fresh, 'caller-hash.secret'), 'dev-only-caller-hash-secret-change-me\n', { mode: 0o600 })
      const cfg = loadConfig({ NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', DATA_DIR: fresh, DEMO: 'false', LOG_LEVEL: 'silent' })
      await expect(startApp(cfg, { jobs: false, logger: makeLogger('silent') })).rejects.toThrow(SecretError)
    } finally {
      rmSync(fresh, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })
    }
  })
})

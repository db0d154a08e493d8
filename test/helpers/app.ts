// Test harness: a real app (embedded ClickHouse in a fresh data directory, real Redis) on a free port.
import { mkdtempSync, rmSync } from 'node:fs'
import { Writable } from 'node:stream'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { loadConfig, type Config } from '../../config'
import type { Logger } from 'pino'
import { startApp, makeLogger, type App } from '../../app'

export { testNow } from './fixtures'

export interface TestApp extends App { cfg: Config; dataDir: string; stop: () => Promise<void>; /** an admin bearer token, sent by the helpers below */ adminToken: string }

// Tests talk to their app as admin: requests from this process to a test app's URL carry its admin
// token unless they set an Authorization header (or the app was started with { auth: false }).
const adminTokens = new Map<string, string>()
const plainFetch = globalThis.fetch
globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  const token = [...adminTokens].find(([base]) => url.startsWith(base + '/'))?.[1]
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
  if (!token || headers.has('authorization')) return plainFetch(input, init)
  headers.set('authorization', `Bearer ${token}`)
  return plainFetch(input, { ...init, headers })
}) as typeof fetch

export async function startTestApp(env: Record<string, string> = {}, opts: { jobs?: boolean; logger?: Logger; auth?: boolean } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'linkage-test-'))
  const cfg = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', DEMO: 'false', INGEST_FLUSH_MS: '20', ...env })
  const app = await startApp(cfg, { jobs: opts.jobs ?? false, jobsPrefix: `test-${randomUUID()}`, logger: opts.logger ?? makeLogger(process.env.TEST_LOG ?? 'silent') })
  const adminToken = (await app.tokens.create({ role: 'admin', name: 'test harness' })).token
  if (opts.auth !== false) adminTokens.set(app.url, adminToken)
  // CLIs spawned by tests (the importer) take their token from LINKAGE_TOKEN.
  process.env.LINKAGE_TOKEN = adminToken
  return {
    ...app, cfg, dataDir, adminToken,
    stop: async () => {
      adminTokens.delete(app.url)
      // The embedded engine lives as long as the process: stop its background merges before the files go.
      await app.db.command({ query: 'SYSTEM STOP MERGES' }).catch(() => {})
      await app.close()
      removeDir(dataDir)
    },
  }
}

/**
 * Removes a test's data directory. Best effort: the embedded engine outlives db.close() in this process
 * and may still finish a background write into it (ENOTEMPTY); a temp directory left behind is no test failure.
 */
export function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })
  } catch (e) {
    console.warn(`left ${dir} behind: ${(e as Error).message}`)
  }
}

/** For apps started with startApp directly: this process's requests to it carry a new admin token from now on. */
export async function authorize<T extends App>(app: T): Promise<T> {
  adminTokens.set(app.url, (await app.tokens.create({ role: 'admin', name: 'test harness' })).token)
  return app
}

export async function post(app: { url: string }, kind: 'records' | 'events', body: string, contentType = 'application/x-ndjson') {
  const res = await fetch(`${app.url}/api/ingest/${kind}`, { method: 'POST', headers: { 'content-type': contentType }, body })
  return { status: res.status, body: (await res.json()) as any }
}

export async function getJson(app: { url: string }, p: string) {
  const res = await fetch(`${app.url}${p}`)
  return { status: res.status, body: (await res.json()) as any }
}

export const ndjson = (items: unknown[]) => items.map((i) => JSON.stringify(i)).join('\n')

/** POST returning the whole Response (status, headers such as Retry-After, body unread). */
export function postRaw(app: { url: string }, kind: 'records' | 'events', body: string, contentType = 'application/x-ndjson') {
  return fetch(`${app.url}/api/ingest/${kind}`, { method: 'POST', headers: { 'content-type': contentType }, body })
}

/** A pino logger (the app's own, with its redaction) whose output is kept in memory: `text()` is every line so far. */
export function captureLog(level = 'debug') {
  let text = ''
  const sink = new Writable({ write(chunk, _enc, cb) { text += chunk.toString(); cb() } })
  return { logger: makeLogger(level, sink), text: () => text }
}

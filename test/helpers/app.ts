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

export interface TestApp extends App { cfg: Config; dataDir: string; stop: () => Promise<void> }

export async function startTestApp(env: Record<string, string> = {}, opts: { jobs?: boolean; logger?: Logger } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'linkage-test-'))
  const cfg = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', DEMO: 'false', INGEST_FLUSH_MS: '20', ...env })
  const app = await startApp(cfg, { jobs: opts.jobs ?? false, jobsPrefix: `test-${randomUUID()}`, logger: opts.logger ?? makeLogger(process.env.TEST_LOG ?? 'silent') })
  return {
    ...app, cfg, dataDir,
    stop: async () => {
      await app.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
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

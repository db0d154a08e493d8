// `npm run import -- FILE [--events] [--url http://host:port]`
// Loads an NDJSON file through the same ingest path as the HTTP endpoints. When a server is running
// (--url, INGEST_URL, or this config's PORT answering /healthz) the file is sent to it, because the
// embedded ClickHouse data directory belongs to that process; otherwise the file is written directly.
import { createReadStream, existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { loadConfig, ConfigError } from '../config'
import { openDb } from '../analytics/clickhouse'
import { migrate } from '../analytics/migrate'
import { IngestService, type IngestKind } from './service'
import type { IngestResponse } from '../model/api'
import { StorageError } from './batch-writer'
import { resolveCallerSecret, SecretError } from './secret'

const CHUNK_LINES = 5000

type Sender = (kind: IngestKind, body: string) => Promise<IngestResponse>

async function serverSender(url: string, token?: string): Promise<Sender> {
  return async (kind, body) => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${url}/api/ingest/${kind}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body })
      if (res.status === 503 && attempt < 5) { await new Promise((r) => setTimeout(r, 1000 * (attempt + 1))); continue }
      if (res.status !== 200 && res.status !== 422) throw new Error(`server answered ${res.status}: ${await res.text()}`)
      return (await res.json()) as IngestResponse
    }
  }
}

async function reachable(url: string): Promise<boolean> {
  try { return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok } catch { return false }
}

export async function importFile(file: string, kind: IngestKind | 'auto', send: Sender, out = console.log) {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })
  let lines: string[] = []
  let offset = 0
  let resolvedKind: IngestKind | null = kind === 'auto' ? null : kind
  const totals = { accepted: 0, rejected: 0 }
  const flush = async () => {
    if (lines.length === 0) return
    resolvedKind ??= lines.some((l) => l.includes('"event_id"')) ? 'events' : 'records'
    const res = await send(resolvedKind, lines.join('\n'))
    totals.accepted += res.accepted
    totals.rejected += res.rejected
    for (const r of res.results) {
      if (r.status === 'rejected' && totals.rejected <= 50)
        out(`line ${offset + r.line}${r.id ? ` (${r.id})` : ''}: rejected — ${(r.errors ?? []).map((e) => `${e.field}: ${e.reason}`).join('; ')}`)
    }
    offset += lines.length
    lines = []
  }
  for await (const line of rl) {
    lines.push(line)
    if (lines.length >= CHUNK_LINES) await flush()
  }
  await flush()
  out(`${file}: ${totals.accepted} accepted, ${totals.rejected} rejected (${resolvedKind ?? 'nothing'}; rejected lines are kept in the quarantine table)`)
  return totals
}

async function main() {
  const args = process.argv.slice(2)
  const file = args.find((a, i) => !a.startsWith('--') && !/^https?:/.test(a) && args[i - 1] !== '--token')
  if (!file || !existsSync(file)) {
    console.error('usage: npm run import -- FILE.ndjson [--events|--records] [--url http://127.0.0.1:8080]')
    process.exit(2)
  }
  const kind: IngestKind | 'auto' = args.includes('--events') ? 'events' : args.includes('--records') ? 'records' : 'auto'
  if (existsSync('.env')) process.loadEnvFile('.env')
  const cfg = loadConfig()
  const urlArg = args[args.indexOf('--url') + 1]
  const url = args.includes('--url') ? urlArg : process.env.INGEST_URL ?? `http://127.0.0.1:${cfg.PORT}`
  if (args.includes('--url') || process.env.INGEST_URL || (await reachable(url))) {
    console.log(`sending to the running server at ${url}`)
    // A source (or admin) token: --token or LINKAGE_TOKEN.
    const token = args.includes('--token') ? args[args.indexOf('--token') + 1] : process.env.LINKAGE_TOKEN
    const t = await importFile(file, kind, await serverSender(url, token))
    process.exit(t.rejected > 0 ? 1 : 0)
  }
  // The same secret as the server on this DATA_DIR (configured, or DATA_DIR/caller-hash.secret).
  const { secret } = resolveCallerSecret(cfg)
  const db = openDb({ url: cfg.CLICKHOUSE_URL, dataDir: cfg.DATA_DIR, user: cfg.CLICKHOUSE_USER, password: cfg.CLICKHOUSE_PASSWORD, database: cfg.CLICKHOUSE_DATABASE })
  await migrate(db)
  const service = new IngestService(db, { secret, maxRows: cfg.INGEST_BATCH_ROWS, flushMs: cfg.INGEST_FLUSH_MS })
  console.log(`writing to ${db.mode === 'embedded' ? `embedded ClickHouse in ${cfg.DATA_DIR}` : cfg.CLICKHOUSE_URL}`)
  const t = await importFile(file, kind, (k, body) => service.ingest(k, body))
  await service.close()
  await db.close()
  process.exit(t.rejected > 0 ? 1 : 0)
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e) => {
    // Storage refusing a chunk is an operational state, not a bug: say what to do, not a stack trace.
    if (e instanceof StorageError) console.error(`not stored: ${e.detail}\nNothing past the lines reported above was acknowledged; run the import again (re-sent lines are never doubled).`)
    else console.error(e instanceof ConfigError || e instanceof SecretError ? e.message : e)
    process.exit(1)
  })
}

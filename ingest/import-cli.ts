// `npm run import -- FILE [--events] [--url http://host:port] [--mapping MAPPING.json] [--dry-run]`
// Loads an NDJSON file through the same ingest path as the HTTP endpoints. When a server is running
// (--url, INGEST_URL, or this config's PORT answering /healthz) the file is sent to it, because the
// embedded ClickHouse data directory belongs to that process; otherwise the file is written directly.
// With --mapping, a CSV or NDJSON export is read through a declarative mapping (ingest/mapping/);
// --dry-run reports what would be accepted and rejected, by reason, and writes nothing.
import { createReadStream, existsSync, statSync, openSync, readSync, closeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { loadConfig, ConfigError } from '../config'
import { openDb } from '../analytics/clickhouse'
import { migrate } from '../analytics/migrate'
import { IngestService, checkItems, type IngestKind } from './service'
import type { IngestResponse } from '../model/api'
import { StorageError } from './batch-writer'
import { resolveCallerSecret, SecretError } from './secret'
import { looksLikeCsv, splitBody, type BodyItem } from './parse'
import { Reference } from './reference'
import { loadMappingFile, MappingError, type Mapping } from './mapping/schema'
import { mappedItems, formatOf } from './mapping/source'
import { ImportReport, progressLine } from './mapping/report'
import type { RowMapper } from './mapping/mapper'

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

/** Where mapped items go: ingest (local or through a server), or the dry run's check. Results carry the items' source lines. */
export type ItemSink = (kind: IngestKind, items: BodyItem[]) => Promise<IngestResponse>

/** Through a running server: the mapped rows go as NDJSON; rows the mapping rejected are answered here (and not quarantined). */
export function serverItemSink(send: Sender): ItemSink {
  return async (kind, items) => {
    const good = items.filter((i) => !i.errors?.length)
    const res: IngestResponse = good.length ? await send(kind, good.map((i) => JSON.stringify(i.value)).join('\n')) : { accepted: 0, rejected: 0, results: [] }
    const results = res.results.map((r) => ({ ...r, line: good[r.line - 1]?.line ?? r.line }))
    for (const i of items) if (i.errors?.length) results.push({ line: i.line, id: i.id ?? null, status: 'rejected', errors: i.errors.slice(0, 6) })
    results.sort((a, b) => a.line - b.line)
    return { ...res, rejected: res.rejected + (items.length - good.length), results }
  }
}

export interface MappedImportOptions {
  out?: (s: string) => void
  /** Writes a progress line (rate, ETA); given on a TTY. */
  progress?: (line: string) => void
  dryRun?: boolean
  /** Said after the rejections (default: they are in the quarantine table). */
  quarantineNote?: string
  /** The clock for rates (injected by tests). */
  now?: () => number
}

/** Reads FILE through a mapping in constant memory and hands it to `sink` in chunks; prints every rejection by line and the counts by reason. */
export async function importMapped(file: string, mapping: Mapping, sink: ItemSink, o: MappedImportOptions = {}) {
  const out = o.out ?? console.log
  const now = o.now ?? Date.now
  const size = statSync(file).size
  let bytes = 0
  async function* counted() {
    for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) { bytes += (c as Buffer).length; yield c as Buffer }
  }
  let mapper: RowMapper | null = null
  const report = new ImportReport(out, (f) => mapper?.columnsOf(f) ?? [])
  const started = now()
  let lastProgress = started
  let chunk: BodyItem[] = []
  const flush = async () => {
    if (!chunk.length) return
    report.add(await sink(mapping.kind, chunk))
    chunk = []
    const t = now()
    if (o.progress && t - lastProgress >= 500) { lastProgress = t; o.progress(progressLine(report.rows, bytes, size, t - started)) }
  }
  for await (const it of mappedItems(counted(), mapping, formatOf(mapping, file), (m) => { mapper = m })) {
    chunk.push(it)
    if (chunk.length >= CHUNK_LINES) await flush()
  }
  await flush()
  const secs = Math.max(1, now() - started) / 1000
  out(`${file}: ${report.accepted} ${o.dryRun ? 'would be accepted' : 'accepted'}, ${report.rejected} ${o.dryRun ? 'would be rejected' : 'rejected'} (${mapping.kind}, ${formatOf(mapping, file)} through the mapping; ${Math.round(report.rows / secs)} rows/s)`)
  if (report.rejected) {
    out(`rejected by reason:`)
    for (const l of report.summary()) out(l)
  }
  if (o.dryRun) out('dry run: nothing was written.')
  else if (report.rejected) out(o.quarantineNote ?? 'rejected rows are kept in the quarantine table.')
  return { accepted: report.accepted, rejected: report.rejected, byReason: report.byReason }
}

/** Reads the start of a file (to tell CSV from NDJSON when no mapping is given). */
function head(file: string, n = 4096): string {
  const fd = openSync(file, 'r')
  try { const b = Buffer.alloc(n); return b.subarray(0, readSync(fd, b, 0, n, 0)).toString('utf8') } finally { closeSync(fd) }
}

const USAGE = 'usage: npm run import -- FILE [--mapping MAPPING.json] [--dry-run] [--events|--records] [--url http://127.0.0.1:8080] [--token TOKEN]'

/** The reason a file cannot be imported without a mapping, or null. */
export function needsMapping(file: string): string | null {
  if (/\.(xlsx|xls|xlsm|ods)$/i.test(file))
    return `${file} is a spreadsheet: XLSX is not read yet. Save it as "CSV UTF-8" and import it with --mapping MAPPING.json (see ingest/mappings/)`
  if (/\.(csv|tsv)$/i.test(file) || looksLikeCsv(head(file)))
    return `${file} is CSV: a CSV export needs a mapping of its columns onto the record model. Run: npm run import -- ${file} --mapping MAPPING.json (examples in ingest/mappings/, fields in README "Imports")`
  return null
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

async function main() {
  const args = process.argv.slice(2)
  const valued = new Set(['--token', '--url', '--mapping'])
  const file = args.find((a, i) => !a.startsWith('--') && !valued.has(args[i - 1]))
  if (!file || !existsSync(file)) {
    console.error(file ? `no such file: ${file}\n${USAGE}` : USAGE)
    process.exit(2)
  }
  const mappingFile = option(args, '--mapping')
  const dryRun = args.includes('--dry-run')
  let mapping: Mapping | null = null
  if (mappingFile) mapping = await loadMappingFile(mappingFile)
  else {
    const why = needsMapping(file)
    if (why) { console.error(why); process.exit(2) }
  }
  if (mapping && /\.(xlsx|xls|xlsm|ods)$/i.test(file)) { console.error(needsMapping(file)); process.exit(2) }
  const kind: IngestKind | 'auto' = args.includes('--events') ? 'events' : args.includes('--records') ? 'records' : 'auto'
  if (mapping && kind !== 'auto' && kind !== mapping.kind) { console.error(`--${kind} contradicts the mapping, which maps ${mapping.kind}`); process.exit(2) }
  const progress = process.stderr.isTTY ? (l: string) => process.stderr.write(`\r\x1b[2K${l}`) : undefined
  const done = () => { if (progress) process.stderr.write('\r\x1b[2K') }
  if (dryRun) {
    // Nothing is written, so no store is opened and no server is needed: the same checks, here.
    const ref = Reference.load()
    console.log('dry run: checking only, nothing will be written')
    if (mapping) {
      const t = await importMapped(file, mapping, async (k, items) => checkItems(k, items, ref), { dryRun: true, progress })
      done()
      process.exit(t.rejected > 0 ? 1 : 0)
    }
    const t = await importFile(file, kind, async (k, body) => checkItems(k, splitBody(body), ref))
    process.exit(t.rejected > 0 ? 1 : 0)
  }
  if (existsSync('.env')) process.loadEnvFile('.env')
  const cfg = loadConfig()
  const urlArg = option(args, '--url')
  const url = urlArg ?? process.env.INGEST_URL ?? `http://127.0.0.1:${cfg.PORT}`
  if (urlArg || process.env.INGEST_URL || (await reachable(url))) {
    console.log(`sending to the running server at ${url}`)
    // A source (or admin) token: --token or LINKAGE_TOKEN.
    const token = option(args, '--token') ?? process.env.LINKAGE_TOKEN
    const sender = await serverSender(url, token)
    const t = mapping
      ? await importMapped(file, mapping, serverItemSink(sender), { progress, quarantineNote: 'rows the server rejected are kept in its quarantine table; rows the mapping rejected (reported above) were not sent.' })
      : await importFile(file, kind, sender)
    done()
    process.exit(t.rejected > 0 ? 1 : 0)
  }
  // The same secret as the server on this DATA_DIR (configured, or DATA_DIR/caller-hash.secret).
  const { secret } = resolveCallerSecret(cfg)
  const db = openDb({ url: cfg.CLICKHOUSE_URL, dataDir: cfg.DATA_DIR, user: cfg.CLICKHOUSE_USER, password: cfg.CLICKHOUSE_PASSWORD, database: cfg.CLICKHOUSE_DATABASE })
  await migrate(db)
  const service = new IngestService(db, { secret, maxRows: cfg.INGEST_BATCH_ROWS, flushMs: cfg.INGEST_FLUSH_MS })
  console.log(`writing to ${db.mode === 'embedded' ? `embedded ClickHouse in ${cfg.DATA_DIR}` : cfg.CLICKHOUSE_URL}`)
  const t = mapping
    ? await importMapped(file, mapping, (k, items) => service.ingestItems(k, items.map((i) => () => i)), { progress })
    : await importFile(file, kind, (k, body) => service.ingest(k, body))
  done()
  await service.close()
  await db.close()
  process.exit(t.rejected > 0 ? 1 : 0)
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e) => {
    // Storage refusing a chunk is an operational state, not a bug: say what to do, not a stack trace.
    if (e instanceof StorageError) console.error(`not stored: ${e.detail}\nNothing past the lines reported above was acknowledged; run the import again (re-sent lines are never doubled).`)
    else console.error(e instanceof ConfigError || e instanceof SecretError || e instanceof MappingError ? e.message : e)
    // A mapping that does not fit the file is refused before any row is read or written.
    process.exit(e instanceof MappingError ? 2 : 1)
  })
}

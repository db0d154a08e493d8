// Property: whatever a source sends (re-sends, corrections, reorderings, timestamps that cross a
// month, poisoned lines) and however often the server restarts in between, what is stored equals a
// plain in-memory model of what was sent, and every rejected line is in the quarantine.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fc from 'fast-check'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadConfig } from '../config'
import { startApp, makeLogger, type App } from '../app'
import { queryRows } from '../analytics/clickhouse'
import { record } from './helpers/fixtures'
import { authorize } from './helpers/app'

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60)
const dir = mkdtempSync(path.join(tmpdir(), 'linkage-prop-'))
const start = () => startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', DEMO: 'false', INGEST_FLUSH_MS: '5' }),
  { jobs: false, logger: makeLogger('silent') }).then(authorize)
let app: App
beforeAll(async () => { app = await start() })
afterAll(async () => { await app?.close(); rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }) })

// Timestamps around a month boundary (Shanghai), fixed in the past: 2025-01-31 22:00 + k × 20 min.
const BASE = Date.parse('2025-01-31T22:00:00+08:00')
const iso = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace('Z', '+08:00')
const local = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').replace('Z', '')

type Line =
  | { kind: 'record'; key: number; version: number }
  | { kind: 'event'; key: number; version: number | null; counterpart: number }
  | { kind: 'poison'; how: 'surrogate' | 'json' | 'missing' | 'utf8' }
type Op = { type: 'send'; lines: Line[] } | { type: 'restart' }

const line: fc.Arbitrary<Line> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('record' as const), key: fc.nat(5), version: fc.nat(30) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('event' as const), key: fc.nat(4), version: fc.option(fc.nat(30), { nil: null }), counterpart: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('poison' as const), how: fc.constantFrom('surrogate' as const, 'json' as const, 'missing' as const, 'utf8' as const) }) },
)
const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    { weight: 12, arbitrary: fc.record({ type: fc.constant('send' as const), lines: fc.array(line, { minLength: 1, maxLength: 8 }) }) },
    { weight: 1, arbitrary: fc.constant({ type: 'restart' as const }) },
  ),
  { minLength: 1, maxLength: 7 },
)

let caseNo = 0

describe('ingest, property-based', () => {
  it(`stores exactly what a model of the sent stream says, over ${RUNS} random streams`, async () => {
    await fc.assert(fc.asyncProperty(ops, async (stream) => {
      const p = `P${++caseNo}-`
      // The model: per key, the snapshot with the greatest version; on equal versions the last sent.
      // A (key, version) always carries the same content here, so "last sent" is unambiguous.
      const recs = new Map<string, { version: number; received: number; status: string }>()
      const evs = new Map<string, { version: number; at: number; counterpart: string }>()
      const rejected: { request: string; line: number }[] = []
      for (const op of stream) {
        if (op.type === 'restart') { await app.close(); app = await start(); continue }
        // Records and events go in separate requests, as sources send them.
        for (const kind of ['records', 'events'] as const) {
          const mine = op.lines.filter((l) => (kind === 'records' ? l.kind !== 'event' : l.kind === 'event'))
          if (!mine.length) continue
          const bodies: Buffer[] = []
          const expectRejected: number[] = []
          mine.forEach((l, i) => {
            if (l.kind === 'record') {
              // Content is a function of (key, version): the received time moves with the version,
              // so corrections cross the month boundary back and forth.
              const received = BASE + ((l.key * 7 + l.version * 5) % 13) * 20 * 60_000
              const r = record({ source_id: `${p}R${l.key}`, received_at: iso(received), updated_at: iso(BASE + 86_400_000 + l.version * 60_000),
                status: l.version % 3 === 0 ? 'closed' : 'received', closed_at: l.version % 3 === 0 ? iso(received + 60_000) : null,
                title: `v${l.version}` })
              bodies.push(Buffer.from(JSON.stringify(r)))
              const cur = recs.get(r.source_id)
              if (!cur || l.version >= cur.version) recs.set(r.source_id, { version: l.version, received, status: r.status })
            } else if (l.kind === 'event') {
              const v = l.version
              const atMs = BASE + ((l.key * 3 + (v ?? l.counterpart) * 5) % 13) * 20 * 60_000
              const counterpart = v === null ? `J${l.key}` : `J${l.key}-${v}`
              const e = { event_id: `${p}E${l.key}${v === null ? 'n' : 'v'}`, platform: '12345', record_id: `${p}R0`, type: 'transfer', at: iso(v === null ? BASE + l.key * 60_000 : atMs),
                from_platform: '12345', to_platform: '110', counterpart_id: counterpart, ...(v === null ? {} : { updated_at: iso(BASE + 86_400_000 + v * 60_000) }) }
              bodies.push(Buffer.from(JSON.stringify(e)))
              const cur = evs.get(e.event_id)
              const ver = v ?? -1
              if (!cur || ver >= cur.version) evs.set(e.event_id, { version: ver, at: Date.parse(e.at), counterpart })
            } else {
              expectRejected.push(i + 1)
              const r = JSON.stringify(record({ source_id: `${p}BAD`, received_at: iso(BASE) }))
              bodies.push(
                l.how === 'surrogate' ? Buffer.from(r.replace('"title":"', '"title":"\\udc00'))
                : l.how === 'json' ? Buffer.from(r.slice(0, -3))
                : l.how === 'missing' ? Buffer.from(r.replace(/"channel":"phone",/, ''))
                : Buffer.concat([Buffer.from(r.slice(0, 30)), Buffer.from([0xff, 0xfe]), Buffer.from(r.slice(30))]))
            }
          })
          const res = await fetch(`${app.url}/api/ingest/${kind}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: Buffer.concat(bodies.flatMap((b) => [b, Buffer.from('\n')])) })
          expect([200, 422]).toContain(res.status)
          const body = await res.json()
          const got = body.results.filter((r: any) => r.status === 'rejected').map((r: any) => r.line)
          expect(got).toEqual(expectRejected)
          for (const n of got) rejected.push({ request: body.request_id, line: n })
        }
      }
      const storedRecs = await queryRows<{ id: string; r: string; s: string; t: string }>(app.db,
        `SELECT source_id AS id, toString(received_at) AS r, status AS s, title AS t FROM records FINAL WHERE startsWith(source_id, {p:String}) ORDER BY id`, { p })
      expect(storedRecs).toEqual([...recs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, m]) => ({ id, r: local(m.received), s: m.status, t: `v${m.version}` })))
      const storedEvs = await queryRows<{ id: string; a: string; c: string }>(app.db,
        `SELECT event_id AS id, toString(at) AS a, counterpart_id AS c FROM events FINAL WHERE startsWith(event_id, {p:String}) ORDER BY id`, { p })
      expect(storedEvs).toEqual([...evs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, m]) => ({ id, a: local(m.at), c: m.counterpart })))
      // Reads by month see each record once, in its month.
      const jan = await queryRows<{ n: number }>(app.db,
        `SELECT count() AS n FROM records FINAL WHERE startsWith(source_id, {p:String}) AND received_at < '2025-02-01 00:00:00'`, { p })
      expect(Number(jan[0].n)).toBe([...recs.values()].filter((m) => m.received < Date.parse('2025-02-01T00:00:00+08:00')).length)
      if (rejected.length) {
        const q = await queryRows<{ r: string; l: number }>(app.db,
          `SELECT request_id AS r, line AS l FROM quarantine WHERE request_id IN {ids:Array(String)}`, { ids: [...new Set(rejected.map((x) => x.request))] })
        const have = new Set(q.map((x) => `${x.r}:${x.l}`))
        for (const x of rejected) expect(have.has(`${x.request}:${x.line}`), `${x.request}:${x.line}`).toBe(true)
      }
    }), { numRuns: RUNS, seed: Number(process.env.PROPERTY_SEED ?? 20261127) })
  }, 600_000)
})

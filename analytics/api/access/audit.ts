// The audit trail: who (token id, role), when, from which address, what, on what, and the outcome.
// Rows are only ever appended (migration 008); admins read them through GET /api/audit. Old rows leave
// by a TTL of AUDIT_RETENTION_DAYS.
import type { Db } from '../../clickhouse'
import { queryRows } from '../../clickhouse'
import { chTime } from '../../../ingest/rows'

export interface AuditEntry {
  actor: string; role: string; address: string; action: string; target?: string; outcome: 'ok' | 'denied' | 'failed'; detail?: string
}

/** A token's use is recorded at most this often (per token, in this process), not on every poll. */
const USE_EVERY_MS = 10 * 60_000

export class Audit {
  private lastUse = new Map<string, number>()

  constructor(private readonly db: Db, private readonly log?: { error: (o: object, m: string) => void }) {}

  async record(e: AuditEntry): Promise<void> {
    try {
      await this.db.insert({
        table: 'audit', format: 'JSONEachRow',
        values: [{ at: chTime(Date.now()), actor: e.actor, role: e.role, address: e.address, action: e.action, target: e.target ?? '', outcome: e.outcome, detail: (e.detail ?? '').slice(0, 2000) }],
      })
    } catch (err) {
      // An audit row that cannot be written is logged loudly; the request itself is not failed for it.
      this.log?.error({ err: (err as Error).message, action: e.action }, 'audit row not written')
    }
  }

  /** Rows older than `days` leave by the table's TTL (set at every start from AUDIT_RETENTION_DAYS). */
  async setRetention(days: number): Promise<void> {
    // Only when it changed: MODIFY TTL starts a mutation over the table.
    const [t] = await queryRows<{ engine_full: string }>(this.db, `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'audit'`)
    if (t?.engine_full.includes(`toIntervalDay(${Math.trunc(days)})`)) return
    await this.db.command({ query: `ALTER TABLE audit MODIFY TTL toDateTime(at) + INTERVAL ${Math.trunc(days)} DAY` })
  }

  /** token.use, throttled per token. */
  used(e: Omit<AuditEntry, 'action' | 'outcome'>, now = Date.now()): void {
    const last = this.lastUse.get(e.actor) ?? 0
    if (now - last < USE_EVERY_MS) return
    this.lastUse.set(e.actor, now)
    if (this.lastUse.size > 10_000) this.lastUse.clear()
    void this.record({ ...e, action: 'token.use', outcome: 'ok' })
  }

  list(o: { limit: number; action?: string }) {
    return queryRows(this.db,
      `SELECT toString(at) AS at, actor, role, address, action, target, outcome, detail FROM audit
       ${o.action ? 'WHERE action = {action:String}' : ''} ORDER BY at DESC LIMIT {limit:UInt32}`, o)
  }
}

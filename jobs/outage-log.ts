// Logs an outage of a dependency through the app's logger: once when it starts, a reminder at
// intervals while it lasts, once when it ends. ioredis reports a failure on every reconnect attempt
// (every ~2 s per connection); logging each one, with its stack, buried everything else.
export interface Log {
  info: (o: object, m: string) => void
  warn: (o: object, m: string) => void
  error: (o: object, m: string) => void
}

export class OutageLog {
  private since: number | null
  private lastLogged = 0
  private failures = 0

  /** `downSince`: the outage began before this object (e.g. Redis was already away at start, and that was logged). */
  constructor(private readonly what: string, private readonly log: Log, private readonly everyMs: number, downSince: number | null = null) {
    this.since = downSince
    this.lastLogged = downSince ?? 0
  }

  get down(): boolean { return this.since !== null }

  failure(err: unknown, fields: object = {}): void {
    const now = Date.now()
    const err_ = err instanceof Error ? err.message : String(err)
    this.failures++
    if (this.since === null) {
      this.since = this.lastLogged = now
      this.failures = 0
      this.log.error({ ...fields, err: err_ }, `${this.what} unreachable: jobs paused until it answers (logged again every ${Math.round(this.everyMs / 1000)} s while it lasts)`)
    } else if (now - this.lastLogged >= this.everyMs) {
      this.log.warn({ ...fields, err: err_, down_s: Math.round((now - this.since) / 1000), failures: this.failures }, `${this.what} still unreachable: jobs paused`)
      this.lastLogged = now
      this.failures = 0
    }
  }

  recovered(fields: object = {}): void {
    if (this.since === null) return
    this.log.info({ ...fields, down_s: Math.round((Date.now() - this.since) / 1000) }, `${this.what} reachable again: jobs resume`)
    this.since = null
  }
}

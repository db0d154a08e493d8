// People: users with a password (Argon2id, @node-rs/argon2) and sessions. A session is a random id in
// a signed, httpOnly, SameSite=Strict cookie (cookies.ts); the process keeps only its SHA-256, with the
// user, a CSRF token and the time of last use: idle longer than the limit, it is gone. Sessions live
// in this process (a restart signs everyone out; api replicas sharing sessions come with the scale-out
// work). Sign-in failures are limited per account and address. OneTimeLinks: the demo admin's sign-in link.
import { createHash, randomBytes } from 'node:crypto'
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2'
import type { Db } from '../../clickhouse'
import { queryRows } from '../../clickhouse'
import { chTime } from '../../../ingest/rows'
import { ROLES, type Role } from './route-table'
import { parseRegions, type Scope } from '../../scope'
import type { Principal } from './tokens'

export const MIN_PASSWORD = 12
const USERNAME = /^[A-Za-z0-9_.-]{2,64}$/

export interface UserInfo { username: string; role: Role; regions: string[]; disabled: boolean; created_at: string; updated_at: string }
interface Row extends UserInfo { password_hash: string; disabled_n: number }

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

export class UserStore {
  constructor(private readonly db: Db) {}

  private async row(username: string): Promise<Row | undefined> {
    const [r] = await queryRows<Row>(this.db,
      `SELECT u.username AS username, u.role AS role, u.regions AS regions, u.password_hash AS password_hash, u.disabled AS disabled_n,
              toString(u.created_at) AS created_at, toString(u.updated_at) AS updated_at
       FROM users AS u FINAL WHERE u.username = {u:String}`, { u: username })
    return r ? { ...r, disabled: Number(r.disabled_n) === 1 } : undefined
  }

  private async write(r: Omit<Row, 'disabled_n' | 'updated_at'>): Promise<void> {
    await this.db.insert({
      table: 'users', format: 'JSONEachRow',
      values: [{ username: r.username, role: r.role, regions: r.regions, password_hash: r.password_hash, disabled: r.disabled ? 1 : 0, created_at: r.created_at, updated_at: chTime(Date.now()) }],
    })
  }

  async create(o: { username: string; password: string; role: Role; regions?: string[] }): Promise<UserInfo> {
    if (!USERNAME.test(o.username)) throw new Error('username: 2-64 letters, digits, _ . -')
    if (!ROLES.includes(o.role)) throw new Error(`unknown role ${o.role}: one of ${ROLES.join(', ')}`)
    checkPassword(o.password)
    if (await this.row(o.username)) throw new Error(`user ${o.username} exists`)
    const scope = parseRegions(o.regions ?? [])
    const r = { username: o.username, role: o.role, regions: scope.counties === 'all' ? [] : [...scope.counties], password_hash: await argonHash(o.password), disabled: false, created_at: chTime(Date.now()) }
    await this.write(r)
    return info({ ...r, updated_at: r.created_at, disabled_n: 0 })
  }

  async list(): Promise<UserInfo[]> {
    const rows = await queryRows<Row>(this.db,
      `SELECT u.username AS username, u.role AS role, u.regions AS regions, u.disabled AS disabled_n, toString(u.created_at) AS created_at, toString(u.updated_at) AS updated_at
       FROM users AS u FINAL ORDER BY u.username`)
    return rows.map((r) => info({ ...r, disabled: Number(r.disabled_n) === 1 }))
  }

  async disable(username: string): Promise<boolean> {
    const r = await this.row(username)
    if (!r) return false
    await this.write({ ...r, disabled: true })
    return true
  }

  async passwd(username: string, password: string): Promise<boolean> {
    checkPassword(password)
    const r = await this.row(username)
    if (!r) return false
    await this.write({ ...r, password_hash: await argonHash(password) })
    return true
  }

  /** The user's principal when the password is right and the account enabled; one reason otherwise (not told to the caller). */
  async check(username: string, password: string): Promise<{ ok: true; principal: Principal } | { ok: false; reason: string }> {
    const r = USERNAME.test(username) ? await this.row(username) : undefined
    if (!r) return { ok: false, reason: 'unknown user' }
    if (!(await argonVerify(r.password_hash, password).catch(() => false))) return { ok: false, reason: 'wrong password' }
    if (r.disabled) return { ok: false, reason: 'disabled' }
    const scope: Scope = r.regions.length ? { counties: r.regions } : { counties: 'all' }
    return { ok: true, principal: { id: `user:${r.username}`, role: r.role as Role, name: r.username, scope, platforms: 'all' } }
  }
}

export function checkPassword(p: string): void {
  if (typeof p !== 'string' || [...p].length < MIN_PASSWORD) throw new Error(`password: at least ${MIN_PASSWORD} characters`)
  if (p.length > 1024) throw new Error('password: at most 1024 characters')
}

function info(r: Row): UserInfo {
  return { username: r.username, role: r.role, regions: r.regions, disabled: r.disabled, created_at: r.created_at, updated_at: r.updated_at }
}

export interface Session { principal: Principal; csrf: string; lastSeen: number }

export class SessionStore {
  private sessions = new Map<string, Session>()
  constructor(private readonly idleMs: number) {}

  create(principal: Principal, now = Date.now()): { id: string; csrf: string } {
    const id = randomBytes(32).toString('base64url')
    const csrf = randomBytes(24).toString('base64url')
    this.sessions.set(sha(id), { principal, csrf, lastSeen: now })
    return { id, csrf }
  }

  /** The live session of a cookie value, touched; null when unknown, signed out or idle too long. */
  get(id: string, now = Date.now()): Session | null {
    const k = sha(id)
    const s = this.sessions.get(k)
    if (!s) return null
    if (now - s.lastSeen > this.idleMs) { this.sessions.delete(k); return null }
    s.lastSeen = now
    return s
  }

  delete(id: string): void { this.sessions.delete(sha(id)) }

  /** Signs a user out everywhere (disabled, password changed). */
  dropUser(username: string): void {
    for (const [k, s] of this.sessions) if (s.principal.id === `user:${username}`) this.sessions.delete(k)
  }
}

/** Sign-in failures per key (account, address): more than `max` within `windowMs` → refused until it passes. */
export class FailureLimiter {
  private fails = new Map<string, number[]>()
  constructor(private readonly max = 5, private readonly windowMs = 15 * 60_000) {}
  blocked(key: string, now = Date.now()): boolean {
    const list = (this.fails.get(key) ?? []).filter((t) => now - t < this.windowMs)
    this.fails.set(key, list)
    return list.length >= this.max
  }
  fail(key: string, now = Date.now()): void {
    if (this.fails.size > 100_000) this.fails.clear()
    this.fails.set(key, [...(this.fails.get(key) ?? []), now])
  }
  clear(key: string): void { this.fails.delete(key) }
}

/** Single-use sign-in codes (the demo admin's link): a code signs in once, within its lifetime. */
export class OneTimeLinks {
  private codes = new Map<string, { principal: Principal; until: number }>()
  create(principal: Principal, ttlMs: number, now = Date.now()): string {
    const code = randomBytes(24).toString('base64url')
    this.codes.set(sha(code), { principal, until: now + ttlMs })
    return code
  }
  /** The principal of a live code, which is used up; null when unknown, used or expired. */
  consume(code: string, now = Date.now()): Principal | null {
    const k = sha(code)
    const c = this.codes.get(k)
    this.codes.delete(k)
    return c && now <= c.until ? c.principal : null
  }
}

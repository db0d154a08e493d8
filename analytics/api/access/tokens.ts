// Bearer tokens: created, listed, revoked and verified. Only a token's SHA-256 is stored (access_tokens,
// migration 007). Verified tokens are cached in this process for at most CACHE_MS; creating or revoking
// a token here clears the cache, so a revocation takes effect at once in this process.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Db } from '../../clickhouse'
import { queryRows } from '../../clickhouse'
import { chTime } from '../../../ingest/rows'
import { ROLES, type Role } from './route-table'
import { parseRegions, CITY_WIDE, type Scope } from '../../scope'

export const PLATFORMS = ['12345', '110'] as const

/** Who is calling: a token, the open role of demo mode, or the local admin key. */
export interface Principal {
  id: string
  role: Role
  name: string
  scope: Scope
  /** Platforms a source may send; 'all' for the others. */
  platforms: readonly string[] | 'all'
  /** When a token stops working (epoch ms); absent for sessions and the open role. */
  expiresMs?: number
}

export interface TokenInfo {
  id: string; role: Role; regions: string[]; platforms: string[]; name: string
  created_at: string; expires_at: string; revoked_at: string | null
}

export type Verified = { ok: true; principal: Principal } | { ok: false; reason: string }

const TOKEN = /^lk_[A-Za-z0-9_-]{43}$/
const CACHE_MS = 5000
const hash = (t: string) => createHash('sha256').update(t).digest('hex')

export interface CreateToken { role: Role; regions?: string[]; platforms?: string[]; name?: string; expiresDays?: number }

export class TokenStore {
  private cache = new Map<string, { at: number; row: Row | null }>()

  /** localKey: the key of DATA_DIR/admin.key, a local admin credential for the CLI (see README, Access). */
  constructor(private readonly db: Db, private readonly localKey: string | null = null) {}

  async create(o: CreateToken): Promise<{ token: string; info: TokenInfo }> {
    if (!ROLES.includes(o.role)) throw new Error(`unknown role ${o.role}: one of ${ROLES.join(', ')}`)
    const scope = parseRegions(o.regions ?? [])
    const platforms = [...new Set(o.platforms ?? [])]
    for (const p of platforms) if (!(PLATFORMS as readonly string[]).includes(p)) throw new Error(`unknown platform ${p}: 12345 or 110`)
    if (o.role === 'source' && platforms.length === 0) throw new Error('a source token needs --platform 12345 or 110 (or both, comma-separated)')
    const days = o.expiresDays ?? 90
    if (!(days > 0 && days <= 3650)) throw new Error('expires: days between 1 and 3650')
    const token = `lk_${randomBytes(32).toString('base64url')}`
    const now = Date.now()
    const row = {
      id: randomBytes(8).toString('hex'), hash: hash(token), role: o.role,
      regions: scope.counties === 'all' ? [] : [...scope.counties], platforms: o.role === 'source' ? platforms : [],
      name: (o.name ?? '').slice(0, 200), created_at: chTime(now), expires_at: chTime(now + days * 86_400_000),
      revoked_at: null, updated_at: chTime(now),
    }
    await this.db.insert({ table: 'access_tokens', values: [row], format: 'JSONEachRow' })
    this.cache.clear()
    return { token, info: toInfo({ ...row, revoked: 0, expires_ms: 0 }) }
  }

  async list(): Promise<TokenInfo[]> {
    const rows = await queryRows<Row>(this.db, `SELECT ${COLS} FROM access_tokens AS t FINAL ORDER BY t.created_at`)
    return rows.map(toInfo)
  }

  /** Revokes a token; false when there is none with that id. Takes effect at once in this process. */
  async revoke(id: string): Promise<boolean> {
    const [row] = await queryRows<Row & { hash: string }>(this.db, `SELECT ${COLS}, t.hash AS hash FROM access_tokens AS t FINAL WHERE t.id = {id:String}`, { id })
    if (!row) return false
    const now = chTime(Date.now())
    await this.db.insert({
      table: 'access_tokens', format: 'JSONEachRow',
      values: [{ id: row.id, hash: row.hash, role: row.role, regions: row.regions, platforms: row.platforms, name: row.name,
        created_at: row.created_at, expires_at: row.expires_at, revoked_at: row.revoked_at ?? now, updated_at: now }],
    })
    this.cache.clear()
    return true
  }

  /** Checks a bearer token; the reason says which of malformed, unknown, revoked or expired. */
  async verify(token: string, now = Date.now()): Promise<Verified> {
    if (this.localKey && token.length === this.localKey.length && timingSafeEqual(Buffer.from(token), Buffer.from(this.localKey)))
      return { ok: true, principal: { id: 'local-admin', role: 'admin', name: 'local admin key', scope: CITY_WIDE, platforms: 'all' } }
    if (!TOKEN.test(token)) return { ok: false, reason: 'malformed token: expected lk_ followed by 43 characters' }
    const h = hash(token)
    let hit = this.cache.get(h)
    if (!hit || now - hit.at > CACHE_MS) {
      const [row] = await queryRows<Row>(this.db, `SELECT ${COLS} FROM access_tokens AS t FINAL WHERE t.hash = {h:String} LIMIT 1`, { h })
      hit = { at: now, row: row ?? null }
      if (this.cache.size > 10_000) this.cache.clear()
      this.cache.set(h, hit)
    }
    const row = hit.row
    if (!row) return { ok: false, reason: 'unknown token' }
    if (Number(row.revoked)) return { ok: false, reason: 'revoked token' }
    if (Number(row.expires_ms) <= now) return { ok: false, reason: 'expired token' }
    const role = row.role as Role
    return {
      ok: true,
      principal: {
        id: row.id, role, name: row.name,
        scope: row.regions.length ? { counties: row.regions } : CITY_WIDE,
        platforms: role === 'source' ? row.platforms : 'all',
        expiresMs: Number(row.expires_ms),
      },
    }
  }
}

interface Row {
  id: string; role: string; regions: string[]; platforms: string[]; name: string
  created_at: string; expires_at: string; revoked_at: string | null; revoked: number; expires_ms: number
}
const COLS = `t.id AS id, t.role AS role, t.regions AS regions, t.platforms AS platforms, t.name AS name,
  toString(t.created_at) AS created_at, toString(t.expires_at) AS expires_at,
  if(isNull(t.revoked_at), NULL, toString(t.revoked_at)) AS revoked_at, NOT isNull(t.revoked_at) AS revoked,
  toUnixTimestamp64Milli(t.expires_at) AS expires_ms`

function toInfo(r: Row): TokenInfo {
  return { id: r.id, role: r.role as Role, regions: r.regions, platforms: r.platforms, name: r.name, created_at: r.created_at, expires_at: r.expires_at, revoked_at: r.revoked_at }
}

/** The local admin key in DATA_DIR/admin.key (mode 0600), created on first use. Whoever can read DATA_DIR can read the data anyway. */
export function localAdminKey(dataDir: string): string {
  const file = path.join(dataDir, 'admin.key')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true })
  const key = `lk_local_${randomBytes(32).toString('base64url')}`
  writeFileSync(file, key + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return key
}

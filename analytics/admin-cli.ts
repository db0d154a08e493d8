// `npm run admin -- token create --role ROLE [--regions CODES] [--platform 12345,110] [--name NAME] [--expires DAYS]`
// `npm run admin -- token list`, `npm run admin -- token revoke ID`
// When a server answers (--url, LINKAGE_URL, or this config's PORT) the command goes through its admin
// API, authenticated by --token / LINKAGE_TOKEN or else the local key DATA_DIR/admin.key (embedded
// ClickHouse belongs to that process, and a revocation then takes effect there at once). With no server
// running, the command writes straight into DATA_DIR (or the ClickHouse server of CLICKHOUSE_URL).
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { loadConfig, ConfigError } from '../config'
import { openDb } from './clickhouse'
import { migrate } from './migrate'
import { TokenStore, type TokenInfo } from './api/access/tokens'
import { ROLES, type Role } from './api/access/route-table'
import { Audit } from './api/access/audit'
import { userInfo } from 'node:os'
import { UserStore, type UserInfo } from './api/access/users'

const USAGE = `usage:
  npm run admin -- token create --role ${ROLES.join('|')} [--regions 410100|410102,410103] [--platform 12345|110|12345,110] [--name NAME] [--expires DAYS]
  npm run admin -- token list
  npm run admin -- token revoke ID
  npm run admin -- user create --username NAME --role ROLE [--regions CODES]   (password: LINKAGE_PASSWORD or --password-stdin)
  npm run admin -- user list | user disable NAME | user passwd NAME          (passwd: LINKAGE_PASSWORD or --password-stdin)
options: --url http://127.0.0.1:8080 (a running server), --token TOKEN (or LINKAGE_TOKEN) to authenticate to it`

interface Ops {
  create(o: { role: Role; regions: string[]; platforms: string[]; name?: string; expiresDays?: number }): Promise<{ token: string; info: TokenInfo }>
  list(): Promise<TokenInfo[]>
  revoke(id: string): Promise<boolean>
  userCreate(o: { username: string; password: string; role: Role; regions: string[] }): Promise<UserInfo>
  userList(): Promise<UserInfo[]>
  userDisable(u: string): Promise<boolean>
  userPasswd(u: string, password: string): Promise<boolean>
}

function serverOps(url: string, credential: string): Ops {
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(url + p, {
      method, headers: { authorization: `Bearer ${credential}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>
    return { status: res.status, json }
  }
  return {
    async create(o) {
      const r = await call('POST', '/api/admin/tokens', { role: o.role, regions: o.regions, platforms: o.platforms, name: o.name, expires_days: o.expiresDays })
      if (r.status !== 201) throw new Error(`server answered ${r.status}: ${String(r.json.error ?? '')}`)
      const { token, ...info } = r.json as unknown as TokenInfo & { token: string }
      return { token, info }
    },
    async list() {
      const r = await call('GET', '/api/admin/tokens')
      if (r.status !== 200) throw new Error(`server answered ${r.status}: ${String(r.json.error ?? '')}`)
      return r.json.tokens as TokenInfo[]
    },
    async revoke(id) {
      const r = await call('DELETE', `/api/admin/tokens/${encodeURIComponent(id)}`)
      if (r.status === 404) return false
      if (r.status !== 200) throw new Error(`server answered ${r.status}: ${String(r.json.error ?? '')}`)
      return true
    },
    async userCreate(o) {
      const r = await call('POST', '/api/admin/users', o)
      if (r.status !== 201) throw new Error(`server answered ${r.status}: ${String(r.json.error ?? '')}`)
      return r.json as unknown as UserInfo
    },
    async userList() {
      const r = await call('GET', '/api/admin/users')
      if (r.status !== 200) throw new Error(`server answered ${r.status}: ${String(r.json.error ?? '')}`)
      return r.json.users as UserInfo[]
    },
    async userDisable(u) {
      const r = await call('POST', `/api/admin/users/${encodeURIComponent(u)}/disable`, {})
      if (r.status === 404) return false
      if (r.status !== 200) throw new Error(`server answered ${r.status}: ${String(r.json.error ?? '')}`)
      return true
    },
    async userPasswd(u, password) {
      const r = await call('POST', `/api/admin/users/${encodeURIComponent(u)}/password`, { password })
      if (r.status === 404) return false
      if (r.status !== 200) throw new Error(`server answered ${r.status}: ${String(r.json.error ?? '')}`)
      return true
    },
  }
}

async function reachable(url: string): Promise<boolean> {
  try { return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok } catch { return false }
}

const opt = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)

async function main() {
  const args = process.argv.slice(2)
  const [what, cmd, arg] = args
  if (!((what === 'token' && ['create', 'list', 'revoke'].includes(cmd ?? '')) || (what === 'user' && ['create', 'list', 'disable', 'passwd'].includes(cmd ?? '')))) { console.error(USAGE); process.exit(2) }
  if (existsSync('.env')) process.loadEnvFile('.env')
  const cfg = loadConfig()
  const url = opt(args, '--url') ?? process.env.LINKAGE_URL ?? `http://127.0.0.1:${cfg.PORT}`
  let ops: Ops
  let done = async () => {}
  let audit: Audit | null = null // direct mode; through a server, the server audits
  if (opt(args, '--url') || process.env.LINKAGE_URL || (await reachable(url))) {
    const keyFile = path.join(cfg.DATA_DIR, 'admin.key')
    const credential = opt(args, '--token') ?? process.env.LINKAGE_TOKEN ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '')
    if (!credential) throw new Error(`a server answers at ${url}: give an admin token with --token or LINKAGE_TOKEN (or run where ${keyFile} is readable)`)
    console.log(`through the running server at ${url}`)
    ops = serverOps(url, credential)
  } else {
    const db = openDb({ url: cfg.CLICKHOUSE_URL, dataDir: cfg.DATA_DIR, user: cfg.CLICKHOUSE_USER, password: cfg.CLICKHOUSE_PASSWORD, database: cfg.CLICKHOUSE_DATABASE })
    await migrate(db)
    console.log(`writing to ${db.mode === 'embedded' ? `embedded ClickHouse in ${cfg.DATA_DIR}` : cfg.CLICKHOUSE_URL}`)
    const tokens = new TokenStore(db)
    const users = new UserStore(db)
    ops = {
      create: (o) => tokens.create(o), list: () => tokens.list(), revoke: (id) => tokens.revoke(id),
      userCreate: (o) => users.create(o), userList: () => users.list(), userDisable: (u) => users.disable(u), userPasswd: (u, p) => users.passwd(u, p),
    }
    audit = new Audit(db)
    done = () => db.close()
  }
  const actor = `cli:${userInfo().username}`
  try {
    if (what === 'user') {
      const password = async () => {
        const p = args.includes('--password-stdin') ? (await readStdin()).split('\n')[0] : process.env.LINKAGE_PASSWORD
        if (!p) throw new Error('give the password in LINKAGE_PASSWORD or on standard input with --password-stdin (never as an argument)')
        return p
      }
      if (cmd === 'create') {
        const role = opt(args, '--role') as Role
        if (!ROLES.includes(role)) throw new Error(`--role: one of ${ROLES.join(', ')}`)
        const u = await ops.userCreate({ username: opt(args, '--username') ?? '', password: await password(), role, regions: list(opt(args, '--regions')) })
        await audit?.record({ actor, role: 'admin', address: 'local', action: 'user.create', target: u.username, outcome: 'ok', detail: `role ${u.role}` })
        console.log(`user ${u.username}: role ${u.role}, regions ${u.regions.join(',') || 'whole city'}`)
      } else if (cmd === 'list') {
        for (const u of await ops.userList()) console.log([u.username, u.role, u.regions.join(',') || 'city', u.disabled ? 'disabled' : 'active', `since ${u.created_at}`].join('\t'))
      } else {
        if (!arg || arg.startsWith('--')) throw new Error(`user ${cmd} NAME`)
        const ok = cmd === 'disable' ? await ops.userDisable(arg) : await ops.userPasswd(arg, await password())
        await audit?.record({ actor, role: 'admin', address: 'local', action: `user.${cmd}`, target: arg, outcome: ok ? 'ok' : 'failed' })
        if (!ok) throw new Error(`no user ${arg}`)
        console.log(cmd === 'disable' ? `disabled ${arg}` : `password changed for ${arg}`)
      }
    } else if (cmd === 'create') {
      const role = opt(args, '--role') as Role
      if (!ROLES.includes(role)) throw new Error(`--role: one of ${ROLES.join(', ')}`)
      const expires = opt(args, '--expires')
      const { token, info } = await ops.create({
        role, regions: list(opt(args, '--regions')), platforms: list(opt(args, '--platform') ?? opt(args, '--platforms')),
        name: opt(args, '--name'), expiresDays: expires === undefined ? undefined : Number(expires),
      })
      console.log(`token ${info.id}: role ${info.role}, regions ${info.regions.length ? info.regions.join(',') : 'whole city'}${info.platforms.length ? `, platforms ${info.platforms.join(',')}` : ''}, expires ${info.expires_at}`)
      await audit?.record({ actor: `cli:${userInfo().username}`, role: 'admin', address: 'local', action: 'token.create', target: info.id, outcome: 'ok', detail: `role ${info.role}, regions ${info.regions.join(',') || 'city'}` })
      console.log('shown once, stored only as a hash:')
      console.log(token)
    } else if (cmd === 'list') {
      for (const t of await ops.list())
        console.log([t.id, t.role, t.regions.join(',') || 'city', t.platforms.join(',') || '-', t.name || '-', `expires ${t.expires_at}`, t.revoked_at ? `revoked ${t.revoked_at}` : 'active'].join('\t'))
    } else {
      if (!arg || arg.startsWith('--')) throw new Error('token revoke ID')
      const ok = await ops.revoke(arg)
      await audit?.record({ actor: `cli:${userInfo().username}`, role: 'admin', address: 'local', action: 'token.revoke', target: arg, outcome: ok ? 'ok' : 'failed' })
      if (!ok) throw new Error(`no token ${arg}`)
      console.log(`revoked ${arg}`)
    }
  } finally {
    await done()
  }
}

async function readStdin(): Promise<string> {
  let s = ''
  for await (const chunk of process.stdin) s += chunk
  return s
}

main().then(() => process.exit(0), (e) => {
  console.error(e instanceof ConfigError ? e.message : (e as Error).message)
  process.exit(1)
})

// `npm run admin -- token …`: straight into DATA_DIR when no server runs, through the running server
// (authenticated by a token or the local key DATA_DIR/admin.key) when one does; a revocation made
// through the server takes effect there at once.
import { describe, it, expect, afterAll } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { spawnSync, execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { loadConfig } from '../config'
import { startApp, makeLogger, type App } from '../app'

const dir = mkdtempSync(path.join(tmpdir(), 'linkage-admin-'))
const baseEnv = () => {
  const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent' }
  delete env.LINKAGE_TOKEN
  delete env.LINKAGE_URL
  return env
}
let app: App | undefined
afterAll(async () => { await app?.close(); rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }) })

const lastLine = (out: string) => out.trim().split('\n').pop()!.trim()
// Not spawnSync once the server runs: it answers the CLI from this very process.
const cli = (args: string[], env = baseEnv()) => promisify(execFile)('npx', ['tsx', 'analytics/admin-cli.ts', ...args], { encoding: 'utf8', env, timeout: 60_000 })
const status = async (token: string) => (await fetch(`${app!.url}/api/metrics/definitions`, { headers: { authorization: `Bearer ${token}` } })).status

describe('admin CLI', () => {
  it('creates the first admin token without a server, then creates, lists and revokes through the running server', async () => {
    const direct = spawnSync('npx', ['tsx', 'analytics/admin-cli.ts', 'token', 'create', '--role', 'admin', '--name', 'first'], {
      encoding: 'utf8', env: { ...baseEnv(), PORT: '1' }, timeout: 60_000,
    })
    expect(direct.status, direct.stderr).toBe(0)
    expect(direct.stdout).toContain(`embedded ClickHouse in ${dir}`)
    const admin = lastLine(direct.stdout)
    expect(admin).toMatch(/^lk_[A-Za-z0-9_-]{43}$/)

    app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', DEMO: 'false' }), { jobs: false, logger: makeLogger('silent') })
    expect(await status(admin)).toBe(200)

    // Through the server with the local key (no token given).
    const made = await cli(['token', 'create', '--role', 'wall', '--name', 'lobby', '--url', app.url])
    expect(made.stdout).toContain(`through the running server at ${app.url}`)
    const wall = lastLine(made.stdout)
    const id = /token ([0-9a-f]{16}):/.exec(made.stdout)![1]
    expect(await status(wall)).toBe(200)

    // Listed (with a token given), then revoked: refused at once.
    const listed = await cli(['token', 'list', '--url', app.url, '--token', admin])
    expect(listed.stdout).toMatch(new RegExp(`${id}\\twall\\tcity\\t-\\tlobby`))
    expect(listed.stdout).not.toContain(wall)
    await cli(['token', 'revoke', id, '--url', app.url])
    expect(await status(wall)).toBe(401)

    // A user made through the server (password from LINKAGE_PASSWORD, never an argument) signs in.
    const user = await cli(['user', 'create', '--username', 'wall-op', '--role', 'wall', '--url', app.url], { ...baseEnv(), LINKAGE_PASSWORD: 'a long enough password' })
    expect(user.stdout).toContain('user wall-op: role wall, regions whole city')
    const signIn = await fetch(`${app.url}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'wall-op', password: 'a long enough password' }) })
    expect(signIn.status).toBe(200)
    expect((await cli(['user', 'list', '--url', app.url])).stdout).toMatch(/wall-op\twall\tcity\tactive/)

    // A wrong token is refused by the server, and nothing is created.
    await expect(cli(['token', 'create', '--role', 'admin', '--url', app.url, '--token', wall])).rejects.toThrow(/401/)
  }, 180_000)
})

// People sign in to the dashboard: with no credentials (AUTH_OPEN_ROLE none) the page shows the
// sign-in view; a wrong password shows the API's message; signing in shows the dashboard with the
// user's name and the API's figures; signing out returns to the sign-in view, and the old session
// cookie is refused by the API afterwards (401). In demo mode (AUTH_OPEN_ROLE=wall) no sign-in is
// asked. Headless Debian Chromium against a real server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdirSync } from 'node:fs'
import { request } from 'node:http'
import type { Browser } from 'playwright-core'
import { launchChromium, requireBuiltPagesAndChromium, storeSimulatedDay } from './helpers/browser'
import { startTestApp, type TestApp } from './helpers/app'
import { Overview } from '../model/api'
import { formatMetric } from '../web/src/format'

let app: TestApp
let browser: Browser
const USER = 'zhang.min'
const PASSWORD = 'a long enough test password'

/** GET with only a cookie: node:http, so the test harness adds no admin token (its fetch would). */
function getWithCookie(path: string, cookie: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(app.url + path, { headers: { cookie, accept: 'application/json' } }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || 'null') }))
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  requireBuiltPagesAndChromium()
  app = await startTestApp({ AUTH_OPEN_ROLE: 'none', DEMO_ADMIN_LINK: 'true' })
  await storeSimulatedDay(app, 11)
  // A city-wide leader, made through the admin API (the harness's fetch sends the admin token).
  const made = await fetch(`${app.url}/api/admin/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USER, password: PASSWORD, role: 'leader' }) })
  expect(made.status).toBe(201)
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

describe('dashboard sign-in', () => {
  it('signs in, shows the dashboard, signs out, and the old session is refused', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))

    // No credentials: the sign-in view, Chinese first; no dashboard behind it.
    await page.goto(app.url + '/')
    const form = page.getByTestId('sign-in')
    await form.waitFor({ timeout: 30_000 })
    expect(await form.textContent()).toMatch(/登录\s*Sign in/)
    expect(await page.locator('[data-kpi]').count()).toBe(0)

    // A wrong password: the API's message, shown as it is.
    await page.fill('input[name=username]', USER)
    await page.fill('input[name=password]', 'not the password at all')
    await page.click('button[type=submit]')
    const err = page.getByTestId('sign-in-error')
    await err.waitFor()
    expect(await err.textContent()).toMatch(/wrong username or password/)
    mkdirSync('.tmp', { recursive: true })
    await page.screenshot({ path: '.tmp/signin.png' })

    // Sign in: the dashboard with the user's name, and the figures the API gives this session.
    await page.fill('input[name=password]', PASSWORD)
    await page.click('button[type=submit]')
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-kpi="volume_12345"]')
      return !!el && /\d/.test(el.textContent ?? '')
    }, null, { timeout: 30_000 })
    expect(await page.getByTestId('user-name').textContent()).toBe(USER)
    expect(await page.getByTestId('sign-out').textContent()).toMatch(/退出\s*Sign out/)
    const session = (await context.cookies()).find((c) => c.name === 'linkage_session')
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    const cookie = `linkage_session=${session!.value}`
    const asOf = await page.locator('[data-as-of]').getAttribute('data-as-of')
    const api = await getWithCookie(`/api/metrics/overview?bucket=day&as_of=${encodeURIComponent(asOf!)}`, cookie)
    expect(api.status).toBe(200)
    const metrics = Overview.parse(api.body).metrics
    expect(metrics.volume_12345.value).toBeGreaterThan(0)
    for (const id of ['volume_12345', 'volume_110', 'transfers_to_110', 'transfers_to_12345'])
      expect((await page.locator(`[data-kpi="${id}"]`).first().textContent())?.trim(), id).toBe(formatMetric(metrics[id]))
    await page.waitForTimeout(300)
    await page.screenshot({ path: '.tmp/signed-in.png' })

    // Sign out: the sign-in view again, the cookie gone from the browser, and the old one refused.
    await page.getByTestId('sign-out').click()
    await form.waitFor({ timeout: 10_000 })
    expect(await page.locator('[data-kpi]').count()).toBe(0)
    expect((await context.cookies()).find((c) => c.name === 'linkage_session')).toBeUndefined()
    const after = await getWithCookie('/api/metrics/overview?bucket=day', cookie)
    expect(after.status).toBe(401)
    expect(after.body.error).toMatch(/^unauthorized: session expired or signed out/)
    expect((await getWithCookie('/api/auth/me', cookie)).status).toBe(401)

    // A reload stays on the sign-in view.
    await page.reload()
    await form.waitFor({ timeout: 10_000 })
    expect(errors).toEqual([])
    await context.close()
  })

  it('admin page: the demo link signs in once, a wall token made there opens a wall screen by cookie, revoking it ends that screen', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    const link = app.demoAdminLink!.replace(/^http:\/\/localhost:\d+/, app.url)
    await page.goto(link)
    await page.getByTestId('admin-link').waitFor({ timeout: 30_000 })
    expect(page.url()).not.toContain('signin=') // the one-time code leaves the address bar
    expect(await page.getByTestId('user-name').textContent()).toBe('demo-admin')
    await page.getByTestId('admin-link').click()
    await page.getByTestId('admin-page').waitFor()
    await page.locator('[data-testid=users] tbody tr').first().waitFor()
    expect(await page.getByTestId('users').textContent()).toContain(USER)

    // A wall token for one county, shown once with the link to open on the screen.
    const form = page.getByTestId('create-token')
    await form.locator('select').selectOption('wall')
    await form.locator('input').nth(0).fill('大厅大屏 1')
    await form.locator('input').nth(1).fill('410105')
    await form.locator('button[type=submit]').click()
    const once = page.getByTestId('new-token')
    await once.waitFor()
    const wallLink = /http:\/\/[^\s]+#token=lk_[A-Za-z0-9_-]{43}/.exec((await once.textContent()) ?? '')![0]
    expect(await page.getByTestId('tokens').textContent()).toContain('大厅大屏 1')
    await page.screenshot({ path: '.tmp/admin.png', fullPage: true })

    // The wall screen: opened once with the link, it keeps an httpOnly cookie and no token in the page.
    const wallCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const wall = await wallCtx.newPage()
    await wall.goto(wallLink)
    await wall.waitForFunction(() => /\d/.test(document.querySelector('[data-kpi="volume_12345"]')?.textContent ?? ''), null, { timeout: 30_000 })
    expect(wall.url()).not.toContain('token=')
    expect(await wall.evaluate(() => JSON.stringify(localStorage) + document.cookie)).not.toContain('lk_')
    expect((await wallCtx.cookies()).find((c) => c.name === 'linkage_wall')).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    await wall.reload() // the cookie alone opens it again
    await wall.locator('[data-kpi="volume_12345"]').waitFor({ timeout: 30_000 })
    expect(await wall.getByTestId('sign-in').count()).toBe(0)

    // Revoked on the admin page: the wall screen falls back to the sign-in view on its next load.
    page.once('dialog', (d) => void d.accept())
    await page.locator('[data-testid=tokens] tr', { hasText: '大厅大屏 1' }).locator('button').click()
    await page.getByTestId('admin-notice').waitFor()
    await wall.reload()
    await wall.getByTestId('sign-in').waitFor({ timeout: 30_000 })

    // The audit trail on the page shows the token's creation and revocation by the demo admin.
    await page.reload()
    await page.locator('[data-testid=audit] tbody tr').first().waitFor()
    const auditText = (await page.getByTestId('audit').textContent()) ?? ''
    expect(auditText).toContain('token.create')
    expect(auditText).toContain('token.revoke')
    expect(auditText).toContain('user:demo-admin')
    expect(errors).toEqual([])
    await wallCtx.close()
    await context.close()
  })

  it('needs no sign-in in demo mode (AUTH_OPEN_ROLE=wall): the wall display, without a user or sign-out', async () => {
    // One embedded ClickHouse per process: the first app makes way for the demo one (afterAll stops it).
    await app.stop()
    app = undefined as unknown as TestApp
    app = await startTestApp({ AUTH_OPEN_ROLE: 'wall' })
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await page.goto(app.url + '/')
    await page.locator('[data-kpi="volume_12345"]').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('sign-in').count()).toBe(0)
    expect(await page.getByTestId('user-bar').count()).toBe(0)
    await page.close()
  })
})

// The dashboard in headless Debian Chromium against a real server: every KPI on screen equals the
// API's value, the map and charts render, and a screenshot at 1920×1080 is kept for review.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdirSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { launchChromium, requireBuiltPagesAndChromium, storeSimulatedDay } from './helpers/browser'
import { startTestApp, getJson, type TestApp } from './helpers/app'
import { Definitions, Overview } from '../model/api'
import { formatMetric } from '../web/src/format'

let app: TestApp
let browser: Browser
beforeAll(async () => {
  requireBuiltPagesAndChromium()
  // Targets for two rates (configuration): the wall colours them against it.
  app = await startTestApp({ METRIC_TARGETS: JSON.stringify({ response_rate_12345: { target: 0.99, warn: 0.98 }, response_rate_110: { target: 0.01 } }) }, { jobs: true })
  await storeSimulatedDay(app, 7)
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

describe('dashboard', () => {
  it('shows the API value in every KPI card, with the map and charts drawn', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    // A wall screen is opened once with a wall token in the fragment (no credentials are open here).
    const wall = (await app.tokens.create({ role: 'wall', name: 'browser test' })).token
    await page.goto(`${app.url}/#token=${wall}`)
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-kpi="volume_12345"]')
      return !!el && /\d/.test(el.textContent ?? '')
    }, null, { timeout: 30_000 })
    // The same instant the page's figures were judged at: equal values, whatever time passed since.
    const asOf = await page.locator('[data-as-of]').getAttribute('data-as-of')
    expect(asOf).toBeTruthy()
    const api = Overview.parse((await getJson(app, `/api/metrics/overview?bucket=day&as_of=${encodeURIComponent(asOf!)}`)).body)
    expect(api.metrics.volume_12345.value).toBeGreaterThan(0)
    // Rates only per platform on the wall; the bounce figures are over both and say so.
    const ids = ['volume_12345', 'volume_110', 'transfers_to_110', 'transfers_to_12345',
      ...['response_rate', 'resolution_rate', 'satisfaction_rate', 'satisfaction_first_rate'].flatMap((r) => [`${r}_12345`, `${r}_110`]),
      'bounce_transfers', 'bounced_records']
    for (const id of ids) {
      const shown = (await page.locator(`[data-kpi="${id}"]`).first().textContent())?.trim()
      expect(shown, id).toBe(formatMetric(api.metrics[id]))
    }
    // Configured targets: below the warning level red, under the target amber, else as usual; the target is shown.
    for (const [id, t, w] of [['response_rate_12345', 0.99, 0.98], ['response_rate_110', 0.01, null]] as const) {
      const v = api.metrics[id].value
      const want = v === null ? 'none' : w !== null && v < w ? 'warn' : v < t ? 'below' : 'ok'
      expect(await page.locator(`[data-kpi="${id}"]`).getAttribute('data-target-state'), id).toBe(want)
    }
    expect(await page.locator('[data-kpi="resolution_rate_12345"]').getAttribute('data-target-state')).toBe('none')
    expect(await page.locator('.goal').first().textContent()).toContain('目标 99.0%')
    const onScreen = await page.locator('[data-kpi]').evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-kpi')!, card: e.closest('.card')?.textContent ?? '' })))
    expect(onScreen.map((k) => k.id).sort()).toEqual([...ids].sort())
    for (const k of onScreen) if (api.metrics[k.id].platform === 'both') expect(k.card, k.id).toContain('合计')
    // Charts draw on canvases; the map needs its GeoJSON, served by the app.
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(3)
    expect((await fetch(app.url + '/geo/zhengzhou.json')).status).toBe(200)
    await page.waitForTimeout(500)
    mkdirSync('.tmp', { recursive: true })
    await page.screenshot({ path: '.tmp/dashboard.png' })
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows the metric dictionary: every metric of the API with its version and formula', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    const wall = (await app.tokens.create({ role: 'wall', name: 'browser test dictionary' })).token
    await page.goto(`${app.url}/#token=${wall}`)
    await page.locator('[data-kpi="volume_12345"]').first().waitFor({ timeout: 30_000 })
    await page.evaluate(() => { location.hash = '#/dictionary' })
    await page.locator('[data-testid="dictionary-metric"]').first().waitFor({ timeout: 30_000 })
    const defs = Definitions.parse((await getJson(app, '/api/metrics/definitions')).body)
    expect(await page.locator('[data-testid="dictionary-row"]').count()).toBe(defs.metrics.length)
    const sections = await page.locator('[data-testid="dictionary-metric"]').allTextContents()
    expect(sections.length).toBe(defs.metrics.length)
    defs.metrics.forEach((m, i) => {
      expect(sections[i], m.id).toContain(m.formula)
      expect(sections[i]).toContain(`v${m.version}`)
      expect(sections[i]).toContain(m.numerator_sql.trim().slice(0, 40))
    })
    await page.screenshot({ path: '.tmp/dictionary.png' })
    expect(errors).toEqual([])
    await page.close()
  })
})

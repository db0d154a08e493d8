// The wall renders its Chinese in the self-hosted font on a machine without any CJK font (this one:
// `fc-list :lang=zh` prints nothing). After document.fonts.ready every CJK character on screen —
// the page's text and the chart labels drawn on canvas — must lie in the unicode-range of a loaded
// FontFace of the self-hosted family; otherwise it would fall back to a missing glyph (tofu).
// Also: the font files come from this server only (CSP font-src 'self'), only some subsets are
// fetched, and a screenshot at 1920×1080 is kept in .tmp/wall-fonts.png for review.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { launchChromium, requireBuiltPagesAndChromium, storeSimulatedDay } from './helpers/browser'
import { startTestApp, type TestApp } from './helpers/app'

const FAMILY = 'Noto Sans SC Variable'
// Han ideographs plus CJK punctuation (，。（）：、“” …), radicals and full/half-width forms.
const CJK = /[\p{Script=Han}\u2e80-\u2fdf\u3000-\u303f\uff00-\uffef]/u

let app: TestApp
let browser: Browser
beforeAll(async () => {
  requireBuiltPagesAndChromium()
  app = await startTestApp({}, { jobs: true })
  await storeSimulatedDay(app, 7)
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

/** Parses a FontFace.unicodeRange ("U+4e00-4e3f, U+5000, U+30??") into [from, to] pairs. */
function parseUnicodeRange(s: string): [number, number][] {
  return s.split(',').map((part) => {
    const t = part.trim().replace(/^u\+/i, '')
    if (t.includes('?')) return [parseInt(t.replace(/\?/g, '0'), 16), parseInt(t.replace(/\?/g, 'f'), 16)]
    const [a, b] = t.split('-')
    return [parseInt(a, 16), parseInt(b ?? a, 16)]
  })
}

/** The page's CJK characters (innerText) that no loaded face of FAMILY covers, after document.fonts.ready. */
async function uncoveredText(page: import('playwright-core').Page): Promise<{ chars: number; missing: string }> {
  const got = await page.evaluate(async (family) => {
    await document.fonts.ready
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
    await document.fonts.ready
    const faces = [...document.fonts].filter((f) => f.family.replace(/^["']|["']$/g, '') === family && f.status === 'loaded')
    return { text: document.body.innerText, loaded: faces.map((f) => f.unicodeRange) }
  }, FAMILY)
  const ranges = got.loaded.flatMap(parseUnicodeRange)
  const chars = [...new Set([...got.text].filter((c) => CJK.test(c)))]
  return { chars: chars.length, missing: chars.filter((c) => !ranges.some(([a, b]) => c.codePointAt(0)! >= a && c.codePointAt(0)! <= b)).join('') }
}

const firstFamily = (list: string) => list.split(',')[0].trim().replace(/^["']|["']$/g, '')

describe('wall fonts', () => {
  it('draws every visible Chinese character, page and charts, in a loaded face of the self-hosted font', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(m.text()) })
    const fonts: { url: string; bytes: number }[] = []
    page.on('requestfinished', async (r) => {
      if (r.resourceType() !== 'font') return
      const res = await r.response()
      fonts.push({ url: r.url(), bytes: Number(res?.headers()['content-length'] ?? (await res?.body())?.length ?? 0) })
    })
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] }
      w.__csp = []
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`))
    })
    const wall = (await app.tokens.create({ role: 'wall', name: 'font test' })).token
    const res = await page.goto(`${app.url}/#token=${wall}`)
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-kpi="volume_12345"]')
      return !!el && /\d/.test(el.textContent ?? '') && document.querySelectorAll('canvas').length >= 3 && !!document.querySelector('tbody .name')
    }, null, { timeout: 30_000 })
    await page.waitForTimeout(800) // the last charts' data and the glyph loads they start
    // Fonts only from this server (data: URIs count as elsewhere): checked below, after the screenshot.
    const got = await page.evaluate(async (family) => {
      await document.fonts.ready
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
      await document.fonts.ready
      const unq = (s: string) => s.replace(/^["']|["']$/g, '')
      const faces = [...document.fonts].filter((f) => unq(f.family) === family)
      const probe = (window as unknown as { __linkageCharts?: { texts(): string[]; fontFamily(): string[] } }).__linkageCharts
      return {
        status: document.fonts.status,
        bodyFont: getComputedStyle(document.body).fontFamily,
        loaded: faces.filter((f) => f.status === 'loaded').map((f) => f.unicodeRange),
        declared: faces.length,
        text: document.body.innerText,
        chartTexts: probe ? probe.texts() : null,
        chartFonts: probe ? probe.fontFamily() : null,
      }
    }, FAMILY)
    mkdirSync('.tmp', { recursive: true })
    await page.screenshot({ path: '.tmp/wall-fonts.png' })
    expect(res!.headers()['content-security-policy']).toMatch(/font-src 'self'(;|$)/)
    expect(got.status).toBe('loaded')
    expect(firstFamily(got.bodyFont), got.bodyFont).toBe(FAMILY)
    // The charts are reachable, all draw in the page's family, and carry Chinese labels of their own.
    expect(got.chartTexts, 'window.__linkageCharts (web/src/echarts.ts)').not.toBeNull()
    expect(got.chartFonts!.length).toBeGreaterThanOrEqual(3)
    for (const f of got.chartFonts!) expect(firstFamily(f), f).toBe(FAMILY)
    const chartText = got.chartTexts!.join('\n')
    for (const label of ['12345 工单量', '110 警单量', '高', '低']) expect(chartText).toContain(label)

    const ranges = got.loaded.flatMap(parseUnicodeRange)
    const covered = (cp: number) => ranges.some(([a, b]) => cp >= a && cp <= b)
    const chars = new Set([...(got.text + '\n' + chartText)].filter((c) => CJK.test(c)))
    expect(chars.size).toBeGreaterThan(50)
    const missing = [...chars].filter((c) => !covered(c.codePointAt(0)!))
    expect(missing.join(''), `characters without a loaded ${FAMILY} face`).toBe('')
    expect(got.declared, `@font-face rules of ${FAMILY}`).toBeGreaterThan(50)

    // Canvas text is not redrawn by the browser: a chart drawn before its glyphs loaded keeps the tofu.
    // Drawn afresh now (every label measured again), each chart's pixels must stay the same.
    const redrawn = await page.evaluate(async () => {
      const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(r))))
      const shot = () => [...document.querySelectorAll('canvas')].map((c) => c.toDataURL())
      const before = shot()
      ;(window as unknown as { __linkageCharts: { redraw(): void } }).__linkageCharts.redraw()
      await frames()
      const after = shot()
      return { n: before.length, changed: before.map((b, i) => (b === after[i] ? -1 : i)).filter((i) => i >= 0) }
    })
    expect(redrawn.n).toBeGreaterThanOrEqual(3)
    expect(redrawn.changed, 'canvases that a fresh redraw changes (drawn before their glyphs loaded)').toEqual([])

    // Only the subsets in use are fetched, all from this server.
    const built = readdirSync(new URL('../web/dist/assets', import.meta.url)).filter((f) => f.endsWith('.woff2'))
    const builtBytes = built.reduce((s, f) => s + statSync(new URL(`../web/dist/assets/${f}`, import.meta.url)).size, 0)
    const fetchedBytes = fonts.reduce((s, f) => s + f.bytes, 0)
    console.log(`fonts: ${built.length} files, ${builtBytes} bytes built; ${fonts.length} files, ${fetchedBytes} bytes fetched by the wall`)
    for (const f of fonts) expect(f.url.startsWith(app.url + '/'), f.url).toBe(true)
    expect(fonts.length).toBeGreaterThan(0)
    expect(fonts.length).toBeLessThan(built.length / 2)

    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([])
    expect(problems).toEqual([])
    await page.close()
  })

  it('draws the other pages in it too: the metric dictionary and the sign-in view', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    const wall = (await app.tokens.create({ role: 'wall', name: 'font test pages' })).token
    await page.goto(`${app.url}/#token=${wall}`)
    await page.locator('[data-kpi="volume_12345"]').first().waitFor({ timeout: 30_000 })
    await page.evaluate(() => { location.hash = '#/dictionary' })
    await page.locator('[data-testid="dictionary-metric"]').first().waitFor({ timeout: 30_000 })
    const dict = await uncoveredText(page)
    expect(dict.chars).toBeGreaterThan(100)
    expect(dict.missing, 'dictionary: characters without a loaded face').toBe('')
    // No credentials: the sign-in view.
    const anon = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await anon.goto(`${app.url}/`)
    await anon.locator('[data-testid="sign-in"]').waitFor({ timeout: 30_000 })
    const signIn = await uncoveredText(anon)
    expect(signIn.chars).toBeGreaterThan(2)
    expect(signIn.missing, 'sign-in: characters without a loaded face').toBe('')
    await anon.close()
    await page.close()
  })
})

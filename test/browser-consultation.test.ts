// The consultation room (会商室) in headless Debian Chromium against a real server: a member signs in,
// opens the room from the wall's user bar, filters the queue, opens an item, reviews and decides it
// (the decision persists: a reload and the API agree), sees a record's cross-platform timeline, meets a
// conflicting change (409) with a clear message, exports the agenda; the wall then shows the item in its
// ticker and the planted hot issue in its hot-issues panel, all without scrolling at 1920×1080.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, requireBuiltPagesAndChromium } from './helpers/browser'
import { startTestApp, post, getJson, ndjson, type TestApp } from './helpers/app'
import { record, at, shanghaiDate, testNow } from './helpers/fixtures'
import { ItemStore } from '../analytics/items/store'
import { itemId } from '../analytics/items/model'
import type { Finding } from '../model/finding'
import type { RecordInput } from '../model/record'
import { Poller, type PollState } from '../web/src/poll'

let app: TestApp
let browser: Browser
const USER = 'wang.fang'
const PASSWORD = 'a long enough member password'
const DAY = 86_400_000

// Hot issues are read by the wall over the last 7 days of the real clock: these appeals lie in it.
const REAL_NOW = Date.now()
const D = (offset: number) => shanghaiDate(offset, REAL_NOW)
let n = 0
const phone = () => `1371234${String(1000 + ++n).slice(-4)}`
const appeal = (id: string, day: number, hhmm: string, title: string, content: string, over: Partial<RecordInput> = {}): RecordInput =>
  record({ source_id: id, received_at: at(`${D(day)}T${hhmm}`), county_code: '410105', category_code: 'ENV_CONSTRUCTION_NOISE', kind: 'complaint', title, content, caller_phone: phone(), ...over })

// One place written several ways, one problem in different words, five callers: the planted hot issue.
const RECORDS: RecordInput[] = [
  appeal('BC-1', -4, '22:10', '锦绣花园小区旁工地夜间施工噪音扰民', '锦绣花园小区旁边的工地每天晚上十一点以后还在施工，老人孩子都睡不着。'),
  appeal('BC-2', -3, '23:40', '投诉锦绣花园二期半夜打桩', '锦绣花园二期东侧工地半夜两点还在打桩，吵得整栋楼无法休息。'),
  appeal('BC-3', -3, '07:15', '金水区锦绣花园旁边的工地凌晨施工', '我家住金水区锦绣花园，旁边的工地凌晨还在施工，机器轰鸣。'),
  appeal('BC-4', -2, '21:30', '关于锦绣花园夜间施工的问题', '锦绣花园附近的建筑工地连续一周通宵施工，渣土车来回跑，噪声很大。'),
  appeal('BC-5', -1, '22:45', '锦绣花园工地晚上施工太吵', '锦绣花园的工地晚上施工太吵了，已经反映多次，至今没有改善。'),
  record({ source_id: 'BJ-1', platform: '110', kind: 'non_police', received_at: at(`${D(-2)}T23:50`), county_code: '410105', caller_phone: phone(),
    title: '锦绣花园工地纠纷', content: '锦绣花园小区居民与工地施工人员因夜间施工发生争执，双方情绪激动。' }),
  // A second, smaller hot issue, and a single appeal that is none.
  ...[['枫林家园小区频繁停水', '枫林家园小区这个月已经停水五次了，每次都没有提前通知。'], ['二七区枫林家园停水无通知', '枫林家园三期今天又停水了，没有任何通知，做饭洗漱都成问题。'],
    ['枫林家园三期没水了', '住在枫林家园三期，从昨天晚上开始就没水，物业说是管道问题。'], ['枫林家园经常断水什么时候能解决', '枫林家园经常断水，水压也低，高层住户根本用不上水。']]
    .map(([title, content], i) => appeal(`BW-${i + 1}`, -4 + i, '09:30', title, content, { county_code: '410102', category_code: 'LIV_WATER' })),
  appeal('BN-1', -2, '10:00', '阳光里小区路灯不亮', '阳光里小区门口的路灯坏了很久，晚上出行不安全。', { category_code: 'PUB_STREETLIGHT' }),
]

// Items as the detectors would raise them (times from the test clock).
const NOW = testNow()
const finding = (over: Partial<Finding> & Pick<Finding, 'fingerprint' | 'kind' | 'title'>): Finding => ({
  severity: 'medium', county_code: '410105', category_code: 'PUB_MANHOLE', units: ['CGJ', 'JD'],
  first_seen: NOW - 6 * DAY, last_seen: NOW - DAY, counts: { records: 12, transfers: 9 },
  series: [1, 2, 0, 3, 4, 2].map((v, i) => ({ day: shanghaiDate(i - 6), n: v })),
  samples: [{ platform: '12345', source_id: 'BC-1' }, { platform: '110', source_id: 'BJ-1' }],
  query: "SELECT platform, source_id FROM records FINAL WHERE category_code = 'PUB_MANHOLE' AND county_code = '410105'",
  suggested_lead: 'CGJ', suggested_assist: ['JD'], ...over,
})
const DISPUTED = finding({ fingerprint: 'dc|PUB_MANHOLE|410105', kind: 'disputed_category', title: '井盖缺失 金水区 反复转办', severity: 'high' })
const FINDINGS: Finding[] = [
  DISPUTED,
  finding({ fingerprint: 'jc|CON_DISTURB|ZJJ-CGJ', kind: 'jurisdiction_conflict', title: '施工扰民 住建与城管来回推诿', county_code: '410102', category_code: 'CON_DISTURB', units: ['ZJJ', 'CGJ'], suggested_lead: 'ZJJ', suggested_assist: ['CGJ'] }),
  finding({ fingerprint: 'rc|caller-1', kind: 'repeat_caller', title: '同一来电人七天内反复投诉', severity: 'low', category_code: '', units: [], suggested_lead: '', suggested_assist: [] }),
  // More than the wall's ticker holds (older: the three above come first).
  ...Array.from({ length: 9 }, (_, i) => finding({ fingerprint: `od|410103|${i}`, kind: 'overdue', title: `超期未办结工单督办（第 ${i + 1} 批）`, severity: 'low', county_code: '410103', last_seen: NOW - 3 * DAY })),
]
const ID = itemId(DISPUTED.fingerprint)

beforeAll(async () => {
  requireBuiltPagesAndChromium()
  app = await startTestApp({ AUTH_OPEN_ROLE: 'none', METRICS_CACHE_MS: '0' })
  const res = await post(app, 'records', ndjson(RECORDS))
  expect(res.body.rejected).toBe(0)
  await ItemStore.for(app.db).upsertFindings(FINDINGS, NOW)
  // A member (who may act on items), made through the admin API (the harness's fetch sends the admin token).
  const made = await fetch(`${app.url}/api/admin/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USER, password: PASSWORD, role: 'member' }) })
  expect(made.status).toBe(201)
  browser = await launchChromium()
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

const status = (page: Page) => page.getByTestId('item-status').textContent()

describe('consultation room', () => {
  it('a member filters, reviews and decides an item; the decision persists and shows on the wall', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, acceptDownloads: true })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()) })

    // Sign in on the wall; the user bar links to the consultation room.
    await page.goto(app.url + '/')
    await page.getByTestId('sign-in').waitFor({ timeout: 30_000 })
    await page.fill('input[name=username]', USER)
    await page.fill('input[name=password]', PASSWORD)
    await page.click('button[type=submit]')
    await page.getByTestId('consultation-link').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('consultation-link').textContent()).toMatch(/会商室\s*Consultation/)
    await page.getByTestId('consultation-link').click()
    await page.getByTestId('consultation-room').waitFor()
    await page.locator('[data-testid=queue-item]').first().waitFor({ timeout: 15_000 })
    expect(await page.locator('[data-testid=queue-item]').count()).toBe(FINDINGS.length)
    // Most severe first, coloured by severity.
    expect(await page.locator('[data-testid=queue-item]').first().getAttribute('data-item-id')).toBe(ID)

    // Filters: by kind, then by region; the counts follow.
    const filters = page.getByTestId('queue-filters')
    await filters.locator('select[name=kind]').selectOption('jurisdiction_conflict')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-item]').length === 1)
    expect(await page.getByTestId('queue-item').textContent()).toContain('施工扰民 住建与城管来回推诿')
    expect(await page.getByTestId('queue-total').textContent()).toBe('1')
    await filters.locator('select[name=kind]').selectOption('')
    await filters.locator('select[name=county]').selectOption('410105')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-item]').length === 2)
    await filters.locator('select[name=severity]').selectOption('high')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-item]').length === 1)

    // Open the item: its facts, evidence chart, samples, query and history.
    await page.locator(`[data-testid=queue-item][data-item-id=${ID}] button.open`).click()
    await page.waitForFunction(() => /#\/consultation\/it_/.test(location.hash))
    await page.getByTestId('item-title').waitFor()
    expect(await page.getByTestId('item-title').textContent()).toBe('井盖缺失 金水区 反复转办')
    expect(await status(page)).toMatch(/待研判/)
    const detail = (await page.getByTestId('item-detail').textContent()) ?? ''
    for (const s of ['高频争议事项', '金水区', '井盖缺失', '城市管理局（CGJ）', '街道办事处/乡镇政府（JD）']) expect(detail, s).toContain(s)
    expect(await page.getByTestId('evidence-counts').textContent()).toMatch(/12\s*诉求\/警情/)
    expect(await page.locator('[data-testid=evidence-chart] canvas').count()).toBe(1)
    expect(await page.getByTestId('item-history').textContent()).toContain('detector')

    // A sample record's cross-platform timeline (member: masked text).
    await page.locator('[data-testid=samples] li', { hasText: 'BC-1' }).getByTestId('trace-button').click()
    await page.getByTestId('trace').waitFor()
    expect(await page.getByTestId('trace').textContent()).toContain('锦绣花园')

    // Review, then decide with the form.
    await page.getByTestId('action-review').click()
    await page.waitForFunction(() => /会商中/.test(document.querySelector('[data-testid=item-status]')?.textContent ?? ''))
    await page.getByTestId('action-decide').click()
    const form = page.getByTestId('decision-form')
    await form.waitFor()
    await form.locator('select[name=lead]').selectOption('CGJ')
    const assist = form.getByTestId('decision-assist')
    if (!(await assist.locator('input[value=JD]').isChecked())) await assist.locator('input[value=JD]').check()
    await assist.locator('input[value=PCS]').check()
    await form.locator('textarea[name=norm]').fill('井盖缺失由城管局首接负责，24小时内修复；街道与派出所配合现场警戒。')
    await form.getByTestId('decision-submit').click()
    await page.waitForFunction(() => /已决定/.test(document.querySelector('[data-testid=item-status]')?.textContent ?? ''))
    await page.getByTestId('item-decision').waitFor()
    await page.getByTestId('before-after').waitFor({ timeout: 15_000 })

    // The decision persists: a reload shows it, and the API agrees.
    await page.reload()
    await page.getByTestId('item-decision').waitFor({ timeout: 30_000 })
    expect(await status(page)).toMatch(/已决定/)
    expect(await page.getByTestId('decision-lead-shown').textContent()).toContain('CGJ')
    expect(await page.getByTestId('decision-norm-shown').textContent()).toContain('24小时内修复')
    const api = await getJson(app, `/api/items/${ID}`)
    expect(api.body.item).toMatchObject({ status: 'decided', decided_by: `user:${USER}`, decision: { lead: 'CGJ', assist: expect.arrayContaining(['JD', 'PCS']) } })
    expect(api.body.history.map((h: any) => h.action)).toEqual(['raised', 'review', 'decide'])
    expect(await page.getByTestId('item-history').textContent()).toContain(`user:${USER}`)
    // In the queue (the filters are back to all after the reload), as decided.
    await page.locator(`[data-testid=queue-item][data-item-id=${ID}][data-status=decided]`).waitFor()
    await page.getByTestId('before-after').waitFor({ timeout: 15_000 })
    mkdirSync('.tmp', { recursive: true })
    await page.waitForTimeout(300)
    await page.screenshot({ path: '.tmp/consultation.png' })
    // The lower half of the item (samples with a timeline, query, history): the room scrolls inside itself.
    await page.locator('[data-testid=samples] li', { hasText: 'BJ-1' }).getByTestId('trace-button').click()
    await page.locator('details.query summary').click()
    await page.evaluate(() => document.querySelector('main.right')!.scrollTo(0, 1e6))
    await page.waitForTimeout(200)
    await page.screenshot({ path: '.tmp/consultation-lower.png' })

    // Someone else closes it meanwhile: this page's close is refused (409) and says so, then shows the new state.
    const version = api.body.item.version
    const other = await fetch(`${app.url}/api/items/${ID}/transition`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'close', expected_version: version }) })
    expect(other.status).toBe(200)
    await page.getByTestId('action-close').click()
    await page.getByTestId('item-conflict').waitFor()
    expect(await page.getByTestId('item-conflict').textContent()).toMatch(/该事项已被他人修改.*已办结/)
    await page.waitForFunction(() => /已办结/.test(document.querySelector('[data-testid=item-status]')?.textContent ?? ''))
    await page.getByTestId('action-reopen').waitFor()
    await page.evaluate(() => document.querySelector('main.right')!.scrollTo(0, 0))
    await page.screenshot({ path: '.tmp/consultation-conflict.png' })

    // Agenda and minutes: printable HTML in a new tab, and the Markdown file.
    await page.locator(`[data-testid=queue-item][data-item-id=${ID}] input[type=checkbox]`).check()
    const [tab] = await Promise.all([context.waitForEvent('page'), page.getByTestId('agenda-html').click()])
    await tab.waitForLoadState()
    expect(await tab.textContent('body')).toContain('井盖缺失 金水区 反复转办')
    await tab.close()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('agenda-md').click()])
    expect(download.suggestedFilename()).toMatch(/\.md$/)

    // Dismissing needs a reason (said on the page, nothing sent); with one, the item is 已排除 and the history keeps it.
    const RC = itemId('rc|caller-1')
    await page.locator(`[data-testid=queue-item][data-item-id=${RC}] button.open`).click()
    await page.waitForFunction(() => /同一来电人/.test(document.querySelector('[data-testid=item-title]')?.textContent ?? ''))
    await page.getByTestId('action-dismiss').click()
    expect(await page.getByTestId('item-error').textContent()).toMatch(/排除须填写理由/)
    await page.getByTestId('action-reason').fill('来电人诉求已另案办结，不需会商')
    await page.getByTestId('action-dismiss').click()
    await page.waitForFunction(() => /已排除/.test(document.querySelector('[data-testid=item-status]')?.textContent ?? ''))
    await page.waitForFunction(() => /来电人诉求已另案办结/.test(document.querySelector('[data-testid=item-history]')?.textContent ?? ''))
    expect((await getJson(app, `/api/items/${RC}`)).body.item).toMatchObject({ status: 'dismissed', status_reason: '来电人诉求已另案办结，不需会商' })

    // The wall: the item in the ticker, the planted hot issue in the hot-issues panel, nothing scrolls.
    await page.getByTestId('back-to-wall').click()
    await page.locator(`[data-testid=ticker-item][data-item-id=${ID}]`).waitFor({ timeout: 30_000 })
    await page.locator('[data-testid=hot-issue]', { hasText: '锦绣花园' }).waitFor({ timeout: 60_000 })
    expect(await page.locator('[data-testid=hot-issue]').first().textContent()).toContain('锦绣花园')
    expect(await page.locator('[data-testid=hot-issue]', { hasText: '枫林家园' }).count()).toBe(1)
    // As many ticker lines as the panel holds, newest first.
    expect(await page.locator('[data-testid=ticker-item]').count()).toBeGreaterThanOrEqual(5)
    expect(await page.locator(`[data-testid=ticker-item][data-item-id=${ID}]`).textContent()).toContain('高频争议事项')
    const fits = await page.evaluate(() => {
      const out: string[] = []
      if (document.documentElement.scrollHeight > innerHeight || document.documentElement.scrollWidth > innerWidth) out.push('page scrolls')
      for (const el of document.querySelectorAll('[data-testid=hot-issue], [data-testid=ticker-item]')) {
        const body = el.closest('.body')!.getBoundingClientRect()
        const r = el.getBoundingClientRect()
        if (r.bottom > body.bottom + 1 || r.right > body.right + 1) out.push(`${el.getAttribute('data-testid')} overflows its panel`)
      }
      return out
    })
    expect(fits).toEqual([])
    await page.waitForTimeout(500)
    await page.screenshot({ path: '.tmp/wall.png' })
    expect(errors).toEqual([])
    await context.close()
  })

  it("the wall's poller: items and hot issues for a wall token; items forbidden (not an error) for an evaluator", async () => {
    /** Polls with this bearer token until `done` holds for the state (the hot issues arrive apart from the cycle). */
    const pollWith = (token: string, done: (s: PollState) => boolean) => new Promise<PollState>((resolve) => {
      const p = new Poller({
        intervalMs: 60_000,
        fetch: (input, init) => fetch(app.url + String(input), { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } }),
      })
      const off = p.subscribe((s) => {
        if (!done(s)) return
        queueMicrotask(() => off())
        resolve(s)
      })
    })
    const wall = await app.tokens.create({ role: 'wall' })
    const w = await pollWith(wall.token, (s) => s.lastAttempt !== null && s.endpoints.hotspots.okAt !== null)
    expect(w.items?.items.map((i) => i.id)).toContain(ID)
    expect(w.hotspots?.hotspots[0].title).toContain('锦绣花园')
    expect(w.lastError).toBeNull()
    const evaluator = await app.tokens.create({ role: 'evaluator' })
    const e = await pollWith(evaluator.token, (s) => s.lastAttempt !== null)
    expect(e.endpoints.items.forbidden).toBeTruthy()
    expect(e.items).toBeNull()
    expect(e.lastError).toBeNull()
    expect(e.lastSuccess).not.toBeNull()
  })

  it('a leader reads the room (no actions, sample ids without timelines)', async () => {
    const made = await fetch(`${app.url}/api/admin/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'zhao.lead', password: PASSWORD, role: 'leader' }) })
    expect(made.status).toBe(201)
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${app.url}/#/consultation/${ID}`)
    await page.getByTestId('sign-in').waitFor({ timeout: 30_000 })
    await page.fill('input[name=username]', 'zhao.lead')
    await page.fill('input[name=password]', PASSWORD)
    await page.click('button[type=submit]')
    await page.getByTestId('item-title').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('consultation-room').textContent()).toContain('只读')
    expect(await page.getByTestId('item-actions').count()).toBe(0)
    expect(await page.getByTestId('trace-button').count()).toBe(0)
    expect(await page.getByTestId('samples').textContent()).toContain('BC-1')
    expect(errors).toEqual([])
    await context.close()
  })
})

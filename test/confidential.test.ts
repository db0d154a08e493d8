// Records flagged confidential (保密件): their text reaches admins only, whoever else may read text.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, ndjson, type TestApp } from './helpers/app'
import { record } from './helpers/fixtures'

let app: TestApp
let member = ''
const day = '2025-03-12'
beforeAll(async () => {
  app = await startTestApp()
  member = (await app.tokens.create({ role: 'member', name: 'member' })).token
  const r = await post(app, 'records', ndjson([
    record({ source_id: 'G-SECRET', title: '举报某单位违规（保密）', confidential: true, received_at: `${day}T09:00:00+08:00` }),
    record({ source_id: 'G-OPEN', title: '小区路灯不亮', received_at: `${day}T09:00:00+08:00` }),
  ]))
  expect(r.body.accepted).toBe(2)
})
afterAll(async () => { await app?.stop() })

const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
const exportTitles = async (token: string) => Object.fromEntries((await (await fetch(`${app.url}/api/export/records?from=${day}&to=${day}`, as(token))).text())
  .split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((r) => [r.source_id, r.title]))

describe('confidential records', () => {
  it('keep their text from members in the export and the trace, and show it to admins', async () => {
    expect(await exportTitles(member)).toEqual({ 'G-SECRET': '', 'G-OPEN': '小区路灯不亮' })
    expect(await exportTitles(app.adminToken)).toEqual({ 'G-SECRET': '举报某单位违规（保密）', 'G-OPEN': '小区路灯不亮' })
    const trace = async (token: string, id: string) => (await (await fetch(`${app.url}/api/trace/12345/${id}`, as(token))).json()).records[0].title
    expect(await trace(member, 'G-SECRET')).toBe('')
    expect(await trace(member, 'G-OPEN')).toBe('小区路灯不亮')
    expect(await trace(app.adminToken, 'G-SECRET')).toBe('举报某单位违规（保密）')
  })

  it('is a boolean field of the record model', async () => {
    const r = await post(app, 'records', ndjson([{ ...record({ source_id: 'G-BADFLAG', received_at: `${day}T10:00:00+08:00` }), confidential: 'yes' }]))
    expect(r.body.results[0].errors[0].field).toBe('confidential')
  })
})

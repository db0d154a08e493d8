// Long key lists travel as one JSON string parameter (inStrings/stringsParam): an Array(String)
// parameter of some 40,000 keys took seconds to parse. The keys must arrive unchanged, whatever they hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type Db, inStrings, openDb, queryRows, stringsParam } from '../analytics/clickhouse'

let dir: string
let db: Db
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'linkage-params-'))
  db = openDb({ dataDir: dir })
})
afterAll(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('inStrings / stringsParam', () => {
  it('passes keys with quotes, backslashes, newlines, tabs and Chinese unchanged', async () => {
    const keys = ["a'b", 'c"d', 'e\\f', 'g\nh', 'i\tj', '金水区|某小区', '', '\u0001']
    const got = await queryRows<{ k: string }>(db, `SELECT arrayJoin(JSONExtract({keys:String}, 'Array(String)')) AS k`, { keys: stringsParam(keys) })
    expect(got.map((r) => r.k)).toEqual(keys)
    const hit = await queryRows<{ k: string }>(db, `SELECT k FROM (SELECT arrayJoin(['g\\nh', 'x', 'c"d']) AS k) WHERE k IN ${inStrings('keys')} ORDER BY k`, { keys: stringsParam(keys) })
    expect(hit.map((r) => r.k)).toEqual(['c"d', 'g\nh'])
  })

  it('matches exactly the members of a list of 60,000 keys', async () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `G410100-${i * 2}`)
    const [r] = await queryRows<{ n: string; s: string }>(db,
      `SELECT toString(count()) AS n, toString(sum(number)) AS s FROM numbers(150000) WHERE concat('G410100-', toString(number)) IN ${inStrings('keys')}`,
      { keys: stringsParam(keys) })
    // the even numbers below 120,000
    expect(Number(r.n)).toBe(60_000)
    expect(Number(r.s)).toBe((119_998 * 60_000) / 2)
  })
})

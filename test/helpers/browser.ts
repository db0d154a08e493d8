// Debian's chromium, headless, with the flags this machine needs (no sandbox as root; no background
// networking, whose connections the closed network refuses). One place for every browser test.
import { chromium, type Browser } from 'playwright-core'
import { existsSync } from 'node:fs'
import { expect } from 'vitest'
import { post, ndjson, type TestApp } from './app'
import { Simulator } from '../../ingest/simulator/simulator'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
}

/** What every browser test needs before it starts, each missing piece named with how to get it. */
export function requireBuiltPagesAndChromium(): void {
  if (!existsSync(new URL('../../web/dist/index.html', import.meta.url))) throw new Error('web/dist is missing: run `npm run build` first (npm test does)')
  if (!existsSync('/usr/bin/chromium')) throw new Error('Debian chromium is missing: `sudo apt-get install chromium` (bash .ci/run installs it)')
}

/** One simulated day of history (scale 0.05) through the real ingest path, every line accepted; no live stream, so the numbers hold still. */
export async function storeSimulatedDay(app: TestApp, seed: number): Promise<void> {
  const sim = new Simulator({ seed, scale: 0.05, now: Date.now() })
  for (const batch of sim.backfill(1)) {
    if (batch.records.length) expect((await post(app, 'records', ndjson(batch.records))).body.rejected).toBe(0)
    if (batch.events.length) expect((await post(app, 'events', ndjson(batch.events))).body.rejected).toBe(0)
  }
}

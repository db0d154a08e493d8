// Debian's chromium, headless, with the flags this machine needs (no sandbox as root; no background
// networking, whose connections the closed network refuses). One place for every browser test.
import { chromium, type Browser } from 'playwright-core'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
}

// Screenshots of the console for docs/console.md, taken by the browser tests at the moment a page
// shows what the docs describe. Only with RUNIAM_SCREENSHOTS=1 (so a test run leaves the tree
// clean): `RUNIAM_SCREENSHOTS=1 npx vitest run e2e/src/console`.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { ROOT } from '../harness.js'

export const SCREENSHOTS = process.env['RUNIAM_SCREENSHOTS'] === '1'
export const SCREENSHOT_DIR = join(ROOT, 'docs/console')

/** Saves the page (the 1280×800 viewport) as docs/console/NAME.png when screenshots are asked for. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  // Steady pictures: no blinking caret, no spinner mid-turn, no hover left over.
  await page.mouse.move(0, 0)
  await page.screenshot({
    path: join(SCREENSHOT_DIR, `${name}.png`),
    animations: 'disabled',
    caret: 'hide',
  })
}

#!/usr/bin/env node
// Takes the README's screenshot: the web page running the default scenario, in headless
// Chromium at 1280x800, after HOURS simulated hours (the plots show the day's shape).
//   node tests/browser/screenshot.mjs [OUT.png] [HOURS]     (default docs/screenshot.png, 16)
// Needs the page built (make wasm).
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

import {kChromiumArgs, serve} from './serve.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.resolve(process.argv[2] ?? path.join(repo, 'docs/screenshot.png'));
const hours = Number(process.argv[3] ?? 16);
const {server, url} = await serve(path.join(repo, 'build/wasm/web'));
const browser = await chromium.launch({executablePath: '/usr/bin/chromium', headless: true, args: kChromiumArgs});
try {
  const page = await (await browser.newContext({viewport: {width: 1280, height: 800}})).newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.opsim, null, {timeout: 60000});
  await page.mouse.move(1279, 799);  // no hover read-out in the picture
  await page.evaluate((h) => { window.opsim.load('default'); window.opsim.advance(h * 3600); window.opsim.play(); }, hours);
  await new Promise((r) => setTimeout(r, 1500));
  await page.screenshot({path: out});
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  server.close();
}

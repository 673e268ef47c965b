#!/usr/bin/env node
// Takes the README's screenshot: the web page running the default scenario, in headless
// Chromium at 1280x800, after HOURS simulated hours (the plots show the day's shape).
//   node tests/browser/screenshot.mjs [OUT.png] [HOURS] [SCENARIO] [TAB] [WEB_DIR]
//     (default docs/screenshot.png, 16, default, the Plots tab, build/wasm/web)
// SCENARIO is a built-in scenario's name; TAB a tab's label ("SLOs"), clicked before the
// picture, which is then taken paused so that it shows HOURS exactly. Needs the page built
// (make wasm).
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

import {kChromiumArgs, serve} from './serve.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.resolve(process.argv[2] ?? path.join(repo, 'docs/screenshot.png'));
const hours = Number(process.argv[3] ?? 16);
const scenario = process.argv[4] ?? 'default';
const tab = process.argv[5] ?? null;
const web = path.resolve(process.argv[6] ?? path.join(repo, 'build/wasm/web'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const {server, url} = await serve(web);
const browser = await chromium.launch({executablePath: '/usr/bin/chromium', headless: true, args: kChromiumArgs});
try {
  const page = await (await browser.newContext({viewport: {width: 1280, height: 800}})).newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.opsim, null, {timeout: 60000});
  await page.mouse.move(1279, 799);  // no hover read-out in the picture
  const loaded = await page.evaluate((n) => window.opsim.load(n), scenario);
  if (!loaded.ok) throw new Error(`load("${scenario}"): ${loaded.error}`);
  if (tab) {
    await page.evaluate((h) => { window.opsim.pause(); window.opsim.advance(h * 3600); }, hours);
    await sleep(500);
    const r = await page.evaluate((id) => window.opsim.widgetRect(id), `tab:${tab}`);
    if (!r) throw new Error(`no tab "${tab}"`);
    // Hover, then click: ImGui 1.86 ignores a click on a tab the frame before did not hover.
    await page.mouse.move(r.x + r.w / 2, r.y + r.h / 2);
    await sleep(250);
    await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
    await page.mouse.move(1279, 799);
    await sleep(800);
  } else {
    await page.evaluate((h) => { window.opsim.advance(h * 3600); window.opsim.play(); }, hours);
    await sleep(1500);
  }
  await page.screenshot({path: out});
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  server.close();
}

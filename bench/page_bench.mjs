// The browser page's frame rate while the default scenario runs at maximum speed, the
// simulated time it covers per wall second, and the page's size (wasm + js + html, gzipped).
// Usage: node bench/page_bench.mjs WEB_DIR   (prints one JSON line)
import {readdirSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {gzipSync} from 'node:zlib';

const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(here, '../tests/browser/package.json'));
const {chromium} = require('playwright-core');
const {serve, kChromiumArgs} = await import(path.join(here, '../tests/browser/serve.mjs'));

const webDir = process.argv[2];
let bytes = 0, gzipped = 0;
for (const f of readdirSync(webDir)) {
  if (!/\.(wasm|js|html|data)$/.test(f)) continue;
  const body = readFileSync(path.join(webDir, f));
  bytes += body.length;
  gzipped += gzipSync(body, {level: 9}).length;
}

const {server, url} = await serve(webDir);
const browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: kChromiumArgs});
try {
  const page = await browser.newPage({viewport: {width: 1280, height: 800}});
  await page.goto(url);
  await page.waitForFunction(() => window.opsim && window.opsim.state, null, {timeout: 60000});
  await page.evaluate(() => { window.opsim.load('default'); window.opsim.setSpeed(0); window.opsim.play(); });
  await page.waitForTimeout(2000);  // warm-up: compilation and the first frames
  const t0 = await page.evaluate(() => window.opsim.state().t_s);
  const frames = [];
  for (let i = 0; i < 10; i++) {
    await page.waitForTimeout(500);
    frames.push(await page.evaluate(() => window.opsim.fps()));
  }
  const t1 = await page.evaluate(() => window.opsim.state().t_s);
  frames.sort((a, b) => a - b);
  console.log(JSON.stringify({
    fps_median: frames[Math.floor(frames.length / 2)], fps_min: frames[0],
    simulated_s_per_wall_s: (t1 - t0) / 5, page_bytes: bytes, page_gzipped_bytes: gzipped,
  }));
} finally {
  await browser.close();
  server.close();
}

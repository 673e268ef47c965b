// The browser page's frame rate while the default scenario (lengthened to 30 days) runs at
// maximum speed, the simulated time it covers per wall second, the time each frame spends in
// opsim's own code (simulation and UI, window.opsim.frameCpuMs), the same two figures with
// the page paused (drawing only), the frame rate of a bare WebGL canvas of the same size,
// and the page's size (wasm + js + html, gzipped).
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
  // The default scenario, lengthened to 30 days: at maximum speed its own day is over in a
  // few seconds, and a finished run is only drawing.
  const scenario = JSON.parse(readFileSync(path.join(here, '../scenarios/default.json'), 'utf8'));
  scenario.duration = '30d';
  const loaded = await page.evaluate((text) => window.opsim.load(text), JSON.stringify(scenario));
  if (!loaded.ok) throw new Error(`the lengthened default scenario does not load: ${loaded.error}`);
  await page.evaluate(() => { window.opsim.setSpeed(0); window.opsim.play(); });
  await page.waitForTimeout(2000);  // warm-up: compilation and the first frames
  const t0 = await page.evaluate(() => window.opsim.state().t_s);
  const frames = [], cpu = [];  // cpu: the frame's work in opsim's code (simulation, UI), ms
  for (let i = 0; i < 10; i++) {
    await page.waitForTimeout(500);
    frames.push(await page.evaluate(() => window.opsim.fps()));
    cpu.push(await page.evaluate(() => window.opsim.frameCpuMs()));
  }
  const t1 = await page.evaluate(() => window.opsim.state().t_s);
  if (await page.evaluate(() => window.opsim.state().finished)) throw new Error('the run finished while it was measured');
  // The same page paused: the frame is then only drawing, which tells how much of the frame
  // the simulation takes.
  await page.evaluate(() => window.opsim.pause());
  await page.waitForTimeout(1000);
  const paused = [], pausedCpu = [];
  for (let i = 0; i < 10; i++) {
    await page.waitForTimeout(500);
    paused.push(await page.evaluate(() => window.opsim.fps()));
    pausedCpu.push(await page.evaluate(() => window.opsim.frameCpuMs()));
  }
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // What this browser manages with nothing to draw: a WebGL 2 canvas of the same size that
  // is only cleared each frame. The distance from it is the cost of drawing opsim's picture.
  await page.close();  // alone, as opsim's page was
  const bare = await browser.newPage({viewport: {width: 1280, height: 800}});
  await bare.setContent(`<body style="margin:0"><canvas id="c" width="1280" height="800"></canvas><script>
    const gl = document.getElementById('c').getContext('webgl2', {antialias: false});
    let frames = 0, start = performance.now();
    window.fps = 0;
    function frame(now) {
      gl.clearColor((frames % 60) / 60, 0.2, 0.3, 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      if (++frames === 30) { window.fps = 30000 / (now - start); frames = 0; start = now; }
      requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);
  </script></body>`);
  await bare.waitForTimeout(2000);
  const bareFps = [];
  for (let i = 0; i < 5; i++) {
    await bare.waitForTimeout(500);
    bareFps.push(await bare.evaluate(() => window.fps));
  }
  console.log(JSON.stringify({
    fps_median: median(frames), fps_min: Math.min(...frames), frame_cpu_ms_median: median(cpu),
    fps_paused_median: median(paused), frame_cpu_ms_paused_median: median(pausedCpu),
    fps_bare_webgl_median: median(bareFps),
    simulated_s_per_wall_s: (t1 - t0) / 5, page_bytes: bytes, page_gzipped_bytes: gzipped,
  }));
} finally {
  await browser.close();
  server.close();
}

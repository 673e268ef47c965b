#!/usr/bin/env node
// End-to-end test of the web page (build/wasm/web) in the system's headless Chromium,
// driven through the page's window.opsim hook (SPEC.md section 6) with playwright-core.
//
//   node tests/browser/e2e.mjs [--web DIR] [--opsim NATIVE_OPSIM] [--source REPO] [--shot FILE.png]
//                              [--chromium PATH] [--only files]
//
// Serves DIR on 127.0.0.1 (a free port), opens it at 1280x800 and checks: no console errors
// and no page errors; scenarios() lists every scenario file; a broken scenario is refused
// with the loader's diagnostics (the same as `opsim validate`) and the running simulation
// stays as it was; after load(name), pause(), advance(3600) every metric of state() equals
// the native runner's `opsim run NAME --until 1h --format json`, for every scenario (so
// performance_score, scaling_events, forecast_error_percent and the slo.* figures too,
// checked by name); a scaling scenario's metrics after a day (forecast error above 0) equal
// the runner's; an SLO scenario's after its outage (budget spent, burn-rate alerts fired)
// equal the runner's and its SLOs tab opens and is not blank; with an `incidents` section
// added it opens an incident and the Incidents tab opens and is not blank; chaos-game-day
// run to its end equals the runner's (chaos.*.passed and resilience_score, the SLO budget)
// and its Chaos and SRE tabs open and are not blank; deploy-bad-canary after its rollback
// equals the runner's and its Deployments tab opens and is not blank; Roll back now clicked
// early in deploy-bad-rolling's rollout fails fewer requests than the runner's run; in the
// Chaos tab a scripted click on Start now lists the new experiment and one on Inject now
// makes requests fail; the Scaling and Performance tabs open (widgetRect("tab:...")) and
// are not blank; a rule and a scaling threshold edited in the UI change the running
// simulation; the
// #scenario= link, the file input and drag and drop load a scenario; a screenshot (saved to
// --shot) is not blank; exercises/cooldown opens on its Exercise tab, a scripted click on
// Show a hint reveals one, and played to its end its state().grade equals `opsim grade
// --format json` (failed), as does that of its reference solution opened through For
// teachers (passed); circuit-breaker-fallback with its breaker open: the Graph tab opens,
// is not blank (saved as graph-shot.png beside --shot), draws the open call red and the
// healthy caller green, and a scripted click on an agent opens its plots in the Plots tab;
// a scripted click on the Pause button (window.opsim.widgetRect) stops the clock and one on
// Play starts it again; and the page's files (files.mjs: several dropped at once, a missing
// one, the #bundle= share link, the bundled examples; --only files runs those alone). Prints
// "N passed, M failed"; exit code 0 only when nothing failed. Every wait is bounded.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {checkFilesInPage} from './files.mjs';
import {checkNotBlank, decodePng} from './image.mjs';
import {kChromiumArgs, serve} from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const opts = {
  source: path.resolve(here, '../..'),
  web: null,
  opsim: null,
  shot: null,
  chromium: '/usr/bin/chromium',
  only: null,  // "files": the page's files alone (files.mjs), for working on them
};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const key = a.replace(/^--/, '');
  if (a.startsWith('--') && key in opts && i + 1 < process.argv.length) {
    opts[key] = process.argv[++i];
  } else {
    console.error(`usage: node e2e.mjs [--web DIR] [--opsim BIN] [--source REPO] [--shot FILE.png] [--chromium PATH] ` +
                  `[--only files]\n` +
                  `unknown argument: ${a}`);
    process.exit(2);
  }
}
opts.web = path.resolve(opts.web ?? path.join(opts.source, 'build/wasm/web'));
opts.opsim = path.resolve(opts.opsim ?? path.join(opts.source, 'build/native/native/opsim'));
opts.shot = path.resolve(opts.shot ?? path.join(opts.source, 'build/browser-shot.png'));

const kWatchdogMs = 270000;  // the whole test, whatever happens

let passed = 0, failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
  return ok;
}
function finish(code) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code ?? (failed === 0 && passed > 0 ? 0 : 1));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const watchdog = setTimeout(() => {
  check('the test finishes within its time limit', false, `${kWatchdogMs / 1000} s passed`);
  finish(1);
}, kWatchdogMs);

// --- what must exist before anything runs
for (const [what, file, hint] of [
  ['the web page', path.join(opts.web, 'index.html'), 'build it: make wasm'],
  ['the page\'s wasm', path.join(opts.web, 'opsim_web.wasm'), 'build it: make wasm'],
  ['the native runner', opts.opsim, 'build it: make build'],
  ['Chromium', opts.chromium, 'install it: scripts/setup.sh'],
]) {
  if (!existsSync(file)) {
    check(`${what} exists`, false, `${file} not found (${hint})`);
    finish(1);
  }
}
let chromium;
try {
  ({chromium} = await import('playwright-core'));
} catch (e) {
  check('playwright-core is installed', false, `${e.message} (run scripts/setup.sh, or npm install in ${here})`);
  finish(1);
}

// --- the scenario files on disk, named as the programs name them
function scenarioFiles(dir, prefix = '') {
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...scenarioFiles(full, `${prefix}${entry}/`));
    else if (entry.endsWith('.json') && !(prefix === '' && entry === 'opsim.schema.json'))
      out.push({name: `${prefix}${entry.slice(0, -5)}`, file: full});
  }
  return out;
}
const scenarios = scenarioFiles(path.join(opts.source, 'scenarios'));

function nativeSummary(name, until, seed = null) {
  const seedArgs = seed === null ? [] : ['--seed', String(seed)];
  const out = execFileSync(opts.opsim, ['run', name, '--until', until, '--format', 'json', '--quiet', ...seedArgs],
                           {maxBuffer: 256 << 20, timeout: 120000});
  return JSON.parse(out.toString('utf8'));
}
// "FILE:LINE:COL: error: PATH: MESSAGE" lines of `opsim validate` as "LINE:COL: PATH: MESSAGE".
function nativeDiagnostics(text) {
  const dir = mkdtempSync(path.join(tmpdir(), 'opsim-e2e-'));
  try {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, text);
    let stderr = '';
    try {
      execFileSync(opts.opsim, ['validate', file], {stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000});
    } catch (e) {
      stderr = e.stderr.toString('utf8');
    }
    const diags = [];
    for (const line of stderr.split('\n')) {
      const m = /^.*?:(\d+):(\d+): error: (.*)$/.exec(line);
      if (m) diags.push(`${m[1]}:${m[2]}: ${m[3]}`);
    }
    return diags;
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}
// The metrics of the page's state() against the runner's summary: {ok, names, detail}.
function differences(native, web) {
  const names = Object.keys(native);
  const differ = names.filter((m) => web[m] !== native[m]);
  const extra = Object.keys(web).filter((m) => !(m in native));
  return {
    ok: names.length > 0 && differ.length === 0 && extra.length === 0,
    names: names.length,
    detail: differ.slice(0, 8).map((m) => `${m}: web ${web[m]} native ${native[m]}`).join('; ') +
            (extra.length ? `; names only in the page: ${extra.slice(0, 8).join(', ')}` : ''),
  };
}
const base64url = (text) => Buffer.from(text, 'utf8').toString('base64url');

// One service at 25-50 % CPU whose policies never act as written (threshold_up 95, a
// predictive threshold of 100 instances) and a rule that never fires (cpu > 99): the
// what-if checks change them through the UI.
const kScalingScenario = JSON.stringify({
  schema: 'opsim/1', name: 'e2e: scaling, forecasts and what-if', duration: '2d', seed: 7,
  services: [{id: 'svc', instance: {concurrency: 4, cpu_cores: 1, memory_mb: 1024, startup: '60s', cost_per_hour: 0.5},
              instances: {initial: 3, min: 2, max: 20}, queue: {capacity: 500, timeout: '30s'}}],
  agents: [{id: 'a', service: 'svc', work: {dist: 'exponential', mean: '2s'}}],
  tenants: [{id: 't', quota: {max_concurrent_agents: 100000, max_memory_mb: 100000000, max_cpu_cores: 100000,
                              max_requests_per_minute: 1000000},
             load: [{agent: 'a', rate: 3, patterns: [{type: 'diurnal', peak_hour: 14, trough_factor: 0.5}]}]}],
  monitoring: {scrape_interval: '1m', retention: '2d',
               rules: [{id: 'busy', metric: 'cpu_utilization', op: '>', value: 99, for: '0s', severity: 'ticket'}]},
  scaling: {service: 'svc', evaluation_interval: '60s',
            policies: [{id: 'cpu', kind: 'threshold', trigger: 'cpu_utilization', threshold_up: 95, threshold_down: 1,
                        cooldown: '2m', evaluation_periods: 2, scale_increment: 1}],
            predictive: {enabled: true, threshold: 10000, min_history_points: 60}},
}, null, 1);

// --- the page, served on 127.0.0.1 only
const {server, url, notFound} = await serve(opts.web);
console.log(`serving ${opts.web} on ${url}`);

const browser = await chromium.launch({executablePath: opts.chromium, headless: true, args: kChromiumArgs,
                                       timeout: 60000});
const context = await browser.newContext({viewport: {width: 1280, height: 800}, deviceScaleFactor: 1});
const problems = [];  // console errors and page errors, from every page
async function openPage(address) {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.setDefaultTimeout(60000);
  await page.goto(address, {waitUntil: 'load'});
  await page.waitForFunction(() => window.opsim && typeof window.opsim.state === 'function', null,
                             {timeout: 60000});
  return page;
}
const metricNames = (state) => Object.keys(state.metrics).sort().join(',');
async function waitFor(page, fn, arg, ms) {
  try {
    await page.waitForFunction(fn, arg, {timeout: ms, polling: 100});
    return true;
  } catch {
    return false;
  }
}

// Clicks the widget `id` (window.opsim.widgetRect) as a hand does: hover first, then click,
// because ImGui 1.86 ignores a click on a tab when the frame before hovered another item.
// False when the widget is not drawn.
async function clickWidget(page, id) {
  const r = await page.evaluate((i) => window.opsim.widgetRect(i), id);
  if (!r || r.w <= 0 || r.h <= 0) return false;
  await page.mouse.move(r.x + r.w / 2, r.y + r.h / 2);
  await sleep(250);
  await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
  await sleep(300);
  return true;
}

// Clicks the tab `label` until its panel (widget `panel`) is drawn: a click can be lost when
// a frame takes longer than the hover (a day of plots on a busy machine). False after 3 tries.
async function openTab(page, label, panel) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const clicked = await clickWidget(page, `tab:${label}`);
    if (clicked && await waitFor(page, (p) => window.opsim.widgetRect(p) !== null, panel, attempt * 3000)) return true;
  }
  return false;
}

// Opens the tab `label`, checks that its panel (widget `panel`) is drawn and the page is
// not blank, then goes back to the Plots tab, which the other checks expect.
async function checkTab(page, label, panel) {
  const opened = await openTab(page, label, panel);
  check(`the ${label} tab opens (widgetRect("tab:${label}"), then its panel is drawn)`, opened);
  await page.mouse.move(1, 799);  // no hover read-out in the picture
  await sleep(300);
  const look = checkNotBlank(decodePng(await page.screenshot()));
  check(`the ${label} tab is not blank (${look.whole.colours} colours)`, look.ok, look.problems.join('; '));
  await clickWidget(page, 'tab:Plots');
}

// The last checks, whatever ran: what the page asked for, and what it complained of.
function finalChecks() {
  check('every file the page asked for was there', notFound.length === 0, notFound.join(', '));
  check('no console errors and no page errors', problems.length === 0, problems.slice(0, 10).join(' | '));
}
const kOnlyFilesDone = Symbol('--only files: done');

try {
  const page = await openPage(url);
  check('the page loads and defines window.opsim', true);

  // The page's files, on pages of their own (files.mjs).
  await checkFilesInPage({url, opts, check, openPage, waitFor, clickWidget, nativeSummary, differences, sleep});
  if (opts.only === 'files') throw kOnlyFilesDone;
  check('window.opsim has scenarios, load, advance, state, pause, play, widgetRect',
        await page.evaluate(() => ['scenarios', 'load', 'advance', 'state', 'pause', 'play', 'widgetRect']
                                     .every((f) => typeof window.opsim[f] === 'function')));

  // The page opens on the default scenario, running.
  const t0 = await page.evaluate(() => window.opsim.state().t_s);
  await waitFor(page, (t) => window.opsim.state().t_s > t, t0, 5000);
  check('the page opens on a running scenario', (await page.evaluate(() => window.opsim.state().t_s)) > t0);

  // scenarios(): every file in scenarios/.
  const listed = await page.evaluate(() => window.opsim.scenarios());
  const onDisk = scenarios.map((s) => s.name);
  check('scenarios() lists every scenario in scenarios/',
        Array.isArray(listed) && JSON.stringify([...listed].sort()) === JSON.stringify([...onDisk].sort()),
        `page ${JSON.stringify(listed)}, disk ${JSON.stringify(onDisk)}`);

  // Broken scenarios: refused with the loader's diagnostics; the simulation stays.
  const broken = {
    'a wrong field': '{"schema": "opsim/1", "name": "broken", "duration": "1h",\n' +
                     ' "services": [{"id": 5}], "agents": [], "tenants": []}',
    'a JSON syntax error': '{"schema": "opsim/1",\n "services": [',
  };
  for (const [what, text] of Object.entries(broken)) {
    const expected = nativeDiagnostics(text);
    const r = await page.evaluate((t) => {
      window.opsim.pause();
      const before = window.opsim.state();
      const result = window.opsim.load(t);
      const after = window.opsim.state();
      return {result, same: before.t_s === after.t_s && JSON.stringify(before) === JSON.stringify(after)};
    }, text);
    check(`load() of ${what} returns {ok: false, error}`,
          r.result && r.result.ok === false && typeof r.result.error === 'string' && r.result.error.length > 0,
          JSON.stringify(r.result));
    const missing = expected.filter((d) => !r.result.error.includes(d));
    check(`load() of ${what}: the error has every diagnostic of opsim validate`,
          expected.length > 0 && missing.length === 0,
          `missing ${JSON.stringify(missing)} in ${JSON.stringify(r.result.error)}`);
    check(`load() of ${what} leaves the running simulation as it was`, r.same);
  }
  check('a broken scenario\'s error names the JSON path ($.services)',
        (await page.evaluate((t) => window.opsim.load(t).error, broken['a wrong field'])).includes('$.services'));

  // Same numbers as the native runner, for every scenario: load, pause, advance one hour.
  const compared = new Set();  // metric names found equal in some scenario
  const scaledAndEqual = [];  // scenarios with scaling decisions in that hour, all metrics equal
  for (const {name} of scenarios) {
    const native = nativeSummary(name, '1h');
    const web = await page.evaluate((n) => {
      const result = window.opsim.load(n);
      window.opsim.pause();
      window.opsim.advance(3600);
      return {result, state: window.opsim.state()};
    }, name);
    check(`load("${name}") returns {ok: true}`, web.result.ok === true && web.result.error === '',
          JSON.stringify(web.result));
    check(`${name}: state().t_s is 3600 after advance(3600)`, web.state.t_s === 3600, `t_s ${web.state.t_s}`);
    const names = Object.keys(native.metrics);
    const differ = names.filter((m) => web.state.metrics[m] !== native.metrics[m]);
    const extra = Object.keys(web.state.metrics).filter((m) => !(m in native.metrics));
    const same = check(`${name}: all ${names.length} metrics equal opsim run --until 1h (native)`,
          names.length > 0 && differ.length === 0 && extra.length === 0,
          differ.slice(0, 8).map((m) => `${m}: web ${web.state.metrics[m]} native ${native.metrics[m]}`).join('; ') +
          (extra.length ? `; names only in the page: ${extra.slice(0, 8).join(', ')}` : ''));
    if (same) {
      for (const m of names) compared.add(m);
      if (native.metrics.scaling_events > 0) scaledAndEqual.push(name);
    }
  }
  // That comparison covers the scaling and performance figures (columns like any other).
  {
    const wanted = ['performance_score', 'scaling_events', 'cost_usd', 'instances', 'instances_max', 'alerts_fired'];
    const missing = wanted.filter((m) => !compared.has(m));
    const perService = (suffix) => [...compared].some((m) => m.startsWith('service.') && m.endsWith(suffix));
    if (!perService('.performance_score')) missing.push('service.*.performance_score');
    if (!perService('.forecast_error_percent')) missing.push('service.*.forecast_error_percent');
    check('the comparison covers performance_score, scaling_events, cost_usd, instances(_max), alerts_fired, ' +
          'service.*.performance_score and service.*.forecast_error_percent', missing.length === 0,
          `not compared: ${missing.join(', ')}`);
    check(`scaling_events is compared where scaling happened in the first hour (${scaledAndEqual.join(', ')})`,
          scaledAndEqual.length > 0, 'no scenario scaled in its first hour');
    const sloFigures = ['budget_remaining_percent', 'burn_rate', 'sli_percent', 'compliant'];
    const sloMissing = sloFigures.filter((f) => ![...compared].some((m) => m.startsWith('slo.') && m.endsWith(`.${f}`)));
    check('the comparison covers slo.*.budget_remaining_percent, burn_rate, sli_percent and compliant',
          sloMissing.length === 0, `not compared: ${sloMissing.map((f) => `slo.*.${f}`).join(', ')}`);
  }

  // SLOs in the page: the hard outage (06:00-06:20) an hour after it started, when the
  // budget is spent and the burn-rate rules have fired: every metric equals the runner's;
  // then the SLOs tab opens (widgetRect("tab:SLOs"), then its panel) and is not blank.
  {
    const name = 'slo-hard-outage';
    const native = nativeSummary(name, '7h');
    const web = await page.evaluate((n) => {
      const result = window.opsim.load(n);
      window.opsim.pause();
      window.opsim.advance(7 * 3600);
      return {result, state: window.opsim.state()};
    }, name);
    const names = Object.keys(native.metrics);
    const differ = names.filter((m) => web.state.metrics[m] !== native.metrics[m]);
    const budget = native.metrics['slo.availability.budget_remaining_percent'];
    check(`${name}: after 7 h all ${names.length} metrics equal the runner's, the budget spent ` +
          `(${budget} % left) and alerts fired (${native.metrics.alerts_fired})`,
          web.result.ok && names.length > 0 && differ.length === 0 && budget < 100 && native.metrics.alerts_fired > 0,
          JSON.stringify(web.result) + ' ' +
          differ.slice(0, 8).map((m) => `${m}: web ${web.state.metrics[m]} native ${native.metrics[m]}`).join('; '));
    await checkTab(page, 'SLOs', 'panel:slos');
  }

  // Incidents in the page: the hard outage with an `incidents` section added, after it has
  // been resolved: an incident was opened, and the Incidents tab opens and is not blank.
  {
    const spec = JSON.parse(readFileSync(path.join(opts.source, 'scenarios/slo-hard-outage.json'), 'utf8'));
    spec.incidents = {open_on: ['page'], resolve_after: '10m', postmortem_for: ['sev1', 'sev2']};
    const web = await page.evaluate((text) => {
      const result = window.opsim.load(text);
      window.opsim.pause();
      window.opsim.advance(10 * 3600);
      return {result, state: window.opsim.state()};
    }, JSON.stringify(spec));
    const total = web.state.metrics.incidents_total;
    check(`slo-hard-outage with incidents: loaded, and incidents were opened (incidents_total ${total})`,
          web.result.ok && total > 0, JSON.stringify(web.result));
    await checkTab(page, 'Incidents', 'panel:incidents');
  }

  // Chaos in the page: the game day run to its end. Every metric equals the runner's, so
  // the experiments' verdicts and scores and the SLO budget they cost; the Chaos and SRE
  // tabs open and are not blank. Then a canary rolled back by its analysis (deploy-bad-canary
  // an hour after its 10:00 release) and the Deployments tab.
  {
    const name = 'chaos-game-day';
    const native = nativeSummary(name, '1d');
    const web = await page.evaluate((n) => {
      const result = window.opsim.load(n);
      window.opsim.pause();
      window.opsim.advance(86400);
      return {result, state: window.opsim.state()};
    }, name);
    const d = differences(native.metrics, web.state.metrics);
    check(`${name}: after 1 d all ${d.names} metrics equal the runner's`, web.result.ok && d.ok,
          JSON.stringify(web.result) + ' ' + d.detail);
    for (const m of ['chaos.lose-quarter.passed', 'chaos.slow-model.resilience_score',
                     'slo.availability.budget_remaining_percent'])
      check(`${name}: ${m} equals the runner's (${native.metrics[m]})`,
            m in native.metrics && web.state.metrics[m] === native.metrics[m],
            `web ${web.state.metrics[m]} native ${native.metrics[m]}`);
    const score = native.metrics['chaos.slow-model.resilience_score'];
    check(`${name}: lose-quarter passed and slow-model failed with a partial score (${score})`,
          native.metrics['chaos.lose-quarter.passed'] === 1 && native.metrics['chaos.slow-model.passed'] === 0 &&
          score > 0 && score < 100);
    await checkTab(page, 'Chaos', 'panel:chaos');
    await checkTab(page, 'SRE', 'panel:sre');

    const canary = 'deploy-bad-canary';
    const nativeCanary = nativeSummary(canary, '11h');
    const webCanary = await page.evaluate((n) => {
      const result = window.opsim.load(n);
      window.opsim.pause();
      window.opsim.advance(11 * 3600);
      return {result, state: window.opsim.state()};
    }, canary);
    const dc = differences(nativeCanary.metrics, webCanary.state.metrics);
    check(`${canary}: after 11 h (its canary rolled back) all ${dc.names} metrics equal the runner's`,
          webCanary.result.ok && dc.ok, JSON.stringify(webCanary.result) + ' ' + dc.detail);
    await checkTab(page, 'Deployments', 'panel:deployments');

    // Roll back now, by a scripted click: deploy-bad-rolling's bad release, rolled back by
    // hand five minutes into its rollout, fails far fewer requests by 11:00 than the runner's
    // run, where the incident's response rolls it back at 10:29.
    const rolling = 'deploy-bad-rolling';
    const nativeRolling = nativeSummary(rolling, '11h');
    await page.evaluate((n) => {
      window.opsim.load(n);
      window.opsim.pause();
      window.opsim.advance(10 * 3600 + 300);
    }, rolling);
    const rolledBack = await openTab(page, 'Deployments', 'panel:deployments') &&
                       await clickWidget(page, 'deploy-rollback');
    const failed = await page.evaluate(() => {
      window.opsim.advance(55 * 60);
      return window.opsim.state().metrics.requests_failed;
    });
    const nativeFailed = nativeRolling.metrics.requests_failed;
    check(`${rolling}: a scripted click on Roll back now at 10:05 fails fewer requests by 11:00 (${failed}) than ` +
          `the runner's run without it (${nativeFailed})`, rolledBack && failed * 2 < nativeFailed,
          `clicked ${rolledBack}`);
    await clickWidget(page, 'tab:Plots');
  }

  // What-if chaos through the UI, on a tall page (the Chaos tab's forms are below its
  // experiments): two hours into the game day, Start now (the form's default experiment,
  // one instance lost) lists the experiment as ui-1, and Inject now (the default fault:
  // 10 % of requests fail for 10 minutes) makes requests fail: about 200 in those minutes,
  // where the lost instance fails only the few it was serving.
  {
    const tall = await openPage(url);
    await tall.setViewportSize({width: 1280, height: 1600});
    try {
      const metric = (m) => tall.evaluate((n) => window.opsim.state().metrics[n], m);
      const loaded = await tall.evaluate(() => {
        const result = window.opsim.load('chaos-game-day');
        window.opsim.pause();
        window.opsim.advance(2 * 3600);
        return result.ok;
      });
      const opened = loaded && await openTab(tall, 'Chaos', 'panel:chaos');
      check('chaos-game-day at 02:00: the Chaos tab opens on a tall page', opened);
      const started = opened && await clickWidget(tall, 'chaos-start') &&
                      await waitFor(tall, () => window.opsim.widgetRect('chaos:ui-1') !== null, null, 10000);
      check('a scripted click on Start now (Chaos tab) starts an experiment, listed as ui-1', started);
      const failedBefore = await metric('requests_failed');
      const injected = opened && await clickWidget(tall, 'fault-inject');
      await tall.evaluate(() => window.opsim.advance(600));
      const failedAfter = await metric('requests_failed');
      check('a scripted click on Inject now (10 % errors) makes requests fail in the running simulation',
            injected && failedAfter - failedBefore > 50,
            `clicked ${injected}, requests_failed ${failedBefore} then ${failedAfter}`);
    } finally {
      await tall.close();
    }
  }

  // Exercise mode: exercises/cooldown (one of the fastest exercises, failing as written)
  // opens on its Exercise tab; mid-run its grade is in state() and not final; Show a hint
  // reveals the first hint; played to its end, state().grade is what this build's `opsim
  // grade --format json` prints (passed false, the same values) and the final grade is
  // drawn; then For teachers > Open the reference solution loads exercises/solutions/cooldown,
  // which played to its end passes, again as `opsim grade` says.
  {
    const nativeGrade = (name) => {
      try {
        return JSON.parse(execFileSync(opts.opsim, ['grade', name, '--format', 'json'], {timeout: 60000}).toString('utf8'));
      } catch (e) {
        if (e.status === 1 && e.stdout) return JSON.parse(e.stdout.toString('utf8'));  // objectives failed
        throw e;
      }
    };
    const sameGrade = (web, native) => JSON.stringify(web) === JSON.stringify(native);
    const gradeDetail = (g) => g ? g.objectives.map((o) => `${o.id} ${o.worst} ${o.passed ? 'pass' : 'fail'}`).join(', ')
                                 : String(g);
    const started = Date.now();
    const exercise = 'exercises/cooldown';
    const nativeExercise = nativeGrade(exercise);
    const mid = await page.evaluate((n) => {
      const result = window.opsim.load(n);
      window.opsim.pause();
      window.opsim.advance(2.5 * 3600);  // half an hour into the flash crowd
      return {result, state: window.opsim.state()};
    }, exercise);
    const shown = mid.result.ok &&
                  await waitFor(page, () => window.opsim.widgetRect('panel:exercise') !== null, null, 10000);
    check(`${exercise}: loading it selects its Exercise tab (the panel is drawn without a click)`, shown,
          JSON.stringify(mid.result));
    const n = nativeExercise.objectives.length;
    check(`${exercise} mid-run: state().finished is false and state().grade grades its ${n} objectives`,
          mid.state.finished === false && mid.state.grade !== null && mid.state.grade.objectives.length === n,
          JSON.stringify(mid.state.grade));
    const hinted = shown && await clickWidget(page, 'exercise-hint') &&
                   await waitFor(page, () => window.opsim.widgetRect('exercise-hint-0') !== null, null, 5000);
    check('a scripted click on Show a hint (1 of N) reveals the first hint', hinted);
    await page.mouse.move(1, 799);  // no hover read-out in the picture
    await sleep(300);
    const look = checkNotBlank(decodePng(await page.screenshot()));
    check(`the Exercise tab is not blank (${look.whole.colours} colours)`, look.ok, look.problems.join('; '));

    // Played to the end at full speed, as a student would run it.
    await page.evaluate(() => { window.opsim.setSpeed(0); window.opsim.play(); });
    const ended = await waitFor(page, () => window.opsim.state().finished, null, 20000);
    const end = await page.evaluate(() => window.opsim.state());
    check(`${exercise} played to its end: state().grade equals opsim grade --format json, passed false ` +
          `(${gradeDetail(nativeExercise)})`,
          ended && nativeExercise.passed === false && sameGrade(end.grade, nativeExercise),
          `finished ${end.finished}; web ${JSON.stringify(end.grade)}`);
    check(`${exercise}: the final grade is drawn (widgetRect("exercise-grade"))`,
          await waitFor(page, () => window.opsim.widgetRect('exercise-grade') !== null, null, 5000));

    // For teachers: the reference solution, opened from the tab, passes.
    const solution = 'exercises/solutions/cooldown';
    const nativeSolution = nativeGrade(solution);
    const opened = await clickWidget(page, 'exercise-teachers') &&
                   await waitFor(page, () => window.opsim.widgetRect('exercise-solution') !== null, null, 5000) &&
                   await clickWidget(page, 'exercise-solution') &&
                   await waitFor(page, (name) => { const g = window.opsim.state().grade; return g !== null && g.scenario === name; },
                                 nativeSolution.scenario, 10000);
    check(`a scripted click on Open the reference solution (For teachers) loads ${solution}`, opened);
    const solved = opened && await waitFor(page, () => window.opsim.state().finished, null, 20000);
    const solvedState = await page.evaluate(() => window.opsim.state());
    check(`${solution} played to its end: state().grade passes and equals opsim grade --format json ` +
          `(${gradeDetail(nativeSolution)})`,
          solved && nativeSolution.passed === true && solvedState.grade.passed === true &&
          sameGrade(solvedState.grade, nativeSolution),
          `finished ${solvedState.finished}; web ${JSON.stringify(solvedState.grade)}`);
    await page.evaluate(() => { window.opsim.pause(); window.opsim.setSpeed(3600); });
    await clickWidget(page, 'tab:Plots');
    console.log(`info: the exercise checks took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  // Side by side: flash-crowd-short-cooldown (A, seed 3) with its suggested partner
  // flash-crowd-long-cooldown picked in the Compare tab by a scripted click. The two run in
  // lockstep: after advance(3 h) both are at 3 h, and B's metrics are the runner's for B
  // with A's seed; a B given as text with another seed (42) still runs with A's.
  {
    const a = 'flash-crowd-short-cooldown', b = 'flash-crowd-long-cooldown';
    await page.evaluate((n) => { window.opsim.load(n); window.opsim.pause(); }, a);
    const opened = await openTab(page, 'Compare', 'panel:compare');
    const picked = opened && await clickWidget(page, `compare:${b}`) &&
                   await waitFor(page, () => window.opsim.state().variant !== null, null, 5000);
    check(`a scripted click on Compare beside the suggested ${b} starts variant B`, picked);
    const web = await page.evaluate(() => { window.opsim.advance(3 * 3600); return window.opsim.state(); });
    const v = web.variant || {};
    check('side by side: A and B advance in lockstep (both at 3 h)', web.t_s === 10800 && v.t_s === 10800,
          `A ${web.t_s}, B ${v.t_s}`);
    const nativeB = nativeSummary(b, '3h', 3);
    const diffB = differences(nativeB.metrics, v.metrics || {});
    check(`side by side: B (${v.name}) has all ${diffB.names} metrics of opsim run ${b} --seed 3 --until 3h`, diffB.ok,
          diffB.detail);
    const diffA = differences(nativeSummary(a, '3h').metrics, web.metrics);
    check(`side by side: A is unchanged by B beside it (all ${diffA.names} metrics of opsim run ${a})`, diffA.ok,
          diffA.detail);
    check('side by side: the variants differ where they should (instances_max of A and B)',
          web.metrics.instances_max !== v.metrics.instances_max,
          `A ${web.metrics.instances_max}, B ${v.metrics.instances_max}`);
    await page.mouse.move(1, 799);
    await sleep(300);
    const look = checkNotBlank(decodePng(await page.screenshot()));
    check(`the Compare tab with two runs is not blank (${look.whole.colours} colours)`, look.ok, look.problems.join('; '));
    const text = JSON.stringify({...JSON.parse(readFileSync(path.join(opts.source, 'scenarios', `${b}.json`), 'utf8')),
                                 seed: 42});
    const again = await page.evaluate((t) => {
      const result = window.opsim.compare(t);
      window.opsim.advance(3600);
      return {result, state: window.opsim.state()};
    }, text);
    const nativeB4 = nativeSummary(b, '4h', 3);
    const diff4 = differences(nativeB4.metrics, (again.state.variant || {}).metrics || {});
    check('side by side: a B given as text with seed 42 runs with A\'s seed 3 (metrics of opsim run --seed 3 ' +
          '--until 4h)', again.result.ok && again.state.variant.t_s === 14400 && diff4.ok, diff4.detail);
    const stopped = await clickWidget(page, 'compare-stop') &&
                    await waitFor(page, () => window.opsim.state().variant === null, null, 5000);
    check('a scripted click on Stop comparing ends the side-by-side mode', stopped);
    await clickWidget(page, 'tab:Plots');
  }

  // The call graph: circuit-breaker-fallback 70 minutes in, its recommender failing since
  // 1h and the breaker of the assistant's calls to it open. The Graph tab opens and is not
  // blank (saved as graph-shot.png beside --shot); the open call and its failing callee are
  // drawn in the palette's red (kRed, ui/style.cpp) and the healthy caller in its green
  // (kGreen); a scripted click on the recommender's row opens its plots in the Plots tab.
  {
    const loaded = await page.evaluate(() => {
      const result = window.opsim.load('circuit-breaker-fallback');
      window.opsim.pause();
      window.opsim.advance(70 * 60);
      return result.ok;
    });
    const opened = loaded && await openTab(page, 'Graph', 'panel:graph');
    check('circuit-breaker-fallback at 01:10: the Graph tab opens (widgetRect("tab:Graph"), then its panel)', opened);
    const drawn = await waitFor(page, () => ['graph:agent:assistant', 'graph:agent:recommender', 'graph:service:recs']
                                              .every((id) => window.opsim.widgetRect(id) !== null), null, 5000);
    check('the Graph tab draws a row per agent and a box per service (widgetRect("graph:agent:ID"), ' +
          '"graph:service:ID")', drawn);
    await page.mouse.move(1, 799);  // no hover read-out in the picture
    await sleep(300);
    const graphShot = path.join(path.dirname(opts.shot), 'graph-shot.png');
    mkdirSync(path.dirname(graphShot), {recursive: true});
    await page.screenshot({path: graphShot});
    const img = decodePng(readFileSync(graphShot));
    const look = checkNotBlank(img);
    check(`the Graph tab is not blank (${look.whole.colours} colours; ${graphShot})`, look.ok, look.problems.join('; '));
    // Pixels of one colour (within a little, for anti-aliasing) right of the left column.
    const near = (rgb) => {
      let n = 0;
      for (let y = Math.floor(0.12 * img.height); y < img.height; y++)
        for (let x = Math.floor(0.32 * img.width); x < img.width; x++) {
          const i = (y * img.width + x) * img.channels;
          if (Math.abs(img.data[i] - rgb[0]) + Math.abs(img.data[i + 1] - rgb[1]) + Math.abs(img.data[i + 2] - rgb[2]) <= 12) n++;
        }
      return n;
    };
    const red = near([255, 115, 89]), green = near([77, 204, 128]);
    check(`the Graph tab colours by health: the open call and the failing recommender red (${red} px), the ` +
          `assistant green (${green} px)`, red > 300 && green > 100);
    const focused = drawn && await clickWidget(page, 'graph:agent:recommender') &&
                    await waitFor(page, () => window.opsim.widgetRect('plots-focus') !== null, null, 5000);
    check('a scripted click on the recommender in the Graph tab opens its plots in the Plots tab ' +
          '(widgetRect("plots-focus"))', focused);
    const closed = focused && await clickWidget(page, 'plots-focus-close') &&
                   await waitFor(page, () => window.opsim.widgetRect('plots-focus') === null, null, 5000);
    check('Show all plots ends the focus (the overview plots alone again)', closed);
    await clickWidget(page, 'tab:Plots');
  }

  // Admission in the page: Initech's 11:00 burst meets its rate limit in the default
  // scenario; the page's rejection count after 12 hours is the runner's, and not zero.
  {
    const native = nativeSummary('default', '12h');
    const web = await page.evaluate(() => {
      window.opsim.load('default');
      window.opsim.pause();
      window.opsim.advance(12 * 3600);
      return window.opsim.state();
    });
    const m = 'tenant.initech.requests_rejected';
    check(`default: ${m} after 12 h equals the runner's and is above 0`,
          web.metrics[m] === native.metrics[m] && native.metrics[m] > 0, `web ${web.metrics[m]} native ${native.metrics[m]}`);
  }

  // Scaling, forecasts and what-if (kScalingScenario): after a day the page's metrics are
  // the runner's, forecast error included (the predictive engine has scored forecasts by
  // then); the Scaling and Performance tabs open; then a rule and a scaling policy are
  // changed through the UI (typed into the Alerts and Scaling tabs' editors, Apply clicked)
  // and the run reacts: the rule fires, the policy scales. The page is tall so that the
  // what-if editor, below the forecast plot, is on screen.
  {
    const dir = mkdtempSync(path.join(tmpdir(), 'opsim-e2e-'));
    const file = path.join(dir, 'scaling.json');
    writeFileSync(file, kScalingScenario);
    let native;
    try {
      native = nativeSummary(file, '1d');
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
    const tall = await openPage(url);
    await tall.setViewportSize({width: 1280, height: 1600});
    try {
      const web = await tall.evaluate((t) => {
        const result = window.opsim.load(t);
        window.opsim.pause();
        window.opsim.advance(86400);
        return {result, state: window.opsim.state()};
      }, kScalingScenario);
      const names = Object.keys(native.metrics);
      const differ = names.filter((m) => web.state.metrics[m] !== native.metrics[m]);
      const fe = 'service.svc.forecast_error_percent';
      check(`scaling scenario: after 1 d all ${names.length} metrics equal the runner's, ${fe} ` +
            `(${native.metrics[fe]}) above 0`,
            web.result.ok && names.length > 0 && differ.length === 0 && native.metrics[fe] > 0,
            JSON.stringify(web.result) + ' ' +
            differ.slice(0, 8).map((m) => `${m}: web ${web.state.metrics[m]} native ${native.metrics[m]}`).join('; '));

      const click = (id) => clickWidget(tall, id);
      // Types into the ImGui field `id` (select all, then the text).
      const typeInto = async (id, text) => {
        if (!(await click(id))) return false;
        await tall.keyboard.press('Control+A');
        await tall.keyboard.type(text);
        await sleep(300);
        return true;
      };
      const metric = (m) => tall.evaluate((n) => window.opsim.state().metrics[n], m);
      for (const tab of ['Scaling', 'Performance']) {
        const clicked = await click(`tab:${tab}`);
        check(`the ${tab} tab opens (widgetRect("tab:${tab}"), then its panel is drawn)`,
              clicked && await waitFor(tall, (id) => window.opsim.widgetRect(id) !== null,
                                       `panel:${tab.toLowerCase()}`, 10000));
        await tall.mouse.move(1, 1599);  // no hover read-out in the picture
        await sleep(300);
        const shot = decodePng(await tall.screenshot({clip: {x: 0, y: 0, width: 1280, height: 800}}));
        const look = checkNotBlank(shot);
        check(`the ${tab} tab is not blank (${look.whole.colours} colours, ` +
              `${(look.plots.foreground_share * 100).toFixed(1)} % drawn)`, look.ok, look.problems.join('; '));
      }

      // What-if, alerts: the rule "busy" (cpu_utilization > 99) becomes > 1.
      const firedBefore = await metric('alerts_fired');
      const ruleEdited = await click('tab:Alerts') && await click('alert-edit-0') &&
                         await typeInto('rule-value', '1') && await click('rule-apply');
      await tall.evaluate(() => window.opsim.advance(600));
      const firedAfter = await metric('alerts_fired');
      check('a rule changed in the Alerts tab (Edit, value 1, Apply) fires in the running simulation',
            ruleEdited && firedBefore === 0 && firedAfter > 0,
            `edited ${ruleEdited}, alerts_fired ${firedBefore} then ${firedAfter}`);

      // What-if, scaling: threshold_up 95 becomes 10, so the policy scales out.
      const eventsBefore = await metric('scaling_events');
      const policyEdited = await click('tab:Scaling') && await typeInto('scaling-threshold-up-0', '10') &&
                           await click('scaling-apply');
      await tall.evaluate(() => window.opsim.advance(1800));
      const eventsAfter = await metric('scaling_events');
      check('a threshold changed in the Scaling tab\'s what-if editor (Apply) scales the running simulation',
            policyEdited && eventsBefore === 0 && eventsAfter > 0,
            `edited ${policyEdited}, scaling_events ${eventsBefore} then ${eventsAfter}`);
    } finally {
      await tall.close();
    }
  }

  // Loading from the user: a #scenario= link, the file input, drag and drop. Each is told
  // apart by the metric names, which name the tenants and services.
  const other = scenarios.find((s) => s.name !== 'default') ?? scenarios[0];
  const otherText = readFileSync(other.file, 'utf8');
  const otherNames = Object.keys(nativeSummary(other.name, '1s').metrics).sort().join(',');
  const defaultNames = Object.keys(nativeSummary('default', '1s').metrics).sort().join(',');
  if (otherNames === defaultNames) {
    check('two scenarios with different metric names to tell loads apart', false, `${other.name} vs default`);
  } else {
    const linked = await openPage(`${url}#scenario=${base64url(otherText)}`);
    check(`a #scenario= link opens the linked scenario (${other.name})`,
          await waitFor(linked, (n) => Object.keys(window.opsim.state().metrics).sort().join(',') === n, otherNames, 10000));
    await linked.close();

    await page.evaluate(() => window.opsim.load('default'));
    await page.setInputFiles('#opsim-file-input',
                             {name: path.basename(other.file), mimeType: 'application/json', buffer: Buffer.from(otherText)});
    check('a file chosen in the file input is loaded',
          await waitFor(page, (n) => Object.keys(window.opsim.state().metrics).sort().join(',') === n, otherNames, 10000));

    await page.evaluate(() => window.opsim.load('default'));
    await page.evaluate(([text, fileName]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], fileName, {type: 'application/json'}));
      const canvas = document.getElementById('canvas');
      for (const type of ['dragenter', 'dragover', 'drop'])
        canvas.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
    }, [otherText, path.basename(other.file)]);
    check('a file dropped on the canvas is loaded',
          await waitFor(page, (n) => Object.keys(window.opsim.state().metrics).sort().join(',') === n, otherNames, 10000));
  }

  // PromQL in the page. A rule file chosen in the file input joins the run (yaml-cpp compiled
  // to WebAssembly reads it): after two hours every metric, alerts_fired included, equals the
  // runner's with --rules. The Explore tab plots an expression over the run's series and
  // shows a broken one's error.
  {
    const rulesFile = path.join(here, '..', '..', 'examples', 'rules', 'slo-burn-rate.yml');
    const native = JSON.parse(execFileSync(opts.opsim, ['run', 'retry-storm', '--until', '2h', '--rules', rulesFile,
                                                        '--format', 'json', '--quiet'], {maxBuffer: 64 << 20}).toString());
    await page.evaluate(() => { window.opsim.load('retry-storm'); window.opsim.pause(); });
    await page.setInputFiles('#opsim-file-input', {name: 'slo-burn-rate.yml', mimeType: 'text/yaml',
                                                   buffer: readFileSync(rulesFile)});
    await sleep(500);
    const web = await page.evaluate(() => { window.opsim.pause(); window.opsim.advance(7200); return window.opsim.state(); });
    const m = 'alerts_fired';
    // Without the file the seed's default rules fire once by then; the file replaces them and
    // its two burn-rate alerts fire (at 01:03 and 01:16), so the count tells the two apart.
    check(`a rule file chosen in the file input joins the run: ${m} after 2 h of retry-storm equals ` +
          `opsim run --rules (${native.metrics[m]}, above 0), and every metric too`,
          native.metrics[m] > 0 && web.metrics[m] === native.metrics[m] &&
          Object.keys(native.metrics).every((k) => web.metrics[k] === native.metrics[k]),
          `web ${web.metrics[m]} native ${native.metrics[m]}`);
    const opened = await openTab(page, 'Explore', 'panel:explore');
    check('the Explore tab opens (widgetRect("tab:Explore"), then its panel)', opened);
    check('the Explore tab plots its expression over the run (widgetRect("explore-plot"))',
          await waitFor(page, () => window.opsim.widgetRect('explore-plot') !== null, null, 5000));
    const typed = await clickWidget(page, 'explore-expr');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('sum by (agent) (rate(opsim_requests_total[5m]) +');
    check('a broken expression shows its error instead of a plot (widgetRect("explore-error"))',
          typed && await waitFor(page, () => window.opsim.widgetRect('explore-error') !== null &&
                                           window.opsim.widgetRect('explore-plot') === null, null, 5000));
    await page.mouse.move(1, 799);
    await sleep(300);
    const exploreShot = path.join(path.dirname(opts.shot), 'explore-shot.png');
    await page.screenshot({path: exploreShot});
    await page.keyboard.press('Control+A');
    await page.keyboard.type('sum by (agent) (rate(opsim_requests_total[5m]))');
    await clickWidget(page, 'tab:Plots');
  }

  // A screenshot of the default scenario, running: not blank.
  await page.evaluate(() => { window.opsim.load('default'); window.opsim.play(); });
  await sleep(2500);
  mkdirSync(path.dirname(opts.shot), {recursive: true});
  await page.screenshot({path: opts.shot});
  const img = decodePng(readFileSync(opts.shot));
  const look = checkNotBlank(img);
  check(`the screenshot is not blank (${look.whole.colours} colours, plot area ` +
        `${(look.plots.foreground_share * 100).toFixed(1)} % drawn; ${opts.shot})`,
        look.ok && img.width === 1280 && img.height === 800,
        `${img.width}x${img.height}; ${look.problems.join('; ')}`);

  // Frames per second while simulating (reported, not judged: this is a software renderer).
  const fps = await page.evaluate(() => new Promise((resolve) => {
    let frames = 0;
    const start = performance.now();
    const tick = () => {
      frames++;
      if (performance.now() - start < 2000) requestAnimationFrame(tick);
      else resolve(frames * 1000 / (performance.now() - start));
    };
    requestAnimationFrame(tick);
  }));
  const cpuMs = await page.evaluate(() => window.opsim.frameCpuMs());
  console.log(`info: ${fps.toFixed(1)} frames per second while playing (headless Chromium, SwiftShader ` +
              `software rendering); the app and ImGui take ${cpuMs.toFixed(2)} ms of each frame`);

  // Scripted clicks: Pause stops the clock, Play starts it again.
  const tS = () => page.evaluate(() => window.opsim.state().t_s);
  await page.evaluate(() => { window.opsim.load('default'); window.opsim.play(); });
  await sleep(500);
  const p0 = await tS();
  await sleep(1000);
  const p1 = await tS();
  check('the clock runs while playing', p1 > p0, `t_s ${p0} then ${p1}`);
  const pauseRect = await page.evaluate(() => window.opsim.widgetRect('pause'));
  if (check('widgetRect("pause") gives the Pause button\'s rectangle',
            pauseRect && pauseRect.w > 0 && pauseRect.h > 0 && pauseRect.x >= 0 && pauseRect.y >= 0 &&
            pauseRect.x + pauseRect.w <= 1280 && pauseRect.y + pauseRect.h <= 800, JSON.stringify(pauseRect))) {
    await page.mouse.click(pauseRect.x + pauseRect.w / 2, pauseRect.y + pauseRect.h / 2);
    // The click is seen by the next frames; once paused, the toolbar shows Play.
    await waitFor(page, () => window.opsim.widgetRect('play') !== null, null, 10000);
    await sleep(200);
    const q0 = await tS();
    await sleep(1000);
    const q1 = await tS();
    check('clicking Pause stops the clock', q1 === q0 && q0 > p1, `t_s ${q0} then ${q1} (before the click ${p1})`);
    const playRect = await page.evaluate(() => window.opsim.widgetRect('play'));
    if (check('widgetRect("play") gives the Play button\'s rectangle once paused',
              playRect && playRect.w > 0 && playRect.h > 0, JSON.stringify(playRect))) {
      await page.mouse.click(playRect.x + playRect.w / 2, playRect.y + playRect.h / 2);
      await waitFor(page, () => window.opsim.widgetRect('pause') !== null, null, 10000);
      await sleep(200);
      const r0 = await tS();
      await sleep(1000);
      const r1 = await tS();
      check('clicking Play starts the clock again', r1 > r0, `t_s ${r0} then ${r1}`);
    }
  }

  finalChecks();
} catch (e) {
  if (e === kOnlyFilesDone) finalChecks();
  else check('the test ran to its end', false, e.stack ?? String(e));
} finally {
  clearTimeout(watchdog);
  await browser.close().catch(() => {});
  server.close();
}
finish();

// The page's files (docs/files.md, "In the page"), checked by e2e.mjs on pages of their own:
//   - a drop of several files at once (requests.csv first, then examples/traces/scenario-csv.json)
//     opens the scenario with its trace; run to its end, every metric equals `opsim run` of
//     the example on disk; a screenshot of the page after the drop is saved as files-shot.png
//     beside --shot;
//   - a scenario given without the file it names is refused with the loader's error at the
//     line:column and path `opsim validate` gives, naming the file; files().missing lists
//     it, the Scenario tab shows the hint (widgetRect("missing-files")), and the file given
//     alone afterwards opens the waiting scenario;
//   - the share link carries the scenario with its file (#bundle=, whose payload is the
//     scenario's text and the file's bytes); a new page opened at it runs the same scenario
//     (every metric of the runner's at its end); a scenario whose files make a link over the
//     limit gets no link and a reason naming the size; an old #scenario= link still opens
//     (e2e.mjs checks that one);
//   - the bundled examples of examples/ are listed (files().examples) and open with their
//     files: after an hour each has every metric of `opsim run examples/...json --until 1h`;
//     a scripted click on one's Open in the Library tab opens it;
//   - a CSV dropped alone drives the first tenant's load, and the notice says so.
import {execFileSync} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

import {checkNotBlank, decodePng} from './image.mjs';

// ctx: {url, opts, check, openPage, waitFor, clickWidget, nativeSummary, differences, sleep}
export async function checkFilesInPage(ctx) {
  const {url, opts, check, openPage, waitFor, clickWidget, nativeSummary, differences, sleep} = ctx;
  const examples = path.join(opts.source, 'examples');
  const read = (rel) => readFileSync(path.join(examples, rel), 'utf8');
  const csvScenarioFile = path.join(examples, 'traces/scenario-csv.json');
  const csvScenario = read('traces/scenario-csv.json');
  const csv = read('traces/requests.csv');
  const nativeCsvDay = nativeSummary(csvScenarioFile, '1d');

  // --- several files dropped at once, the trace first
  const page = await openPage(url);
  try {
    await page.evaluate(([files]) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([f.text], f.name, {type: f.type}));
      const canvas = document.getElementById('canvas');
      for (const type of ['dragenter', 'dragover', 'drop'])
        canvas.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
    }, [[{name: 'requests.csv', text: csv, type: 'text/csv'},
         {name: 'scenario-csv.json', text: csvScenario, type: 'application/json'}]]);
    const opened = await waitFor(page, () => window.opsim.files().read.includes('requests.csv'), null, 10000);
    const files = await page.evaluate(() => window.opsim.files());
    check('a drop of requests.csv and scenario-csv.json together opens the scenario with its trace ' +
          `(files().read ${JSON.stringify(files.read)}, notice "${files.notice}")`,
          opened && !files.notice_error && files.notice.includes('Opened scenario-csv.json with requests.csv'));
    await sleep(1500);  // some of the day on the plots, playing
    await page.mouse.move(1, 799);
    await sleep(300);
    const shot = path.join(path.dirname(opts.shot), 'files-shot.png');
    mkdirSync(path.dirname(shot), {recursive: true});
    await page.screenshot({path: shot});
    const look = checkNotBlank(decodePng(readFileSync(shot)));
    check(`the page after the drop is not blank (${look.whole.colours} colours; ${shot})`, look.ok,
          look.problems.join('; '));
    const web = await page.evaluate(() => { window.opsim.pause(); window.opsim.advance(86400); return window.opsim.state(); });
    const d = differences(nativeCsvDay.metrics, web.metrics);
    check(`the dropped scenario run to its end has all ${d.names} metrics of opsim run ` +
          `examples/traces/scenario-csv.json (requests ${nativeCsvDay.metrics.requests_total})`,
          web.finished && d.ok, d.detail);

    // --- the share link carries the file
    const share = await page.evaluate(() => window.opsim.shareLink());
    const m = /#bundle=([A-Za-z0-9_-]+)$/.exec(share.link);
    const payload = m ? JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) : {};
    check(`the share link of a scenario with a file is a #bundle= link carrying the scenario and requests.csv ` +
          `(${share.link.length} characters)`,
          share.error === '' && m !== null && payload.scenario === csvScenario &&
          payload.files && payload.files['requests.csv'] === csv && Object.keys(payload.files).length === 1,
          share.error || share.link.slice(0, 120));
    if (m) {
      const linked = await openPage(share.link);
      try {
        const loaded = await waitFor(linked, () => window.opsim.files().read.includes('requests.csv'), null, 10000);
        const state = await linked.evaluate(() => { window.opsim.pause(); window.opsim.advance(86400); return window.opsim.state(); });
        const dl = differences(nativeCsvDay.metrics, state.metrics);
        check(`a page opened at the #bundle= link runs the same scenario: all ${dl.names} metrics of the runner's at ` +
              'its end', loaded && state.finished && dl.ok, `loaded ${loaded}; ${dl.detail}`);
      } finally {
        await linked.close();
      }
    }

    // A trace too long for a link: no link, and the reason with its size.
    const rows = ['timestamp,requests_per_minute'];
    for (let i = 0; i < 40000; i++) rows.push(`${1767571200 + 2 * i},${400 + (i % 97)}`);
    const big = await page.evaluate(([scenario, trace]) => {
      const result = window.opsim.loadFiles([{name: 'big.json', text: scenario}, {name: 'big.csv', text: trace}]);
      return {result, share: window.opsim.shareLink()};
    }, [csvScenario.replace('"requests.csv"', '"big.csv"'), rows.join('\n') + '\n']);
    check('a scenario whose files make too long a link gets no link, and the reason says how long and what to do ' +
          `("${big.share.error.slice(0, 160)}")`,
          big.result.ok && big.share.link === '' && /makes a link of \d+ KiB, over the 256 KiB/.test(big.share.error) &&
          big.share.error.includes('big.csv') && big.share.error.includes('Download'),
          JSON.stringify(big.result));

    // --- a CSV dropped alone drives the first tenant's load of the running scenario
    const alone = await page.evaluate((trace) => {
      window.opsim.load('default');
      const result = window.opsim.loadFiles([{name: 'requests.csv', text: trace}]);
      return {result, files: window.opsim.files()};
    }, csv);
    check(`a CSV given alone drives the first tenant's load ("${alone.files.notice.slice(0, 120)}")`,
          alone.result.ok && alone.files.read.includes('requests.csv') &&
          alone.files.notice.includes("requests.csv now drives tenant acme's load of agent summarizer"),
          JSON.stringify(alone.result));
  } finally {
    await page.close();
  }

  // --- a scenario without its file: the loader's clear error, the hint, then the file alone
  {
    const dir = mkdtempSync(path.join(tmpdir(), 'opsim-e2e-'));
    let expected = [];
    try {
      const alone = path.join(dir, 'scenario-csv.json');
      copyFileSync(csvScenarioFile, alone);
      try {
        execFileSync(opts.opsim, ['validate', alone], {stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000});
      } catch (e) {
        // "FILE:LINE:COL: error: PATH: cannot read "requests.csv": no such file: ..." -> "LINE:COL: PATH: cannot read "requests.csv""
        for (const line of e.stderr.toString('utf8').split('\n')) {
          const mm = /^.*?:(\d+):(\d+): error: (\S+): (cannot read "[^"]+")/.exec(line);
          if (mm) expected.push(`${mm[1]}:${mm[2]}: ${mm[3]}: ${mm[4]}`);
        }
      }
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
    const page2 = await openPage(url);
    try {
      const r = await page2.evaluate((t) => {
        const result = window.opsim.loadFiles([{name: 'scenario-csv.json', text: t}]);
        return {result, files: window.opsim.files()};
      }, csvScenario);
      check('a scenario given without the file it names is refused with the error opsim validate gives ' +
            `(${JSON.stringify(expected)}), naming the file: "${r.result.error}"`,
            r.result.ok === false && expected.length === 1 &&
            r.result.error.includes(`${expected[0]}: no file of that name was given`));
      check(`files().missing lists requests.csv and the notice says to give it ("${r.files.notice}")`,
            JSON.stringify(r.files.missing) === '["requests.csv"]' && r.files.notice_error &&
            r.files.notice.includes('names requests.csv, not given yet: drop or pick it'));
      check('the Scenario tab opens on the errors with the hint to drop the missing file (widgetRect("missing-files"))',
            await waitFor(page2, () => window.opsim.widgetRect('missing-files') !== null, null, 5000));
      // The file alone, afterwards, through the file input: the waiting scenario opens.
      await page2.setInputFiles('#opsim-file-input', {name: 'requests.csv', mimeType: 'text/csv', buffer: Buffer.from(csv)});
      const opened = await waitFor(page2, () => window.opsim.files().read.includes('requests.csv'), null, 10000);
      const state = await page2.evaluate(() => { window.opsim.pause(); window.opsim.advance(86400); return window.opsim.state(); });
      const d = differences(nativeCsvDay.metrics, state.metrics);
      check('the missing file picked afterwards opens the waiting scenario (every metric of the runner\'s at its end)',
            opened && state.finished && d.ok, `opened ${opened}; ${d.detail}`);
    } finally {
      await page2.close();
    }
  }

  // --- the bundled examples open with their files
  {
    const page3 = await openPage(url);
    try {
      const listed = (await page3.evaluate(() => window.opsim.files())).examples;
      // examples/slo names two files (a Sloth and an OpenSLO spec); the others one each.
      const wanted = ['examples/kubernetes/scenario', 'examples/slo/scenario', 'examples/traces/scenario-csv',
                      'examples/traces/scenario-prometheus'];
      const filesOf = {'examples/slo/scenario': 2};
      check(`the page bundles the examples of examples/ that are scenarios, and no sweep file (${JSON.stringify(listed)})`,
            wanted.every((w) => listed.includes(w)) && !listed.some((n) => n.startsWith('examples/sweeps/')));
      for (const name of wanted) {
        const native = nativeSummary(path.join(opts.source, `${name}.json`), '1h');
        const web = await page3.evaluate((n) => {
          const result = window.opsim.load(n);
          window.opsim.pause();
          window.opsim.advance(3600);
          return {result, state: window.opsim.state(), files: window.opsim.files()};
        }, name);
        const d = differences(native.metrics, web.state.metrics);
        check(`load("${name}") opens the bundled example with ${JSON.stringify(web.files.read)}: all ${d.names} ` +
              'metrics of opsim run --until 1h', web.result.ok && web.files.read.length === (filesOf[name] || 1) && d.ok,
              JSON.stringify(web.result) + ' ' + d.detail);
      }
      await page3.evaluate(() => window.opsim.load('default'));
      const clicked = await clickWidget(page3, 'tab:Library') &&
                      await waitFor(page3, () => window.opsim.widgetRect('library:examples/kubernetes/scenario') !== null,
                                    null, 5000) &&
                      await clickWidget(page3, 'library:examples/kubernetes/scenario');
      check('a scripted click on Open of examples/kubernetes/scenario in the Library tab opens it with hpa.yaml',
            clicked && await waitFor(page3, () => window.opsim.files().read.includes('hpa.yaml'), null, 5000));
    } finally {
      await page3.close();
    }
  }
}

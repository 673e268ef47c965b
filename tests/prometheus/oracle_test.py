#!/usr/bin/env python3
"""Prometheus as the oracle of opsim's PromQL engine and rule evaluation.

For each scenario, opsim runs with tests/prometheus/oracle_rules.yml and writes metrics.om
(every scraped series and every recording rule's result) and events.jsonl (its alerts).
Then, with no expected value written anywhere:
  1. Recording rules: `promtool tsdb create-blocks-from openmetrics` backfills metrics.om; a
     Prometheus 2.42 started on 127.0.0.1 answers `query_range` for each rule's expression at
     opsim's evaluation times; every value must equal opsim's recorded one to 1e-6 relative,
     and the two must have the same series at the same times.
  2. Alerts: opsim's scraped series become a `promtool test rules` input, and the alerts
     opsim reported firing at each evaluation (labels and expanded annotations) become its
     expectations; promtool evaluates the same rule file and must agree at every evaluation.

Usage: oracle_test.py OPSIM SOURCE_DIR WORK_DIR
"""
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import yaml

# (scenario, --until): traffic with a spike and quota rejections; calls with retries and
# timeouts (caller labels); a queue that sheds.
SCENARIOS = [("default", "12h"), ("retry-storm", "3h"), ("load-shedding", "3h")]
EVAL_INTERVAL_S = 60  # every group of oracle_rules.yml
REL_TOL = 1e-6

LABELS_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def unescape(v):
    return v.replace('\\"', '"').replace('\\n', '\n').replace('\\\\', '\\')


def parse_openmetrics(path):
    """{name: {labels (sorted tuple): [(t_ms, value)]}}"""
    series = {}
    with open(path) as f:
        for line in f:
            if line.startswith('#'):
                continue
            brace = line.find('{')
            space = line.rfind(' ', 0, line.rfind(' '))
            if 0 <= brace < space:
                name = line[:brace]
                close = line.rindex('}', 0, space + 1)
                labels = tuple(sorted((k, unescape(v)) for k, v in LABELS_RE.findall(line[brace + 1:close])))
                rest = line[close + 1:].split()
            else:
                parts = line.split()
                name, labels, rest = parts[0], (), parts[1:]
            value, ts = float(rest[0]), float(rest[1])
            series.setdefault(name, {}).setdefault(labels, []).append((round(ts * 1000), value))
    return series


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Prometheus:
    def __init__(self, tsdb, work):
        self.port = free_port()
        config = os.path.join(work, 'prometheus.yml')
        with open(config, 'w') as f:
            f.write('global:\n  evaluation_interval: 1m\n')
        self.log = open(os.path.join(work, 'prometheus.log'), 'w')
        self.proc = subprocess.Popen(
            ['prometheus', '--config.file=' + config, '--storage.tsdb.path=' + tsdb,
             '--storage.tsdb.retention.time=100y', '--web.listen-address=127.0.0.1:%d' % self.port],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen('http://127.0.0.1:%d/-/ready' % self.port, timeout=1).read()
                return
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError('prometheus exited; see ' + self.log.name)
                time.sleep(0.2)
        raise RuntimeError('prometheus did not become ready')

    def query_range(self, expr, start_ms, end_ms, step_s):
        q = urllib.parse.urlencode({'query': expr, 'start': '%.3f' % (start_ms / 1000),
                                    'end': '%.3f' % (end_ms / 1000), 'step': '%ds' % step_s})
        try:
            body = urllib.request.urlopen('http://127.0.0.1:%d/api/v1/query_range?%s' % (self.port, q), timeout=120).read()
        except urllib.error.HTTPError as e:
            body = e.read()
        return json.loads(body)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b))


def check_recording(prom, rules, recorded, start_ms, end_ms, failures, stats):
    for rule in rules:
        name = rule['record']
        extra = rule.get('labels', {}) or {}
        answer = prom.query_range(rule['expr'], start_ms, end_ms, EVAL_INTERVAL_S)
        ours = recorded.get(name, {})
        if answer.get('status') != 'success':
            # Prometheus refused the expression at these times: opsim must have recorded nothing.
            if ours:
                failures.append('%s: Prometheus says %s, opsim recorded %d series' % (name, answer.get('error'), len(ours)))
            continue
        theirs = {}
        for s in answer['data']['result']:
            labels = dict(s['metric'])
            labels['__name__'] = name
            labels.update(extra)
            key = tuple(sorted((k, v) for k, v in labels.items() if k != '__name__' and v != ''))
            points = {round(float(t) * 1000): float(v) for t, v in s['values']}
            # Two series that the rule's name and labels make equal: Prometheus's rule
            # evaluation fails at those instants ("vector contains metrics with the same
            # labelset after applying rule labels") and records nothing.
            for t in set(points) & set(theirs.get(key, {})):
                theirs[key][t] = None
            for t, v in points.items():
                theirs.setdefault(key, {}).setdefault(t, v)
        failed_at = {t for series in theirs.values() for t, v in series.items() if v is None}
        theirs = {k: {t: v for t, v in series.items() if t not in failed_at} for k, series in theirs.items()}
        theirs = {k: series for k, series in theirs.items() if series}
        stats['expressions'] += 1
        for key in sorted(set(theirs) | set(ours)):
            a = theirs.get(key, {})
            b = dict(ours.get(key, []))
            for t in sorted(set(a) | set(b)):
                if t not in a or t not in b:
                    failures.append('%s%s at %d: Prometheus %s, opsim %s' % (name, dict(key), t, a.get(t, 'no value'), b.get(t, 'no value')))
                    continue
                stats['values'] += 1
                if not close(a[t], b[t]):
                    failures.append('%s%s at %d: Prometheus %r, opsim %r' % (name, dict(key), t, a[t], b[t]))
                elif a[t] != b[t] and not math.isnan(a[t]):
                    stats['largest'] = max(stats['largest'], abs(a[t] - b[t]) / max(abs(a[t]), abs(b[t])))


def values_text(points, start_ms, scrape_ms, count):
    by_index = {(t - start_ms) // scrape_ms: v for t, v in points}
    out = []
    for i in range(count):
        v = by_index.get(i)
        out.append('_' if v is None else repr(v) if not math.isinf(v) and not math.isnan(v) else ('NaN' if math.isnan(v) else ('Inf' if v > 0 else '-Inf')))
    return ' '.join(out)


def check_alerts(opsim_dir, rules_path, group_order, alert_rules, series, start_ms, scrape_ms, end_ms, work, failures, stats):
    """Alerts through promtool's own rule evaluation, with opsim's firing alerts as expectations."""
    count = (end_ms - start_ms) // scrape_ms + 1
    inputs = []
    for name, by_labels in sorted(series.items()):
        if not name.startswith('opsim_'):
            continue  # recording rules are evaluated by promtool itself
        for labels, points in sorted(by_labels.items()):
            sel = name + '{' + ', '.join('%s=%s' % (k, json.dumps(v)) for k, v in labels) + '}'
            inputs.append({'series': sel, 'values': values_text(points, start_ms, scrape_ms, count)})
    firing = {}  # (alertname, labels text) -> annotations, as opsim reported
    expected = {a['alert']: [] for a in alert_rules}
    events = [json.loads(l) for l in open(os.path.join(opsim_dir, 'events.jsonl'))]
    by_time = {}
    for e in events:
        if e['kind'] in ('alert_firing', 'alert_resolved') and 'labels' in e:
            by_time.setdefault(round(e['t_s'] * 1000), []).append(e)
    last_eval = (end_ms - start_ms) // (EVAL_INTERVAL_S * 1000) * EVAL_INTERVAL_S * 1000
    for t in range(EVAL_INTERVAL_S * 1000, last_eval + 1, EVAL_INTERVAL_S * 1000):
        for e in by_time.get(t, []):
            key = (e['rule'], e['labels'])
            if e['kind'] == 'alert_firing':
                firing[key] = e.get('annotations', [])
            else:
                firing.pop(key, None)
        for name in expected:
            exp = []
            for (rule, labels_text), annotations in sorted(firing.items()):
                if rule != name:
                    continue
                labels = dict((k, unescape(v)) for k, v in LABELS_RE.findall(labels_text))
                labels.pop('alertname', None)
                exp.append({'exp_labels': labels,
                            'exp_annotations': dict(a.split('=', 1) for a in annotations)})
            expected[name].append({'eval_time': '%dms' % t, 'alertname': name, 'exp_alerts': exp})
            stats['alert_checks'] += 1
            stats['firing_checked'] += len(exp)
    # Without group_eval_order promtool runs the groups in a random order; opsim runs them in
    # file order, as Prometheus's own rule manager sees a group's earlier results.
    test = {'rule_files': [os.path.abspath(rules_path)], 'evaluation_interval': '%ds' % EVAL_INTERVAL_S,
            'group_eval_order': group_order,
            'tests': [{'interval': '%dms' % scrape_ms, 'input_series': inputs,
                       'alert_rule_test': [c for name in expected for c in expected[name]]}]}
    path = os.path.join(work, 'alerts_test.yml')
    with open(path, 'w') as f:
        yaml.safe_dump(test, f, width=1 << 30)
    r = subprocess.run(['promtool', 'test', 'rules', path], capture_output=True, text=True)
    if r.returncode != 0:
        failures.append('promtool test rules disagrees with opsim\'s alerts:\n' + (r.stdout + r.stderr)[:6000])


def main():
    opsim, source, work = sys.argv[1], sys.argv[2], sys.argv[3]
    rules_path = os.path.join(source, 'tests/prometheus/oracle_rules.yml')
    with open(rules_path) as f:
        groups = yaml.safe_load(f)['groups']
    recording = [r for g in groups for r in g['rules'] if 'record' in r]
    alerting = [r for g in groups for r in g['rules'] if 'alert' in r]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    failures = []
    stats = {'expressions': 0, 'values': 0, 'largest': 0.0, 'alert_checks': 0, 'firing_checked': 0}
    for scenario, until in SCENARIOS:
        out = os.path.join(work, scenario)
        subprocess.run([opsim, 'run', scenario, '--until', until, '--rules', rules_path, '--out', out, '--quiet'],
                       check=True, stdout=subprocess.DEVNULL)
        series = parse_openmetrics(os.path.join(out, 'metrics.om'))
        scrape_points = sorted(t for t, _ in next(iter(series['opsim_slots'].values())))
        scrape_ms = scrape_points[1] - scrape_points[0]
        start_ms = scrape_points[0] - scrape_ms  # the run's start: the first scrape is one interval in
        end_ms = scrape_points[-1]
        recorded = {n: s for n, s in series.items() if n.startswith('oracle:')}
        tsdb = os.path.join(work, scenario + '-tsdb')
        subprocess.run(['promtool', 'tsdb', 'create-blocks-from', 'openmetrics', os.path.join(out, 'metrics.om'), tsdb],
                       check=True, stdout=subprocess.DEVNULL)
        before = len(failures)
        prom = Prometheus(tsdb, work)
        try:
            first_eval = start_ms + EVAL_INTERVAL_S * 1000
            last_eval = start_ms + (end_ms - start_ms) // (EVAL_INTERVAL_S * 1000) * EVAL_INTERVAL_S * 1000
            check_recording(prom, recording, recorded, first_eval, last_eval, failures, stats)
        finally:
            prom.stop()
        check_alerts(out, rules_path, [g['name'] for g in groups], alerting, series, start_ms, scrape_ms, end_ms, os.path.join(work, scenario), failures, stats)
        print('%s (%s): %d differences' % (scenario, until, len(failures) - before), flush=True)
    print('compared %d recording-rule expressions (%d values; largest relative difference %.3g) and %d alert evaluations '
          '(%d firing alerts) with Prometheus 2.42' % (stats['expressions'], stats['values'], stats['largest'],
                                                        stats['alert_checks'], stats['firing_checked']))
    # The first few of each rule's differences.
    shown = {}
    for f in failures:
        rule = re.split(r'[{: ]', f.replace('oracle:', '', 1), 1)[0]
        shown[rule] = shown.get(rule, 0) + 1
        if shown[rule] <= 3:
            print('FAIL: ' + f)
    for rule, n in sorted(shown.items()):
        if n > 3:
            print('... %s: %d more' % (rule, n - 3))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())

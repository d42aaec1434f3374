// End-to-end test of the dashboard against the real server: starts `traffic demo` (or uses
// $TRAFFIC_E2E_URL), drives headless Debian Chromium with playwright-core, and checks what the
// page shows against the API. Screenshots go to $WEB_E2E_ARTIFACTS (default web/test-artifacts).
//
// Environment: TRAFFIC_BIN (default build/release/traffic), TRAFFIC_WEB_PORT (3200),
// TRAFFIC_E2E_DATA_DIR (default build/web-e2e-data: the demo's model is trained there once and
// reused), TRAFFIC_E2E_URL (skip starting a server), TRAFFIC_E2E_TIMEOUT_S (1200),
// TRAFFIC_E2E_DEMO_SH (default scripts/demo.sh: trains a model when DATA_DIR has none, then demo).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const port = Number(process.env.TRAFFIC_WEB_PORT ?? 3200);
const artifacts = path.resolve(process.env.WEB_E2E_ARTIFACTS ?? path.join(repo, 'web', 'test-artifacts'));
// The first run trains the demo's model (scripts/demo.sh), which takes minutes on a busy machine.
const timeoutS = Number(process.env.TRAFFIC_E2E_TIMEOUT_S ?? 1200);
fs.mkdirSync(artifacts, { recursive: true });

const results = [];
function log(...a) {
  console.error('[e2e]', ...a);
}
async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    console.log(`FAIL ${name}: ${e.message}`);
  }
}
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, seconds) {
  const end = Date.now() + seconds * 1000;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}${last ? ` (${last.message})` : ''}`);
}

let server = null;
let base = process.env.TRAFFIC_E2E_URL;
if (!base) {
  const bin = path.resolve(process.env.TRAFFIC_BIN ?? path.join(repo, 'build', 'release', 'traffic'));
  check(fs.existsSync(bin), `${bin} not found: build it (cmake --build --preset release --target traffic)`);
  const dataDir = path.resolve(process.env.TRAFFIC_E2E_DATA_DIR ?? path.join(repo, 'build', 'web-e2e-data'));
  fs.mkdirSync(dataDir, { recursive: true });
  base = `http://127.0.0.1:${port}`;
  // scripts/demo.sh trains a model first when the data dir has none, then runs `traffic demo`.
  const args = [process.env.TRAFFIC_E2E_DEMO_SH ?? path.join(repo, 'scripts', 'demo.sh'), bin, '--port', String(port),
    '--web-dir', path.join(repo, 'web', 'dist'), '--duration', String(timeoutS + 600)];
  log('starting', 'bash', args.join(' '), `(DATA_DIR=${dataDir})`);
  const out = fs.openSync(path.join(artifacts, 'demo.log'), 'w');
  server = spawn('bash', args, { cwd: repo, env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', out, out], detached: true });
  server.on('exit', (code, sig) => log(`demo exited code=${code} signal=${sig}`));
}
const api = async (p) => {
  const r = await fetch(base + p);
  if (!r.ok) throw new Error(`GET ${p}: HTTP ${r.status}`);
  return r.json();
};
function stopServer() {
  if (server && server.exitCode === null) {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch { /* already gone */ }
  }
}
process.on('exit', stopServer);

let browser;
let page;
let target;
try {
  await until('the server to answer /api/health', () => api('/api/health'), timeoutS);
  await until('live cells in /api/cells', async () => (await api('/api/cells')).cells.length > 0, timeoutS);
  browser = await launch();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(base + '/', { waitUntil: 'domcontentloaded', timeout: 180000 });

  await test('dashboard loads and draws live cells', async () => {
    const n = await until('cells on the map', () => page.evaluate(() => window.__trafficMap?.drawnCells().length ?? 0), 120);
    check(n > 0, 'no cells drawn');
    await until('status pill "live"', async () => (await page.textContent('[data-testid=status-pill]')) === 'live', 30);
    const fresh = await page.textContent('[data-testid=freshness]');
    check(/^as of \d\d:\d\d New York time/.test(fresh), `freshness line is "${fresh}"`);
    await sleep(1500);
    await page.screenshot({ path: path.join(artifacts, 'map.png') });
  });

  await test('the map draws the API\'s active cells', async () => {
    const drawn = new Set(await page.evaluate(() => window.__trafficMap.drawnCells()));
    const apiIds = new Set((await api('/api/cells')).cells.map((c) => c.cell_id));
    const inApi = [...drawn].filter((id) => apiIds.has(id)).length;
    // The stream moves on between the two reads (60x speed-up): allow a small difference.
    check(inApi >= 0.9 * drawn.size, `${inApi} of ${drawn.size} drawn cells are in /api/cells (${apiIds.size})`);
    check(drawn.size >= 0.8 * apiIds.size, `${drawn.size} drawn vs ${apiIds.size} in /api/cells`);
    const count = await page.textContent('[data-testid=cell-count]');
    check(/^\d+ cells drawn$/.test(count), `cell count "${count}"`);
  });

  await test('the legend states the API thresholds in mph', async () => {
    const t = (await api('/api/cells')).thresholds;
    const legend = await page.textContent('[data-testid=legend]');
    check(legend.includes(`under ${t.high_below_mph} mph`), `legend "${legend}" lacks under ${t.high_below_mph} mph`);
    check(legend.includes(`over ${t.low_above_mph} mph`), `legend lacks over ${t.low_above_mph} mph`);
  });

  await test('switch to the 30-minute forecast', async () => {
    await page.click('[data-testid=mode-30]');
    check((await page.getAttribute('[data-testid=mode-30]', 'aria-checked')) === 'true', 'the +30 button is not on');
    const legend = await page.textContent('[data-testid=legend]');
    check(legend.includes('Forecast, next 30 minutes'), `legend "${legend}"`);
    await sleep(1000);
    await page.screenshot({ path: path.join(artifacts, 'map-forecast-30.png') });
  });

  // A drawn cell whose centre is on the open map (not under an overlay), most trips first.
  async function pickTarget() {
    const cells = (await api('/api/cells')).cells.sort((a, b) => b.trip_count - a.trip_count);
    const drawn = new Set(await page.evaluate(() => window.__trafficMap.drawnCells()));
    const box = await page.locator('[data-testid=map]').boundingBox();
    for (const c of cells) {
      if (!drawn.has(c.cell_id)) continue;
      const p = await page.evaluate((ll) => window.__trafficMap.project(ll), c.centre);
      if (!p) continue;
      const x = box.x + p[0];
      const y = box.y + p[1];
      const onCanvas = await page.evaluate(([px, py]) => document.elementFromPoint(px, py)?.tagName === 'CANVAS', [x, y]);
      if (onCanvas) return { cell: c, x, y };
    }
    return null;
  }

  await test('hovering a cell shows its tooltip', async () => {
    target = await until('a cell on the open map', pickTarget, 30);
    await page.mouse.move(target.x - 30, target.y - 30);
    await page.mouse.move(target.x, target.y, { steps: 4 });
    const tip = await until('the tooltip', async () => {
      const t = await page.locator('[data-testid=tooltip]').textContent({ timeout: 1000 });
      return t && t.includes(`Cell ${target.cell.cell_id}`) ? t : null;
    }, 20);
    check(/mph/.test(tip) && /\+30 min/.test(tip), `tooltip "${tip}"`);
  });

  await test('clicking a cell opens its drill-down with the numbers of /api/cells/{id}', async () => {
    const id = target.cell.cell_id;
    await page.mouse.click(target.x, target.y);
    await until('the panel of the cell', async () => (await page.getAttribute('[data-testid=cell-panel]', 'data-cell', { timeout: 1000 })) === id, 20);
    await page.waitForSelector('[data-testid=panel-latest]', { timeout: 30000 });
    let compared = false;
    for (let attempt = 0; attempt < 6 && !compared; attempt++) {
      const shown = await page.evaluate(() => {
        const q = (s) => document.querySelector(`[data-testid=${s}]`);
        return {
          windowEnd: q('panel-latest').getAttribute('data-window-end'),
          trips: q('panel-trips').textContent, speed: q('panel-speed').textContent, level: q('panel-level').textContent,
          f: [15, 30, 60].map((h) => Array.from(q(`panel-forecast-${h}`).querySelectorAll('td')).map((td) => td.textContent)),
        };
      });
      const d = await api(`/api/cells/${id}`);
      if (d.window_end === shown.windowEnd) {
        check(shown.trips === String(d.trip_count), `trips ${shown.trips} vs API ${d.trip_count}`);
        check(shown.speed === d.avg_speed.toFixed(2), `speed ${shown.speed} vs API ${d.avg_speed}`);
        check(shown.level === d.congestion_level, `level ${shown.level} vs API ${d.congestion_level}`);
        [15, 30, 60].forEach((h, i) => {
          const f = d.forecasts[String(h)];
          check(shown.f[i][1] === (f ? f.level : '–'), `forecast ${h}: ${shown.f[i][1]} vs API ${f?.level}`);
          check(shown.f[i][2] === (f ? `${Math.round(f.confidence * 100)}%` : '–'), `confidence ${h}: ${shown.f[i][2]} vs API ${f?.confidence}`);
        });
        compared = true;
      } else {
        const w = d.history.find((p) => p.window_end === shown.windowEnd);
        if (w) {
          check(shown.trips === String(w.trip_count), `trips ${shown.trips} vs API history ${w.trip_count}`);
          check(shown.speed === w.avg_speed.toFixed(2), `speed ${shown.speed} vs API history ${w.avg_speed}`);
          check(shown.level === w.congestion_level, `level ${shown.level} vs API history ${w.congestion_level}`);
          compared = true;
        }
      }
      if (!compared) await sleep(1000);
    }
    check(compared, 'the panel window was never found in /api/cells/{id}');
    const charts = await page.locator('[data-testid=cell-panel] svg.chart').count();
    check(charts >= 2, `${charts} charts in the panel`);
    await sleep(500);
    await page.screenshot({ path: path.join(artifacts, 'drilldown.png') });
  });

  await test('pipeline health shows the API stats', async () => {
    const before = await api('/api/stats');
    await page.click('[data-testid=tab-health]');
    await page.waitForSelector('[data-testid=health-view]', { timeout: 20000 });
    await sleep(5500); // one poll
    const shown = Number((await page.textContent('[data-testid=health-events] .kpi-value')).replace(/,/g, ''));
    const after = await api('/api/stats');
    check(shown >= before.events - 1 && shown <= after.events, `events ${shown} not within API ${before.events}..${after.events}`);
    const dead = Number((await page.textContent('[data-testid=health-dead] .kpi-value')).replace(/,/g, ''));
    check(dead >= before.dead_letters && dead <= after.dead_letters, `dead letters ${dead} vs ${before.dead_letters}..${after.dead_letters}`);
    // The live forecast scores: one row per horizon with who publishes, as the API says.
    if (after.live_scores) {
      const rows = await page.locator('[data-testid=live-scores] tbody tr').allTextContents();
      check(rows.length === after.live_scores.horizons.length, `${rows.length} live score rows, the API has ${after.live_scores.horizons.length}`);
      after.live_scores.horizons.forEach((h, i) => {
        check(rows[i].startsWith(`${h.minutes} min`), `live score row ${i}: ${rows[i]}`);
        check(rows[i].includes(h.source === 'model' ? 'model' : 'persistence (model below it)'), `live score row ${i} source: ${rows[i]}`);
      });
    } else {
      await page.waitForSelector('text=no model: forecasts are off', { timeout: 5000 });
    }
    await page.screenshot({ path: path.join(artifacts, 'health.png') });
  });

  await test('model card view shows the card of /api/model', async () => {
    const r = await fetch(base + '/api/model');
    await page.click('[data-testid=tab-model]');
    if (r.status === 404) {
      await page.waitForSelector('text=No model', { timeout: 20000 });
      return;
    }
    const m = await r.json();
    await page.waitForSelector('[data-testid=model-metrics]', { timeout: 20000 });
    const text = await page.textContent('[data-testid=model-metrics]');
    for (const h of m.card.horizons) {
      check(text.includes(h.model.macro_f1.toFixed(3)), `macro-F1 ${h.model.macro_f1.toFixed(3)} of ${h.minutes} min not shown`);
    }
    check((await page.locator('[data-testid=confusion-matrix]').count()) >= 1, 'no confusion matrix');
    await page.screenshot({ path: path.join(artifacts, 'model.png') });
  });

  await test('replay: the time slider shows retained snapshots', async () => {
    await page.click('[data-testid=tab-map]');
    await page.click('[data-testid=replay-button]');
    const label = await until('a replay snapshot', async () => {
      const t = await page.textContent('[data-testid=time-label]');
      return /New York · \d+ cells/.test(t) ? t : null;
    }, 60);
    check(/replaying/.test(await page.textContent('[data-testid=freshness]')), 'freshness does not say replaying');
    log('replay', label);
    await page.click('[data-testid=live-button]');
  });

  await test('no page errors', async () => {
    check(pageErrors.length === 0, pageErrors.join('; '));
  });

  if (server) {
    await test('a stopped server is shown as unreachable', async () => {
      stopServer();
      await until('the unreachable banner', async () => /Server unreachable/.test(await page.textContent('[data-testid=status-banner]', { timeout: 1000 })), 30);
      await page.screenshot({ path: path.join(artifacts, 'unreachable.png') });
    });
  }
} catch (e) {
  results.push({ name: 'setup', ok: false, error: e });
  console.log(`FAIL setup: ${e.message}`);
} finally {
  if (browser) await browser.close();
  stopServer();
}
const failed = results.filter((r) => !r.ok).length;
console.log(`screenshots and demo.log in ${artifacts}`);
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

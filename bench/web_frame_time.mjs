#!/usr/bin/env node
// Dashboard frame times in headless Chromium (software rendering: SwiftShader, no GPU) while
// every cell on the map updates. By default the dashboard (web/dist) is served by the
// synthetic API of web/e2e/synthetic-server.mjs with all 2,520 grid cells, each sending a new
// window result every --tick-ms (1000 ms = each minute of event time at the demo's 60x
// speed-up, so 2,520 SSE events per second). With --url it measures a running server instead.
//
//   node bench/web_frame_time.mjs [--seconds 20] [--cells 2520] [--tick-ms 1000] [--port 3200] [--url URL]
// Prints one JSON object: frame interval percentiles (ms), fps, map redraws/s, long tasks.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.resolve(here, '..', 'web');
const { launch } = await import(path.join(web, 'e2e', 'browser.mjs'));
const { createSyntheticServer } = await import(path.join(web, 'e2e', 'synthetic-server.mjs'));

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const seconds = Number(arg('--seconds', 20));
const cells = Number(arg('--cells', 2520));
const tickMs = Number(arg('--tick-ms', 1000));
const port = Number(arg('--port', process.env.TRAFFIC_WEB_PORT ?? 3200));
let url = arg('--url', null);
let synthetic = null;
if (!url) {
  synthetic = createSyntheticServer({ cells, tickMs, dist: path.join(web, 'dist') });
  await new Promise((r) => synthetic.server.listen(port, '127.0.0.1', r));
  url = `http://127.0.0.1:${port}`;
}

const b = await launch();
const page = b.context.pages()[0] ?? (await b.context.newPage());
const t0 = Date.now();
await page.goto(url + '/', { waitUntil: 'domcontentloaded', timeout: 180000 });
const expect = synthetic ? synthetic.cellCount : 1;
await page.waitForFunction((n) => (window.__trafficMap?.drawnCells().length ?? 0) >= n, expect, { timeout: 300000, polling: 500 });
const firstFullMapS = (Date.now() - t0) / 1000;
await page.waitForTimeout(3000); // let start-up work settle

const r = await page.evaluate(async (ms) => {
  const intervals = [];
  const longTasks = [];
  const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration)));
  try { obs.observe({ type: 'longtask', buffered: false }); } catch { /* unsupported */ }
  const frames0 = window.__trafficMap.frames;
  const drawn = window.__trafficMap.drawnCells().length;
  await new Promise((resolve) => {
    let last = performance.now();
    const start = last;
    const f = (t) => {
      intervals.push(t - last);
      last = t;
      if (t - start < ms) requestAnimationFrame(f); else resolve();
    };
    requestAnimationFrame(f);
  });
  obs.disconnect();
  return { intervals, longTasks, redraws: window.__trafficMap.frames - frames0, drawn };
}, seconds * 1000);

const sorted = [...r.intervals].sort((a, c) => a - c);
const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const round = (x) => Math.round(x * 10) / 10;
const total = r.intervals.reduce((a, c) => a + c, 0);
const out = {
  renderer: 'headless Chromium, SwiftShader (software WebGL), no GPU',
  source: synthetic ? `synthetic API, ${synthetic.cellCount} cells, each updated every ${tickMs} ms (${Math.round(synthetic.cellCount * 1000 / tickMs)} SSE events/s)` : url,
  cells_drawn: r.drawn,
  seconds,
  frames: r.intervals.length,
  fps: round(r.intervals.length / (total / 1000)),
  frame_ms: { p50: round(q(0.5)), p95: round(q(0.95)), p99: round(q(0.99)), max: round(sorted[sorted.length - 1]) },
  map_redraws_per_s: round(r.redraws / seconds),
  long_tasks: { count: r.longTasks.length, max_ms: round(Math.max(0, ...r.longTasks)) },
  first_full_map_s: round(firstFullMapS),
  load_average: (await import('node:os')).loadavg().map(round),
};
console.log(JSON.stringify(out, null, 2));
await b.close();
synthetic?.close();

// A SYNTHETIC stand-in for `traffic serve`, for the frame-time benchmark and for looking at the
// dashboard before the real server exists. It speaks the API of api/openapi.json with values
// from a fixed formula of (row, col, minute): deterministic, obviously artificial, never shipped
// in the dashboard bundle and never used by the end-to-end test (which runs `traffic demo`).
//
//   node e2e/synthetic-server.mjs [--port 3200] [--cells 2520] [--tick-ms 1000] [--dist dist]
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const ORIGIN_LAT = 40.4774, ORIGIN_LON = -74.2591, DEG = 0.01, ROWS = 45, COLS = 56;
const T0 = Date.parse('2016-01-15T13:00:00Z');
const LEVEL = (s) => (s < 10 ? 'High' : s > 20 ? 'Low' : 'Medium');

function square(r, c) {
  const s = ORIGIN_LAT + r * DEG, n = s + DEG, w = ORIGIN_LON + c * DEG, e = w + DEG;
  return [[w, s], [e, s], [e, n], [w, n]];
}
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const round2 = (x) => Math.round(x * 100) / 100;

export function createSyntheticServer({ cells = ROWS * COLS, tickMs = 1000, dist = null } = {}) {
  const ids = [];
  for (let r = 0; r < ROWS && ids.length < cells; r++) for (let c = 0; c < COLS && ids.length < cells; c++) ids.push([r, c]);
  let minute = 60; // event-time minutes since T0
  let seq = 0;
  const clients = new Set();

  const speed = (r, c, m) => 5 + 25 * (0.5 + 0.5 * Math.sin(r * 0.7 + c * 0.3 + m * 0.2));
  const trips = (r, c, m) => 1 + ((r * 7 + c * 3 + m) % 6);
  const cellNow = (r, c, m = minute) => {
    const sp = round2(speed(r, c, m));
    const f = (h) => ({ level: LEVEL(speed(r, c, m + h)), confidence: round2(0.5 + 0.4 * Math.abs(Math.cos(r + c + h))), source: 'model' });
    return {
      cell_id: `${r}_${c}`, row: r, col: c,
      centre: [ORIGIN_LON + (c + 0.5) * DEG, ORIGIN_LAT + (r + 0.5) * DEG], square: square(r, c),
      borough: null, zone: `synthetic ${r}_${c}`,
      window_start: iso(T0 + (m - 1) * 60000), window_end: iso(T0 + m * 60000),
      trip_count: trips(r, c, m), avg_speed: sp, congestion_level: LEVEL(sp),
      forecasts: { 15: f(15), 30: f(30), 60: f(60) }, model_version: 'synthetic',
    };
  };
  const stats = () => ({
    events_per_s: ids.length * 3.5 * 1000 / tickMs / 60, windows_per_min: ids.length, active_cells: ids.length, mean_speed: 17.5,
    events: minute * ids.length * 3, accepted: minute * ids.length * 3, late: minute, malformed: 0, invalid: minute * 2, dead_letters: minute * 3,
    watermark: iso(T0 + (minute - 2) * 60000), watermark_delay_s: 120, publish_latency_p99_ms: 1.5,
    consumer_lag: [], workers: [{ id: '0', partitions: [] }],
    live_scores: null,
    recent_dead_letters: [{ kind: 'late', reason: 'synthetic: event older than the watermark', time: iso(T0 + minute * 60000) }],
    sse_clients: clients.size,
  });

  const routes = {
    '/api/health': () => ({ status: 'ok', mode: 'embedded', source: { connected: true, error: null, brokers: null, topic: null },
      last_result: { event_time: iso(T0 + minute * 60000), wall_time: new Date().toISOString(), age_s: 0 },
      watermark: iso(T0 + (minute - 2) * 60000), server_time: new Date().toISOString(), cells: ids.length, windows_retained: ids.length * minute }),
    '/api/cells': () => ({ as_of: iso(T0 + minute * 60000), thresholds: { high_below_mph: 10, low_above_mph: 20 }, model_version: 'synthetic',
      active_minutes: 15, cells: ids.map(([r, c]) => cellNow(r, c)) }),
    '/api/hotspots': () => {
      const all = ids.map(([r, c]) => cellNow(r, c)).sort((a, b) => a.avg_speed - b.avg_speed).slice(0, 10);
      return { as_of: iso(T0 + minute * 60000), hotspots: all.map((h) => ({ ...h, avg_speed_15m: h.avg_speed, trips_15m: h.trip_count * 15, trend: 'steady', trend_mph_per_10min: 0 })) };
    },
    '/api/stats': stats,
    '/api/history': () => ({ step_s: 60, snapshots: Array.from({ length: 30 }, (_, k) => {
      const m = minute - 29 + k;
      return { time: iso(T0 + m * 60000), cells: ids.map(([r, c]) => [`${r}_${c}`, trips(r, c, m), round2(speed(r, c, m)), LEVEL(speed(r, c, m))]) };
    }) }),
  };

  const tick = setInterval(() => {
    minute += 1;
    // One write per tick: a minute's window results leave the server together.
    let chunk = '';
    for (const [r, c] of ids) {
      seq += 1;
      chunk += `id: ${seq}\nevent: window\ndata: ${JSON.stringify(cellNow(r, c))}\n\n`;
    }
    for (const res of clients) res.write(chunk);
    if (minute % 5 === 0) for (const res of clients) res.write(`event: stats\ndata: ${JSON.stringify(stats())}\n\n`);
  }, tickMs);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const json = (code, body) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (url.pathname === '/api/stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      res.write(': synthetic\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    const m = /^\/api\/cells\/(\d+)_(\d+)$/.exec(url.pathname);
    if (m) {
      const r = Number(m[1]), c = Number(m[2]);
      if (!ids.some(([a, b]) => a === r && b === c)) return json(404, { error: `unknown cell id ${r}_${c}` });
      const history = Array.from({ length: 60 }, (_, k) => {
        const mm = minute - 59 + k;
        const sp = round2(speed(r, c, mm));
        const fm = (h) => ({ level: LEVEL(speed(r, c, mm)), confidence: 0.6, source: 'model', made_at: iso(T0 + (mm - h) * 60000) });
        return { window_start: iso(T0 + (mm - 1) * 60000), window_end: iso(T0 + mm * 60000), trip_count: trips(r, c, mm), avg_speed: sp,
          congestion_level: LEVEL(sp), typical_speed: round2(speed(r, c, mm) * 0.9 + 2), forecast_made: { 15: fm(15), 30: fm(30), 60: fm(60) },
          observed_over: { 15: LEVEL(sp), 30: LEVEL(sp), 60: LEVEL(sp) } };
      });
      return json(200, { ...cellNow(r, c), history });
    }
    if (url.pathname === '/api/model') return json(404, { error: 'synthetic server has no model' });
    if (routes[url.pathname]) return json(200, routes[url.pathname]());
    if (url.pathname.startsWith('/api/')) return json(404, { error: `no route ${url.pathname}` });
    if (!dist) return json(404, { error: 'no dist' });
    const rel = url.pathname === '/' ? 'index.html' : path.normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '');
    const file = path.join(dist, rel);
    if (!file.startsWith(path.resolve(dist)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end(fs.readFileSync(path.join(dist, 'index.html')));
    }
    const type = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' }[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type });
    res.end(fs.readFileSync(file));
  });
  server.on('close', () => clearInterval(tick));
  return { server, close: () => { clearInterval(tick); for (const c of clients) c.end(); server.close(); }, cellCount: ids.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
  const s = createSyntheticServer({ cells: Number(arg('--cells', 2520)), tickMs: Number(arg('--tick-ms', 1000)), dist: path.resolve(arg('--dist', 'dist')) });
  const port = Number(arg('--port', 3200));
  s.server.listen(port, '127.0.0.1', () => console.error(`synthetic API (${s.cellCount} cells) on http://127.0.0.1:${port}`));
}

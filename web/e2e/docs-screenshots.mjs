// The screenshots in docs/ (map, drill-down, pipeline health), taken from a running server:
//   node e2e/docs-screenshots.mjs http://127.0.0.1:3200 [OUT_DIR=../docs]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.argv[2] ?? 'http://127.0.0.1:3200';
const out = path.resolve(process.argv[3] ?? path.join(here, '..', '..', 'docs'));
const b = await launch();
const page = b.context.pages()[0] ?? (await b.context.newPage());
await page.setViewportSize({ width: 1280, height: 780 });
await page.goto(base + '/', { waitUntil: 'domcontentloaded', timeout: 180000 });
await page.waitForFunction(() => (window.__trafficMap?.drawnCells().length ?? 0) > 0, null, { timeout: 180000 });
await page.waitForTimeout(4000);
await page.screenshot({ path: path.join(out, 'dashboard-map.png') });
// The drill-down of the busiest cell.
const cells = await (await fetch(base + '/api/cells')).json();
const busiest = cells.cells.sort((a, c) => c.trip_count - a.trip_count)[0];
const box = await page.locator('[data-testid=map]').boundingBox();
const p = await page.evaluate((ll) => window.__trafficMap.project(ll), busiest.centre);
await page.mouse.click(box.x + p[0], box.y + p[1]);
await page.waitForSelector('[data-testid=panel-latest]', { timeout: 60000 });
await page.mouse.move(box.x + p[0], box.y + p[1] + 2);
await page.waitForTimeout(1500);
await page.screenshot({ path: path.join(out, 'dashboard-drilldown.png') });
await page.click('[data-testid=tab-health]');
await page.waitForSelector('[data-testid=health-view]');
await page.waitForTimeout(16000); // a few stats samples for the sparklines
await page.screenshot({ path: path.join(out, 'dashboard-health.png') });
await b.close();
console.log(`wrote ${out}/dashboard-{map,drilldown,health}.png (cell ${busiest.cell_id})`);

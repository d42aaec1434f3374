import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOROUGH_FILE, geoDir, loadCollection } from '../geo-plugin';

describe('bundled geography', () => {
  it('reads GeoJSON, keeps only the named properties and rounds to 4 decimals', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geo-'));
    const file = path.join(dir, 'z.geojson');
    fs.writeFileSync(file, JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { zone: 'A', Shape_Area: 1 },
          geometry: { type: 'Polygon', coordinates: [[[-73.123456, 40.654321], [-73.12346, 40.654319], [-73.2, 40.7], [-73.123456, 40.654321]]] } },
        { type: 'Feature', properties: { zone: 'none' }, geometry: null },
      ],
    }));
    const c = loadCollection(file, ['zone', 'borough']);
    expect(c.features).toHaveLength(1);
    expect(c.features[0].properties).toEqual({ zone: 'A', borough: null });
    // The second point rounds onto the first and is dropped.
    expect(c.features[0].geometry!.coordinates).toEqual([[[-73.1235, 40.6543], [-73.2, 40.7], [-73.1235, 40.6543]]]);
  });

  it('a missing file is an error naming the file and TRAFFIC_GEO_DIR', () => {
    expect(() => loadCollection('/nonexistent/b.geojson', [])).toThrow(/\/nonexistent\/b\.geojson.*TRAFFIC_GEO_DIR/);
  });

  it('the default folder is ../shared/data/geo of the repository, overridable by TRAFFIC_GEO_DIR', () => {
    const old = process.env.TRAFFIC_GEO_DIR;
    delete process.env.TRAFFIC_GEO_DIR;
    expect(geoDir()).toBe(path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'geo'));
    process.env.TRAFFIC_GEO_DIR = '/tmp/elsewhere';
    expect(geoDir()).toBe('/tmp/elsewhere');
    if (old === undefined) delete process.env.TRAFFIC_GEO_DIR; else process.env.TRAFFIC_GEO_DIR = old;
  });

  it('the real borough file, when present, has the five boroughs', () => {
    const file = path.join(geoDir(), BOROUGH_FILE);
    if (!fs.existsSync(file)) return;
    const c = loadCollection(file, ['borough']);
    const names = new Set(c.features.map((f) => f.properties!.borough));
    expect([...names].sort()).toEqual(['Bronx', 'Brooklyn', 'Manhattan', 'Queens', 'Staten Island']);
  });
});

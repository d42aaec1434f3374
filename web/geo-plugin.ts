// Bundles the city's outline (boroughs) and taxi zones into the build as the virtual module
// `virtual:nyc-geo`. The GeoJSON is read at BUILD time from $TRAFFIC_GEO_DIR (default
// ../../shared/data/geo relative to this folder, i.e. ../shared/data/geo from the repository
// root) and is never copied into the repository. Coordinates are rounded to 4 decimals
// (about 10 m) and properties reduced to the names the map shows, which keeps the bundle small.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BOROUGH_FILE = 'nyc_boroughs_simplified_pediacities.geojson';
export const ZONE_FILE = 'taxi_zones_5dp.geojson';
const VIRTUAL_ID = 'virtual:nyc-geo';
const RESOLVED_ID = '\0' + VIRTUAL_ID;

export function geoDir(): string {
  return path.resolve(process.env.TRAFFIC_GEO_DIR ?? path.join(here, '..', '..', 'shared', 'data', 'geo'));
}

type Position = number[];
interface Geometry { type: string; coordinates: unknown }
interface Feature { type: 'Feature'; properties: Record<string, unknown> | null; geometry: Geometry | null }
interface Collection { type: 'FeatureCollection'; features: Feature[] }

function roundRing(ring: Position[]): Position[] {
  const out: Position[] = [];
  for (const p of ring) {
    const q = [Math.round(p[0] * 1e4) / 1e4, Math.round(p[1] * 1e4) / 1e4];
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  return out;
}

function roundGeometry(g: Geometry): Geometry {
  if (g.type === 'Polygon') return { type: g.type, coordinates: (g.coordinates as Position[][]).map(roundRing) };
  if (g.type === 'MultiPolygon') {
    return { type: g.type, coordinates: (g.coordinates as Position[][][]).map((poly) => poly.map(roundRing)) };
  }
  throw new Error(`unsupported geometry type ${g.type}`);
}

export function loadCollection(file: string, keep: string[]): Collection {
  let parsed: Collection;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Collection;
  } catch (e) {
    throw new Error(`geo: cannot read ${file} (set TRAFFIC_GEO_DIR to the folder holding ${BOROUGH_FILE} and ${ZONE_FILE}): ${(e as Error).message}`);
  }
  if (parsed.type !== 'FeatureCollection' || !Array.isArray(parsed.features)) {
    throw new Error(`geo: ${file} is not a GeoJSON FeatureCollection`);
  }
  return {
    type: 'FeatureCollection',
    features: parsed.features
      .filter((f) => f.geometry)
      .map((f) => ({
        type: 'Feature',
        properties: Object.fromEntries(keep.map((k) => [k, f.properties?.[k] ?? null])),
        geometry: roundGeometry(f.geometry as Geometry),
      })),
  };
}

export function geoPlugin(): Plugin {
  return {
    name: 'traffic-nyc-geo',
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : null;
    },
    load(id) {
      if (id !== RESOLVED_ID) return null;
      const dir = geoDir();
      const boroughFile = path.join(dir, BOROUGH_FILE);
      const zoneFile = path.join(dir, ZONE_FILE);
      this.addWatchFile(boroughFile);
      this.addWatchFile(zoneFile);
      const boroughs = loadCollection(boroughFile, ['borough']);
      const zones = loadCollection(zoneFile, ['zone', 'borough', 'LocationID']);
      return `export const boroughs = ${JSON.stringify(boroughs)};\nexport const zones = ${JSON.stringify(zones)};\n`;
    },
  };
}

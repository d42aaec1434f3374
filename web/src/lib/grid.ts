// The grid of DESIGN.md: origin lat 40.4774, lon -74.2591, square cells of 0.01 degrees,
// cell_id "{row}_{col}". The API sends each cell's `square`; this is the same formula for the
// replay snapshots of /api/history, which carry only cell ids.
import type { LonLat } from '../api/types';

export const GRID = { originLat: 40.4774, originLon: -74.2591, cellDeg: 0.01, rows: 45, cols: 56 };

export function parseCellId(id: string): { row: number; col: number } | null {
  const m = /^(\d+)_(\d+)$/.exec(id);
  if (!m) return null;
  return { row: Number(m[1]), col: Number(m[2]) };
}

/** [SW, SE, NE, NW] as [lon, lat], the order of the API's `square`. */
export function squareOf(row: number, col: number, g = GRID): LonLat[] {
  const south = g.originLat + row * g.cellDeg;
  const north = south + g.cellDeg;
  const west = g.originLon + col * g.cellDeg;
  const east = west + g.cellDeg;
  return [[west, south], [east, south], [east, north], [west, north]];
}

export function centreOf(row: number, col: number, g = GRID): LonLat {
  return [g.originLon + (col + 0.5) * g.cellDeg, g.originLat + (row + 0.5) * g.cellDeg];
}

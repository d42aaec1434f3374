// Pure data transforms from API records to what the views draw. No figure is invented here:
// everything is a count, mean or selection of the API's own values.
import type {
  CellNow, Forecast, HistoryPoint, Horizon, HorizonKey, Level, LonLat, SnapshotCell, Thresholds,
} from '../api/types';
import { LEVELS } from '../api/types';
import { parseCellId, squareOf } from './grid';

/** What the map draws for one cell. `shown` is the level that colours it (observed or forecast). */
export interface MapCell {
  id: string;
  square: LonLat[];
  trips: number;
  speed: number;
  observed: Level;
  shown: Level | null;
  forecast: Forecast | null;
  forecasts: CellNow['forecasts'] | null;
  zone: string | null;
  borough: string | null;
  windowEnd: string | null;
}

export type ViewMode = 'observed' | Horizon;

function ms(iso: string): number {
  return Date.parse(iso);
}

/**
 * Puts a window result into the store of latest windows per cell. An older or equal window for a
 * cell already holding a newer one is ignored (the stream can resend after a reconnect).
 * Returns true when the store changed.
 */
export function mergeWindow(store: Map<string, CellNow>, cell: CellNow): boolean {
  const prev = store.get(cell.cell_id);
  if (prev && ms(prev.window_end) > ms(cell.window_end)) return false;
  if (prev && prev.window_end === cell.window_end && prev.trip_count === cell.trip_count &&
      prev.avg_speed === cell.avg_speed && JSON.stringify(prev.forecasts) === JSON.stringify(cell.forecasts)) {
    return false;
  }
  store.set(cell.cell_id, cell);
  return true;
}

/** The newest window_end of the cells, or null. */
export function newestWindowEnd(cells: Iterable<CellNow>): string | null {
  let best: string | null = null;
  let bestMs = -Infinity;
  for (const c of cells) {
    const t = ms(c.window_end);
    if (t > bestMs) {
      bestMs = t;
      best = c.window_end;
    }
  }
  return best;
}

/** The cells whose latest window ended within `activeMinutes` of `asOf` (the API's rule). */
export function activeCells(store: Map<string, CellNow>, asOf: string | null, activeMinutes: number): CellNow[] {
  if (!asOf) return [];
  const limit = ms(asOf) - activeMinutes * 60_000;
  const out: CellNow[] = [];
  for (const c of store.values()) if (ms(c.window_end) > limit) out.push(c);
  return out;
}

export function forecastOf(cell: CellNow, h: Horizon): Forecast | null {
  return cell.forecasts?.[String(h) as HorizonKey] ?? null;
}

export function toMapCell(cell: CellNow, mode: ViewMode): MapCell {
  const forecast = mode === 'observed' ? null : forecastOf(cell, mode);
  return {
    id: cell.cell_id,
    square: cell.square,
    trips: cell.trip_count,
    speed: cell.avg_speed,
    observed: cell.congestion_level,
    shown: mode === 'observed' ? cell.congestion_level : forecast?.level ?? null,
    forecast,
    forecasts: cell.forecasts ?? null,
    zone: cell.zone,
    borough: cell.borough,
    windowEnd: cell.window_end,
  };
}

/**
 * The map cells of a replay snapshot. Squares and names come from cells the API has described
 * (`known`); a cell not seen yet gets its square from the grid formula and no name.
 */
export function snapshotToMapCells(cells: SnapshotCell[], known: Map<string, CellNow>): MapCell[] {
  const out: MapCell[] = [];
  for (const [id, trips, speed, level] of cells) {
    const k = known.get(id);
    let square = k?.square;
    if (!square) {
      const rc = parseCellId(id);
      if (!rc) continue;
      square = squareOf(rc.row, rc.col);
    }
    out.push({
      id, square, trips, speed, observed: level, shown: level, forecast: null, forecasts: null,
      zone: k?.zone ?? null, borough: k?.borough ?? null, windowEnd: null,
    });
  }
  return out;
}

export interface Kpis {
  activeCells: number;
  trips: number;
  /** Trip-weighted mean of the cells' latest mean speeds; null without trips. */
  meanSpeed: number | null;
  byLevel: Record<Level, number>;
  /** Share of active cells whose observed level is High (0..1); null without cells. */
  highShare: number | null;
  /** Cells forecast High at each horizon. */
  forecastHigh: Record<HorizonKey, number>;
  /** Cells with a forecast at each horizon (0 everywhere: forecasts are off). */
  forecastCells: Record<HorizonKey, number>;
}

export function computeKpis(cells: Pick<CellNow, 'trip_count' | 'avg_speed' | 'congestion_level' | 'forecasts'>[]): Kpis {
  const byLevel: Record<Level, number> = { Low: 0, Medium: 0, High: 0 };
  const forecastHigh: Record<HorizonKey, number> = { '15': 0, '30': 0, '60': 0 };
  const forecastCells: Record<HorizonKey, number> = { '15': 0, '30': 0, '60': 0 };
  let trips = 0;
  let speedTrips = 0;
  for (const c of cells) {
    byLevel[c.congestion_level] = (byLevel[c.congestion_level] ?? 0) + 1;
    trips += c.trip_count;
    speedTrips += c.avg_speed * c.trip_count;
    for (const h of ['15', '30', '60'] as HorizonKey[]) {
      const f = c.forecasts?.[h];
      if (!f) continue;
      forecastCells[h] += 1;
      if (f.level === 'High') forecastHigh[h] += 1;
    }
  }
  return {
    activeCells: cells.length,
    trips,
    meanSpeed: trips > 0 ? speedTrips / trips : null,
    byLevel,
    highShare: cells.length > 0 ? byLevel.High / cells.length : null,
    forecastHigh,
    forecastCells,
  };
}

/** KPIs of a replay snapshot (no forecasts in snapshots). */
export function snapshotKpis(cells: SnapshotCell[]): Kpis {
  return computeKpis(cells.map(([, trip_count, avg_speed, congestion_level]) => ({
    trip_count, avg_speed, congestion_level, forecasts: {},
  })));
}

export interface SeriesPoint {
  t: number;
  windowEnd: string;
  speed: number;
  trips: number;
  typical: number | null;
  observed: Level;
  forecast: Level | null;
  forecastConfidence: number | null;
  forecastSource: string | null;
  observedOver: Level | null;
}

/** The drill-down series for one horizon, oldest first. */
export function historySeries(history: HistoryPoint[], h: Horizon): SeriesPoint[] {
  const key = String(h) as HorizonKey;
  return history
    .map((p) => {
      const f = p.forecast_made?.[key] ?? null;
      return {
        t: ms(p.window_end),
        windowEnd: p.window_end,
        speed: p.avg_speed,
        trips: p.trip_count,
        typical: p.typical_speed ?? null,
        observed: p.congestion_level,
        forecast: f?.level ?? null,
        forecastConfidence: f?.confidence ?? null,
        forecastSource: f?.source ?? null,
        observedOver: p.observed_over?.[key] ?? null,
      };
    })
    .sort((a, b) => a.t - b.t);
}

/** How often the forecast made h minutes earlier matched what was then observed over h. */
export function forecastAgreement(series: SeriesPoint[]): { scored: number; hits: number; rate: number | null } {
  let scored = 0;
  let hits = 0;
  for (const p of series) {
    if (p.forecast && p.observedOver) {
      scored += 1;
      if (p.forecast === p.observedOver) hits += 1;
    }
  }
  return { scored, hits, rate: scored ? hits / scored : null };
}

/** The replay step: the smallest multiple of 60 s giving at most `maxSnapshots` over the range. */
export function replayStep(rangeSeconds: number, maxSnapshots = 240): number {
  if (rangeSeconds <= 0) return 60;
  return Math.max(60, Math.ceil(rangeSeconds / maxSnapshots / 60) * 60);
}

/** Normalised confusion matrix rows (each actual row sums to 1; an empty row stays 0). */
export function rowShares(matrix: number[][]): number[][] {
  return matrix.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (sum > 0 ? v / sum : 0));
  });
}

export function levelIndex(level: Level): number {
  return LEVELS.indexOf(level);
}

/** Speed domain of a chart: [0, max of the series rounded up to 5 mph, at least the Low threshold + 5]. */
export function speedDomain(series: SeriesPoint[], t: Thresholds): [number, number] {
  let max = t.low_above_mph + 5;
  for (const p of series) {
    max = Math.max(max, p.speed, p.typical ?? 0);
  }
  return [0, Math.ceil(max / 5) * 5];
}

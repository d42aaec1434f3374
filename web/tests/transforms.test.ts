import { describe, expect, it } from 'vitest';
import cellsFixture from './fixtures/cells.json';
import detailFixture from './fixtures/cell_28_27.json';
import historyFixture from './fixtures/history.json';
import type { CellDetail, CellNow, CellsResponse, HistoryResponse } from '../src/api/types';
import {
  activeCells, computeKpis, forecastAgreement, historySeries, mergeWindow, newestWindowEnd, replayStep,
  rowShares, snapshotKpis, snapshotToMapCells, speedDomain, toMapCell,
} from '../src/lib/transforms';

const cells = (cellsFixture as CellsResponse).cells;
const detail = detailFixture as CellDetail;
const history = historyFixture as HistoryResponse;

function storeOf(list: CellNow[]): Map<string, CellNow> {
  const m = new Map<string, CellNow>();
  for (const c of list) mergeWindow(m, c);
  return m;
}

describe('mergeWindow', () => {
  it('keeps the newest window per cell and ignores older or repeated ones', () => {
    const store = storeOf(cells);
    const older = { ...cells[0], window_end: '2016-01-15T13:30:00Z', trip_count: 99 };
    expect(mergeWindow(store, older)).toBe(false);
    expect(store.get('28_27')!.trip_count).toBe(4);
    expect(mergeWindow(store, { ...cells[0] })).toBe(false);
    const newer = { ...cells[0], window_start: '2016-01-15T13:41:00Z', window_end: '2016-01-15T13:42:00Z', trip_count: 7 };
    expect(mergeWindow(store, newer)).toBe(true);
    expect(store.get('28_27')!.trip_count).toBe(7);
    expect(store.size).toBe(3);
  });

  it('a corrected result for the same window replaces the old one', () => {
    const store = storeOf(cells);
    expect(mergeWindow(store, { ...cells[0], trip_count: 5 })).toBe(true);
    expect(store.get('28_27')!.trip_count).toBe(5);
  });
});

describe('active cells', () => {
  it('newestWindowEnd is the as_of of the API', () => {
    expect(newestWindowEnd(cells)).toBe((cellsFixture as CellsResponse).as_of);
    expect(newestWindowEnd([])).toBeNull();
  });

  it('a cell is active when its latest window ended within active_minutes of as_of', () => {
    const store = storeOf(cells);
    store.set('1_1', { ...cells[2], cell_id: '1_1', window_end: '2016-01-15T13:26:00Z' });
    store.set('1_2', { ...cells[2], cell_id: '1_2', window_end: '2016-01-15T13:26:01Z' });
    const ids = activeCells(store, '2016-01-15T13:41:00Z', 15).map((c) => c.cell_id).sort();
    expect(ids).toEqual(['19_50', '1_2', '28_27', '30_25']);
    expect(activeCells(store, null, 15)).toEqual([]);
  });
});

describe('toMapCell', () => {
  it('observed mode colours by the observed level', () => {
    const m = toMapCell(cells[0], 'observed');
    expect(m.shown).toBe('High');
    expect(m.square).toBe(cells[0].square);
    expect(m.forecast).toBeNull();
  });

  it('forecast mode colours by the forecast of that horizon; none means no colour', () => {
    expect(toMapCell(cells[0], 30).shown).toBe('Medium');
    expect(toMapCell(cells[0], 30).forecast!.confidence).toBe(0.55);
    expect(toMapCell(cells[0], 60).shown).toBeNull();
    expect(toMapCell(cells[0], 60).observed).toBe('High');
  });
});

describe('KPIs', () => {
  it('are counts and a trip-weighted mean of the cells', () => {
    const k = computeKpis(cells);
    expect(k.activeCells).toBe(3);
    expect(k.trips).toBe(9);
    expect(k.meanSpeed).toBeCloseTo((4 * 8.25 + 2 * 14.5 + 3 * 27) / 9, 10);
    expect(k.byLevel).toEqual({ Low: 1, Medium: 1, High: 1 });
    expect(k.highShare).toBeCloseTo(1 / 3, 10);
    expect(k.forecastHigh).toEqual({ '15': 1, '30': 0, '60': 0 });
    expect(k.forecastCells).toEqual({ '15': 3, '30': 3, '60': 2 });
  });

  it('no cells: no mean, no share', () => {
    const k = computeKpis([]);
    expect(k.meanSpeed).toBeNull();
    expect(k.highShare).toBeNull();
  });

  it('of a snapshot', () => {
    const k = snapshotKpis(history.snapshots[1].cells);
    expect(k.activeCells).toBe(3);
    expect(k.trips).toBe(8);
  });
});

describe('replay snapshots', () => {
  it('use the API square of known cells and the grid formula for others', () => {
    const known = storeOf(cells);
    const out = snapshotToMapCells(history.snapshots[1].cells, known);
    expect(out.map((c) => c.id)).toEqual(['28_27', '19_50', '44_55']);
    expect(out[0].square).toBe(cells[0].square);
    expect(out[0].zone).toBe('Times Sq/Theatre District');
    expect(out[2].zone).toBeNull();
    expect(out[2].square[0][0]).toBeCloseTo(-74.2591 + 0.55, 9);
    expect(out[2].square[0][1]).toBeCloseTo(40.4774 + 0.44, 9);
  });

  it('skip malformed ids', () => {
    expect(snapshotToMapCells([['bad', 1, 2, 'Low']], new Map())).toEqual([]);
  });

  it('replayStep keeps at most 240 snapshots, in whole minutes', () => {
    expect(replayStep(3600)).toBe(60);
    expect(replayStep(24 * 3600)).toBe(360);
    expect(replayStep(0)).toBe(60);
    expect((24 * 3600) / replayStep(24 * 3600)).toBeLessThanOrEqual(240);
  });
});

describe('drill-down series', () => {
  it('pairs each window with the forecast made h minutes earlier and what was observed over h', () => {
    const s15 = historySeries(detail.history, 15);
    expect(s15.map((p) => p.trips)).toEqual([3, 5, 4]);
    expect(s15.map((p) => p.forecast)).toEqual(['Medium', 'Medium', 'High']);
    expect(s15.map((p) => p.observedOver)).toEqual(['Medium', 'Medium', 'High']);
    expect(s15[2].typical).toBeNull();
    expect(forecastAgreement(s15)).toEqual({ scored: 3, hits: 3, rate: 1 });
    const s30 = historySeries(detail.history, 30);
    expect(forecastAgreement(s30)).toEqual({ scored: 1, hits: 1, rate: 1 });
    expect(forecastAgreement(historySeries(detail.history, 60)).rate).toBeNull();
  });

  it('sorts by window end whatever the order received', () => {
    const s = historySeries([...detail.history].reverse(), 15);
    expect(s.map((p) => p.windowEnd)).toEqual(detail.history.map((p) => p.window_end));
  });

  it('speed axis covers the data and the Low threshold', () => {
    const s = historySeries(detail.history, 15);
    expect(speedDomain(s, { high_below_mph: 10, low_above_mph: 20 })).toEqual([0, 25]);
    expect(speedDomain([{ ...s[0], speed: 41 }], { high_below_mph: 10, low_above_mph: 20 })).toEqual([0, 45]);
  });
});

describe('confusion matrix shares', () => {
  it('normalises each actual row', () => {
    expect(rowShares([[1, 3, 0], [0, 0, 0], [2, 2, 4]])).toEqual([[0.25, 0.75, 0], [0, 0, 0], [0.25, 0.25, 0.5]]);
  });
});

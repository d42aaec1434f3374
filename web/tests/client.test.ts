import { describe, expect, it } from 'vitest';
import { ApiClient, ApiHttpError, ApiUnreachableError, type FetchLike } from '../src/api/client';
import cells from './fixtures/cells.json';
import detail from './fixtures/cell_28_27.json';
import model from './fixtures/model.json';
import stats from './fixtures/stats.json';

function fakeFetch(routes: Record<string, { status?: number; body: unknown }>, seen: string[] = []): FetchLike {
  return async (url) => {
    seen.push(url);
    const r = routes[url];
    if (!r) return new Response(JSON.stringify({ error: `no route ${url}` }), { status: 404 });
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return new Response(text, { status: r.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  };
}

describe('ApiClient', () => {
  it('builds query strings and decodes responses', async () => {
    const seen: string[] = [];
    const api = new ApiClient('http://h:1/', fakeFetch({
      'http://h:1/api/cells?level=High&min_trips=2&bbox=-74%2C40.6%2C-73.9%2C40.8': { body: cells },
      'http://h:1/api/cells': { body: cells },
    }, seen));
    const r = await api.cells({ level: 'High', min_trips: 2, bbox: [-74, 40.6, -73.9, 40.8] });
    expect(r.cells).toHaveLength(3);
    expect((await api.cells()).thresholds.high_below_mph).toBe(10);
    expect(seen).toEqual([
      'http://h:1/api/cells?level=High&min_trips=2&bbox=-74%2C40.6%2C-73.9%2C40.8',
      'http://h:1/api/cells',
    ]);
  });

  it('encodes the cell id and the time range', async () => {
    const seen: string[] = [];
    const api = new ApiClient('', fakeFetch({
      '/api/cells/28_27?from=2016-01-15T13%3A00%3A00Z': { body: detail },
    }, seen));
    const d = await api.cell('28_27', { from: '2016-01-15T13:00:00Z' });
    expect(d.history).toHaveLength(3);
    expect(d.cell_id).toBe('28_27');
  });

  it('an HTTP error carries the API error message and what is allowed', async () => {
    const api = new ApiClient('', fakeFetch({
      '/api/cells/99_99': { status: 404, body: { error: 'unknown cell id 99_99' } },
      '/api/hotspots?n=0': { status: 400, body: { error: 'n must be 1..100', allowed: '1..100' } },
    }));
    await expect(api.cell('99_99')).rejects.toMatchObject({ status: 404, message: 'unknown cell id 99_99' });
    const e = await api.hotspots(0).catch((x) => x);
    expect(e).toBeInstanceOf(ApiHttpError);
    expect(e.allowed).toBe('1..100');
  });

  it('a server that cannot be reached is ApiUnreachableError', async () => {
    const api = new ApiClient('', async () => { throw new TypeError('fetch failed'); });
    const e = await api.health().catch((x) => x);
    expect(e).toBeInstanceOf(ApiUnreachableError);
    expect(e.message).toContain('/api/health');
  });

  it('a non-JSON 200 answer is not taken as data', async () => {
    const api = new ApiClient('', fakeFetch({ '/api/stats': { body: '<html>' } }));
    await expect(api.stats()).rejects.toBeInstanceOf(ApiUnreachableError);
  });

  it('model() is null on 404 and the card otherwise', async () => {
    expect(await new ApiClient('', fakeFetch({})).model()).toBeNull();
    const m = await new ApiClient('', fakeFetch({ '/api/model': { body: model } })).model();
    expect(m!.card.horizons[0].model.confusion_matrix[2][2]).toBe(102);
  });

  it('stats decode', async () => {
    const s = await new ApiClient('', fakeFetch({ '/api/stats': { body: stats } })).stats();
    expect(s.consumer_lag.map((l) => l.lag)).toEqual([12, 0, 340]);
    expect(s.live_scores!.horizons.map((h) => h.source)).toEqual(['model', 'model', 'persistence']);
  });
});

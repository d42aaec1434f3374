import { describe, expect, it, vi } from 'vitest';
import { openStream, type EventSourceLike } from '../src/api/stream';
import cells from './fixtures/cells.json';
import stats from './fixtures/stats.json';

class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  listeners: Record<string, ((ev: MessageEvent) => void)[]> = {};
  closed = false;
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (ev: MessageEvent) => void) {
    (this.listeners[type] ??= []).push(l);
  }
  emit(type: string, data: string) {
    for (const l of this.listeners[type] ?? []) l({ data } as MessageEvent);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
}

describe('openStream', () => {
  it('reports states and decodes window and stats events, skipping malformed ones', () => {
    const sources: FakeSource[] = [];
    const states: string[] = [];
    const windows: string[] = [];
    const statsSeen: number[] = [];
    const stop = openStream('/api/stream', {
      onWindow: (c) => windows.push(c.cell_id),
      onStats: (s) => statsSeen.push(s.events),
      onState: (s) => states.push(s),
    }, (u) => { const s = new FakeSource(u); sources.push(s); return s; }, () => 0);
    const s = sources[0];
    expect(s.url).toBe('/api/stream');
    s.readyState = 1;
    s.onopen!(new Event('open'));
    s.emit('window', JSON.stringify(cells.cells[0]));
    s.emit('window', '{not json');
    s.emit('stats', JSON.stringify(stats));
    expect(windows).toEqual(['28_27']);
    expect(statsSeen).toEqual([120000]);
    s.readyState = 0; // the browser is retrying by itself
    s.onerror!(new Event('error'));
    expect(states).toEqual(['connecting', 'open', 'down']);
    expect(sources).toHaveLength(1);
    stop();
    expect(s.closed).toBe(true);
  });

  it('reconnects itself when the EventSource gave up (CLOSED)', () => {
    vi.useFakeTimers();
    const sources: FakeSource[] = [];
    const stop = openStream('/api/stream', { onWindow: () => {}, onState: () => {} },
      (u) => { const s = new FakeSource(u); sources.push(s); return s; });
    sources[0].readyState = 2;
    sources[0].onerror!(new Event('error'));
    vi.advanceTimersByTime(3000);
    expect(sources).toHaveLength(2);
    stop();
    vi.advanceTimersByTime(10000);
    expect(sources).toHaveLength(2);
    vi.useRealTimers();
  });
});

// The live push (/api/stream, Server-Sent Events): `window` events carry a CellNow, `stats`
// events the /api/stats object. EventSource reconnects by itself and sends Last-Event-ID, so
// the server resumes from its ring buffer; this wrapper only reports the connection state.
import type { CellNow, Stats } from './types';

export type StreamState = 'connecting' | 'open' | 'down';

export interface StreamHandlers {
  onWindow(cell: CellNow): void;
  onStats?(stats: Stats): void;
  onState(state: StreamState, at: number): void;
}

export interface EventSourceLike {
  readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

const CLOSED = 2;

export function openStream(
  url: string,
  handlers: StreamHandlers,
  factory: EventSourceFactory = (u) => new EventSource(u) as unknown as EventSourceLike,
  now: () => number = Date.now,
): () => void {
  let source: EventSourceLike | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const connect = () => {
    handlers.onState('connecting', now());
    source = factory(url);
    source.onopen = () => handlers.onState('open', now());
    source.onerror = () => {
      handlers.onState('down', now());
      // A closed EventSource does not retry by itself (e.g. the server answered non-200).
      if (source && source.readyState === CLOSED && !stopped) {
        source.close();
        retry = setTimeout(connect, 3000);
      }
    };
    source.addEventListener('window', (ev) => {
      try {
        handlers.onWindow(JSON.parse(ev.data) as CellNow);
      } catch {
        /* a malformed event is skipped; the next snapshot refresh corrects the map */
      }
    });
    source.addEventListener('stats', (ev) => {
      try {
        handlers.onStats?.(JSON.parse(ev.data) as Stats);
      } catch {
        /* skipped, as above */
      }
    });
  };
  connect();
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}

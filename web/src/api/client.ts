// A thin typed client for the `traffic serve` API. Every figure the dashboard shows comes
// through here or through the SSE stream (stream.ts).
import type {
  CellDetail, CellsResponse, Health, HistoryResponse, HotspotsResponse, Level, ModelResponse, Stats,
} from './types';

/** The server answered with an HTTP error; `message` is the API's own `error` text. */
export class ApiHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly allowed?: string,
  ) {
    super(message);
    this.name = 'ApiHttpError';
  }
}

/** The server could not be reached at all (connection refused, timeout, not JSON). */
export class ApiUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiUnreachableError';
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface CellsQuery {
  level?: Level;
  min_trips?: number;
  bbox?: [number, number, number, number];
}

function query(params: Record<string, string | number | undefined | null>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export class ApiClient {
  constructor(
    readonly baseUrl = '',
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
    private readonly timeoutMs = 8000,
  ) {}

  url(path: string): string {
    return `${this.baseUrl.replace(/\/$/, '')}${path}`;
  }

  async get<T>(path: string): Promise<T> {
    const controller = typeof AbortController !== 'undefined' ? new AbortController() : undefined;
    const timer = controller ? setTimeout(() => controller.abort(), this.timeoutMs) : undefined;
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path), {
        headers: { Accept: 'application/json' },
        signal: controller?.signal,
      });
    } catch (e) {
      throw new ApiUnreachableError(`GET ${path}: ${(e as Error).message || 'server unreachable'}`);
    } finally {
      if (timer) clearTimeout(timer);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      if (!response.ok) throw new ApiHttpError(response.status, `GET ${path}: HTTP ${response.status}`);
      throw new ApiUnreachableError(`GET ${path}: the answer is not JSON`);
    }
    if (!response.ok) {
      const err = body as { error?: string; allowed?: string } | null;
      throw new ApiHttpError(response.status, err?.error ?? `GET ${path}: HTTP ${response.status}`, err?.allowed);
    }
    return body as T;
  }

  health(): Promise<Health> {
    return this.get('/api/health');
  }

  cells(q: CellsQuery = {}): Promise<CellsResponse> {
    return this.get(`/api/cells${query({ level: q.level, min_trips: q.min_trips, bbox: q.bbox?.join(',') })}`);
  }

  cell(id: string, range: { from?: string; to?: string } = {}): Promise<CellDetail> {
    return this.get(`/api/cells/${encodeURIComponent(id)}${query(range)}`);
  }

  hotspots(n = 10): Promise<HotspotsResponse> {
    return this.get(`/api/hotspots${query({ n })}`);
  }

  stats(): Promise<Stats> {
    return this.get('/api/stats');
  }

  /** The model card, or null when the server has no model (404). */
  async model(): Promise<ModelResponse | null> {
    try {
      return await this.get<ModelResponse>('/api/model');
    } catch (e) {
      if (e instanceof ApiHttpError && e.status === 404) return null;
      throw e;
    }
  }

  history(range: { from?: string; to?: string; step?: number } = {}): Promise<HistoryResponse> {
    return this.get(`/api/history${query(range)}`);
  }
}

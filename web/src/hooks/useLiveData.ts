// The dashboard's data: the latest window per cell (from /api/cells, kept current by the SSE
// stream), health, stats, hotspots and the model card, plus the connection state. Window events
// are buffered and merged a few times a second, so 2,520 cells updating each minute (or each
// second at the demo's speed-up) cost one re-render per flush, not one per event.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiClient, ApiUnreachableError } from '../api/client';
import { openStream, type StreamState } from '../api/stream';
import type { CellNow, Health, HotspotsResponse, ModelResponse, Stats, Thresholds } from '../api/types';
import { mergeWindow, newestWindowEnd } from '../lib/transforms';

const FLUSH_MS = 250;
const HEALTH_MS = 5000;
const STATS_MS = 5000;
const HOTSPOTS_MS = 10000;
const RESYNC_MS = 60000;

export interface StatsSample {
  wallMs: number;
  eventsPerS: number;
  watermarkDelayS: number | null;
}

export interface LiveData {
  api: ApiClient;
  store: Map<string, CellNow>;
  version: number;
  asOf: string | null;
  thresholds: Thresholds | null;
  activeMinutes: number;
  modelVersion: string;
  lastReceivedMs: number | null;
  streamState: StreamState;
  serverReachable: boolean | null;
  serverError: string | null;
  health: Health | null;
  stats: Stats | null;
  statsSamples: StatsSample[];
  hotspots: HotspotsResponse | null;
  model: ModelResponse | null | undefined;
  windowsReceived: number;
}

export function useLiveData(api: ApiClient): LiveData {
  const storeRef = useRef(new Map<string, CellNow>());
  const pending = useRef<CellNow[]>([]);
  const [version, setVersion] = useState(0);
  const [asOf, setAsOf] = useState<string | null>(null);
  const [thresholds, setThresholds] = useState<Thresholds | null>(null);
  const [activeMinutes, setActiveMinutes] = useState(15);
  const [modelVersion, setModelVersion] = useState('');
  const [lastReceivedMs, setLastReceivedMs] = useState<number | null>(null);
  const [streamState, setStreamState] = useState<StreamState>('connecting');
  const [serverReachable, setServerReachable] = useState<boolean | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [health, setHealth] = useState<Health | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [statsSamples, setStatsSamples] = useState<StatsSample[]>([]);
  const [hotspots, setHotspots] = useState<HotspotsResponse | null>(null);
  const [model, setModel] = useState<ModelResponse | null | undefined>(undefined);
  const windowsReceived = useRef(0);

  const reachable = useCallback((ok: boolean, err?: unknown) => {
    setServerReachable(ok);
    setServerError(ok ? null : err instanceof Error ? err.message : String(err));
  }, []);

  const loadCells = useCallback(async () => {
    try {
      const r = await api.cells();
      const store = storeRef.current;
      for (const c of r.cells) mergeWindow(store, c);
      setThresholds(r.thresholds);
      setActiveMinutes(r.active_minutes);
      setModelVersion(r.model_version);
      setAsOf(r.as_of ?? newestWindowEnd(store.values()));
      if (r.cells.length) setLastReceivedMs((prev) => prev ?? Date.now());
      setVersion((v) => v + 1);
      reachable(true);
    } catch (e) {
      if (e instanceof ApiUnreachableError) reachable(false, e);
    }
  }, [api, reachable]);

  const addStats = useCallback((s: Stats) => {
    setStats(s);
    setStatsSamples((prev) => [...prev.slice(-119), {
      wallMs: Date.now(), eventsPerS: s.events_per_s, watermarkDelayS: s.watermark_delay_s,
    }]);
  }, []);

  // Initial snapshot and periodic resync (drops nothing: the active filter ages cells out).
  useEffect(() => {
    void loadCells();
    const t = setInterval(() => void loadCells(), RESYNC_MS);
    return () => clearInterval(t);
  }, [loadCells]);

  // The live stream.
  useEffect(() => {
    const stop = openStream(api.url('/api/stream'), {
      onWindow: (c) => pending.current.push(c),
      onStats: addStats,
      onState: (s) => {
        setStreamState(s);
        if (s === 'open') void loadCells(); // refill what was missed while down
      },
    });
    const flush = setInterval(() => {
      const batch = pending.current;
      if (!batch.length) return;
      pending.current = [];
      const store = storeRef.current;
      let changed = false;
      for (const c of batch) changed = mergeWindow(store, c) || changed;
      windowsReceived.current += batch.length;
      setLastReceivedMs(Date.now());
      if (changed) {
        const newest = newestWindowEnd(batch);
        setAsOf((prev) => (!prev || (newest && Date.parse(newest) > Date.parse(prev)) ? newest : prev));
        setVersion((v) => v + 1);
      }
    }, FLUSH_MS);
    return () => {
      stop();
      clearInterval(flush);
    };
  }, [api, addStats, loadCells]);

  // Health, stats and hotspots polling.
  useEffect(() => {
    const pollHealth = async () => {
      try {
        setHealth(await api.health());
        reachable(true);
      } catch (e) {
        reachable(false, e);
      }
    };
    const pollStats = async () => {
      try {
        addStats(await api.stats());
      } catch {
        /* health reports reachability */
      }
    };
    const pollHotspots = async () => {
      try {
        setHotspots(await api.hotspots(10));
      } catch {
        /* as above */
      }
    };
    void pollHealth();
    void pollStats();
    void pollHotspots();
    const a = setInterval(pollHealth, HEALTH_MS);
    const b = setInterval(pollStats, STATS_MS);
    const c = setInterval(pollHotspots, HOTSPOTS_MS);
    return () => {
      clearInterval(a);
      clearInterval(b);
      clearInterval(c);
    };
  }, [api, addStats, reachable]);

  // The model card, again whenever the model version in use changes.
  useEffect(() => {
    let cancelled = false;
    api.model().then((m) => !cancelled && setModel(m), () => !cancelled && setModel(undefined));
    return () => {
      cancelled = true;
    };
  }, [api, modelVersion]);

  return {
    api, store: storeRef.current, version, asOf, thresholds, activeMinutes, modelVersion, lastReceivedMs,
    streamState, serverReachable, serverError, health, stats, statsSamples, hotspots, model,
    windowsReceived: windowsReceived.current,
  };
}

/** A clock that ticks every `ms`, for "3 s ago". */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

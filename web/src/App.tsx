import { useCallback, useMemo, useState } from 'react';
import { ApiClient } from './api/client';
import type { HistoryResponse, Horizon } from './api/types';
import { CellPanel } from './components/CellPanel';
import { HealthView } from './components/HealthView';
import { Hotspots } from './components/Hotspots';
import { KpiCards, Legend, ModeSwitch, StatusBanner, StatusPill, Tooltip, type Connection } from './components/MapParts';
import { MapView } from './components/MapView';
import { ModelView } from './components/ModelView';
import { TimeBar } from './components/TimeBar';
import { useLiveData, useNow } from './hooks/useLiveData';
import { freshness, nyDayTime } from './lib/time';
import {
  activeCells, computeKpis, replayStep, snapshotKpis, snapshotToMapCells, toMapCell, type MapCell, type ViewMode,
} from './lib/transforms';

type Tab = 'map' | 'model' | 'health';
const RETENTION_S = 24 * 3600;

function initialTab(): Tab {
  const h = typeof location !== 'undefined' ? location.hash.replace('#', '') : '';
  return h === 'model' || h === 'health' ? h : 'map';
}

export function App() {
  const api = useMemo(() => new ApiClient(''), []);
  const data = useLiveData(api);
  const now = useNow(1000);
  const [tab, setTabState] = useState<Tab>(initialTab);
  const [mode, setMode] = useState<ViewMode>('observed');
  const [panelHorizon, setPanelHorizon] = useState<Horizon>(15);
  const [selected, setSelected] = useState<string | null>(null);
  const [hover, setHover] = useState<{ cell: MapCell; x: number; y: number } | null>(null);
  // The tooltip shows the hovered cell's current values, not those of the moment it was hovered.
  const [live, setLive] = useState(true);
  const [history, setHistory] = useState<HistoryResponse | null>(null);
  const [index, setIndex] = useState(0);
  const [historyLoading, setHistoryLoading] = useState(false);
  const [historyError, setHistoryError] = useState<string | null>(null);

  const setTab = (t: Tab) => {
    setTabState(t);
    window.history.replaceState(null, '', `#${t}`);
  };

  const active = useMemo(
    () => activeCells(data.store, data.asOf, data.activeMinutes),
    [data.version, data.asOf, data.activeMinutes],
  );
  const snapshot = !live && history ? history.snapshots[Math.min(index, history.snapshots.length - 1)] : null;
  const mapCells = useMemo(
    () => (snapshot ? snapshotToMapCells(snapshot.cells, data.store) : active.map((c) => toMapCell(c, mode))),
    [snapshot, active, mode, data.store],
  );
  const hoverNow = useMemo(() => {
    if (!hover) return null;
    const c = mapCells.find((m) => m.id === hover.cell.id);
    return c ? { ...hover, cell: c } : null;
  }, [hover, mapCells]);
  const kpis = useMemo(() => (snapshot ? snapshotKpis(snapshot.cells) : computeKpis(active)), [snapshot, active]);

  const loadHistory = useCallback(async () => {
    if (!data.asOf) {
      setHistoryError('no data to replay yet');
      return;
    }
    setHistoryLoading(true);
    setHistoryError(null);
    try {
      const to = data.asOf;
      const from = new Date(Date.parse(to) - RETENTION_S * 1000).toISOString().replace('.000Z', 'Z');
      let h = await api.history({ from, to, step: replayStep(RETENTION_S) });
      // The retained span is usually shorter than 24 h: ask again at a finer step over it.
      const first = h.snapshots.find((s) => s.cells.length > 0);
      if (first) {
        const span = (Date.parse(to) - Date.parse(first.time)) / 1000 + h.step_s;
        const step = replayStep(span);
        if (step < h.step_s) {
          const start = new Date(Date.parse(first.time) - h.step_s * 1000).toISOString().replace('.000Z', 'Z');
          h = await api.history({ from: start, to, step });
        }
      }
      const snaps = h.snapshots.filter((s) => s.cells.length > 0);
      setHistory({ ...h, snapshots: snaps });
      setIndex(Math.max(0, snaps.length - 1));
    } catch (e) {
      setHistoryError((e as Error).message);
    } finally {
      setHistoryLoading(false);
    }
  }, [api, data.asOf]);

  const onReplay = () => {
    setLive(false);
    setMode('observed');
    setHover(null);
    void loadHistory();
  };

  const fresh = freshness(data.asOf, data.lastReceivedMs, now);
  const connection: Connection = {
    serverReachable: data.serverReachable, serverError: data.serverError, streamState: data.streamState,
    health: data.health, freshnessText: fresh,
  };
  const selectedCell = selected ? data.store.get(selected) : undefined;
  const kpiHorizon: Horizon = mode === 'observed' ? 15 : mode;

  return (
    <div className="app">
      <header>
        <div className="brand">
          <h1>Smart City Traffic</h1>
          <span className="muted">New York taxi trips · live congestion and forecasts</span>
        </div>
        <nav>
          {(['map', 'model', 'health'] as Tab[]).map((t) => (
            <button key={t} type="button" className={tab === t ? 'on' : ''} onClick={() => setTab(t)} data-testid={`tab-${t}`}>
              {t === 'map' ? 'Map' : t === 'model' ? 'Model card' : 'Pipeline health'}
            </button>
          ))}
        </nav>
        <div className="fresh">
          <StatusPill c={connection} />
          <span data-testid="freshness">{live ? fresh : snapshot ? `replaying ${nyDayTime(snapshot.time)} New York time` : fresh}</span>
        </div>
      </header>
      <StatusBanner c={connection} />
      {tab === 'map' && (
        <>
          <KpiCards kpis={kpis} stats={data.stats} horizon={kpiHorizon} replay={!live} />
          <main className="map-main">
            <div className="map-wrap">
              <MapView
                cells={mapCells}
                selectedId={selected}
                onSelect={setSelected}
                onHover={setHover}
                colourKey={`${live ? 'live' : 'replay'}-${String(mode)}-${data.version}-${index}`}
              />
              <div className="map-top">
                <ModeSwitch mode={live ? mode : 'observed'} onChange={setMode} disabled={!live} />
                <span className="muted small map-count" data-testid="cell-count">{mapCells.length} cells drawn</span>
              </div>
              <Legend thresholds={data.thresholds} mode={live ? mode : 'observed'} />
              <Tooltip hover={hoverNow} />
              <TimeBar live={live} history={history} index={index} loading={historyLoading} error={historyError}
                onLive={() => setLive(true)} onReplay={onReplay} onIndex={(i) => { setLive(false); setIndex(i); }} />
            </div>
            {selected ? (
              <CellPanel api={api} cellId={selected} refreshKey={selectedCell?.window_end ?? null} thresholds={data.thresholds}
                horizon={mode === 'observed' ? panelHorizon : mode} onHorizon={(h) => { setPanelHorizon(h); if (mode !== 'observed') setMode(h); }}
                onClose={() => setSelected(null)} />
            ) : (
              <Hotspots data={data.hotspots} onSelect={setSelected} />
            )}
          </main>
        </>
      )}
      {tab === 'model' && <ModelView model={data.model} />}
      {tab === 'health' && <HealthView stats={data.stats} health={data.health} samples={data.statsSamples} now={now} />}
    </div>
  );
}

// The map's overlays: legend, tooltip, forecast switch, KPI cards and the status banner.
import type { Health, Horizon, HorizonKey, Stats, Thresholds } from '../api/types';
import type { StreamState } from '../api/stream';
import { legendEntries, levelCss } from '../lib/levels';
import { ago, duration, nyTime } from '../lib/time';
import type { Kpis, MapCell, ViewMode } from '../lib/transforms';

export function Legend({ thresholds, mode }: { thresholds: Thresholds | null; mode: ViewMode }) {
  return (
    <div className="legend" data-testid="legend">
      <div className="legend-title">{mode === 'observed' ? 'Observed congestion (latest minute)' : `Forecast, next ${mode} minutes`}</div>
      {thresholds ? legendEntries(thresholds).map((e) => (
        <div key={e.level} className="legend-row">
          <span className="swatch" style={{ background: levelCss(e.level) }} />
          <span>{e.label}</span>
          <span className="muted">mean speed {e.text}</span>
        </div>
      )) : <div className="muted">thresholds: waiting for the server</div>}
      {mode !== 'observed' && (
        <div className="legend-row">
          <span className="swatch" style={{ background: levelCss(null) }} />
          <span className="muted">no forecast for this cell</span>
        </div>
      )}
      <div className="legend-note muted">Cells: 0.01° squares. Outlines: boroughs, taxi zones.</div>
    </div>
  );
}

export function ModeSwitch({ mode, onChange, disabled }: { mode: ViewMode; onChange(m: ViewMode): void; disabled?: boolean }) {
  const opts: { m: ViewMode; label: string }[] = [
    { m: 'observed', label: 'Now' }, { m: 15, label: '+15 min' }, { m: 30, label: '+30 min' }, { m: 60, label: '+60 min' },
  ];
  return (
    <div className="mode-switch" role="radiogroup" aria-label="what the map shows">
      {opts.map((o) => (
        <button key={String(o.m)} type="button" role="radio" aria-checked={mode === o.m} data-testid={`mode-${o.m}`}
          className={mode === o.m ? 'on' : ''} disabled={disabled && o.m !== 'observed'} onClick={() => onChange(o.m)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}

export function Tooltip({ hover }: { hover: { cell: MapCell; x: number; y: number } | null }) {
  if (!hover) return null;
  const c = hover.cell;
  const place = [c.zone, c.borough].filter(Boolean).join(', ') || 'outside the taxi zones';
  return (
    <div className="tooltip" data-testid="tooltip" style={{ left: hover.x + 14, top: hover.y + 14 }}>
      <div className="tt-title">Cell {c.id}</div>
      <div className="muted">{place}</div>
      <div>
        {c.trips} trip{c.trips === 1 ? '' : 's'} · {c.speed.toFixed(1)} mph ·{' '}
        <b style={{ color: levelCss(c.observed) }}>{c.observed}</b>
        {c.windowEnd && <span className="muted"> · window to {nyTime(c.windowEnd)}</span>}
      </div>
      {c.forecasts && (
        <div className="tt-forecasts">
          {(['15', '30', '60'] as HorizonKey[]).map((h) => {
            const f = c.forecasts?.[h];
            return (
              <div key={h}>
                +{h} min: {f ? <><b style={{ color: levelCss(f.level) }}>{f.level}</b> {Math.round(f.confidence * 100)}%{f.source !== 'model' ? ` (${f.source})` : ''}</> : <span className="muted">none</span>}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

function pct(x: number | null): string {
  return x === null ? '–' : `${Math.round(x * 100)}%`;
}

export function KpiCards({ kpis, stats, horizon, replay }: { kpis: Kpis; stats: Stats | null; horizon: Horizon; replay: boolean }) {
  const cards = [
    { k: 'active', label: 'Active cells', value: kpis.activeCells.toLocaleString('en-US') },
    { k: 'trips', label: replay ? 'Trips in snapshot' : 'Trips, latest windows', value: kpis.trips.toLocaleString('en-US') },
    { k: 'speed', label: 'Mean speed (trip-weighted)', value: kpis.meanSpeed === null ? '–' : `${kpis.meanSpeed.toFixed(1)} mph` },
    { k: 'high', label: 'Congested cells (High)', value: `${kpis.byLevel.High} · ${pct(kpis.highShare)}` },
    {
      k: 'forecast', label: `Forecast High in ${horizon} min`,
      value: replay ? '–' : kpis.forecastCells[String(horizon) as HorizonKey] === 0 ? 'no forecasts'
        : `${kpis.forecastHigh[String(horizon) as HorizonKey]} of ${kpis.forecastCells[String(horizon) as HorizonKey]}`,
    },
    { k: 'eps', label: 'Events / s (pipeline)', value: stats ? stats.events_per_s.toFixed(1) : '–' },
  ];
  return (
    <div className="kpis">
      {cards.map((c) => (
        <div className="kpi" key={c.k} data-testid={`kpi-${c.k}`}>
          <div className="kpi-value">{c.value}</div>
          <div className="kpi-label">{c.label}</div>
        </div>
      ))}
    </div>
  );
}

export interface Connection {
  serverReachable: boolean | null;
  serverError: string | null;
  streamState: StreamState;
  health: Health | null;
  freshnessText: string;
}

/** Says plainly when the server is unreachable, the stream is down or the data is stale. */
export function StatusBanner({ c }: { c: Connection }) {
  let kind: 'down' | 'warn' | null = null;
  let text = '';
  if (c.serverReachable === false) {
    kind = 'down';
    text = `Server unreachable — showing the last data received (${c.freshnessText}). Retrying every 5 s. ${c.serverError ?? ''}`;
  } else if (c.health && c.health.status === 'down') {
    kind = 'down';
    text = `Data source down${c.health.source.error ? `: ${c.health.source.error}` : ''} — the server keeps serving what it has (${c.freshnessText}).`;
  } else if (c.streamState === 'down') {
    kind = 'warn';
    text = `Live stream down — reconnecting. The map holds the data ${c.freshnessText}.`;
  } else if (c.health && c.health.status === 'stale') {
    kind = 'warn';
    const age = c.health.last_result.age_s;
    text = `Data is stale: no new result for ${age === null ? 'a while' : duration(age)}${c.health.source.error ? ` (${c.health.source.error})` : ''}.`;
  }
  if (!kind) return null;
  return <div className={`banner banner-${kind}`} role="alert" data-testid="status-banner">{text}</div>;
}

export function StatusPill({ c }: { c: Connection }) {
  const down = c.serverReachable === false || c.health?.status === 'down';
  const warn = c.streamState !== 'open' || c.health?.status === 'stale';
  const label = c.serverReachable === false ? 'server unreachable'
    : c.health?.status === 'down' ? 'source down'
      : c.streamState === 'open' ? (c.health?.status === 'stale' ? 'live · stale' : 'live')
        : c.streamState === 'connecting' ? 'connecting' : 'stream down';
  return <span className={`pill ${down ? 'pill-down' : warn ? 'pill-warn' : 'pill-ok'}`} data-testid="status-pill">{label}</span>;
}

export function lastResultAgo(h: Health | null, now: number): string | null {
  if (!h?.last_result.wall_time) return null;
  return ago((now - Date.parse(h.last_result.wall_time)) / 1000);
}

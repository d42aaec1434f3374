// The drill-down of one cell: its latest window, its forecasts, and its history as charts
// (observed vs what was forecast for that window, typical value for the hour of week). Every
// number is from /api/cells/{id}.
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { CellDetail, Horizon, HorizonKey, Thresholds } from '../api/types';
import { HORIZONS } from '../api/types';
import { levelCss } from '../lib/levels';
import { nyDayTime, nyTime } from '../lib/time';
import { forecastAgreement, historySeries } from '../lib/transforms';
import { ForecastStrip, SpeedChart, TripsChart } from './Charts';

export interface CellPanelProps {
  api: ApiClient;
  cellId: string;
  /** Changes whenever the store holds a newer window for the cell: refetch then. */
  refreshKey: string | null;
  thresholds: Thresholds | null;
  horizon: Horizon;
  onHorizon(h: Horizon): void;
  onClose(): void;
}

export function CellPanel({ api, cellId, refreshKey, thresholds, horizon, onHorizon, onClose }: CellPanelProps) {
  const [detail, setDetail] = useState<CellDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.cell(cellId).then(
      (d) => {
        if (cancelled) return;
        setDetail(d);
        setError(null);
      },
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => {
      cancelled = true;
    };
  }, [api, cellId, refreshKey]);

  const d = detail && detail.cell_id === cellId ? detail : null;
  const series = d ? historySeries(d.history, horizon) : [];
  const agree = forecastAgreement(series);
  const place = d ? [d.zone, d.borough].filter(Boolean).join(', ') || 'outside the taxi zones' : '';

  return (
    <aside className="panel" data-testid="cell-panel" data-cell={cellId}>
      <div className="panel-head">
        <div>
          <h2>Cell {cellId}</h2>
          <div className="muted">{place}</div>
        </div>
        <button type="button" className="close" onClick={onClose} aria-label="close">×</button>
      </div>
      {error && <div className="banner banner-down">{error}</div>}
      {!d && !error && <div className="muted">loading…</div>}
      {d && (
        <>
          <div className="latest" data-testid="panel-latest" data-window-end={d.window_end}>
            <div className="muted small" data-testid="panel-window">
              Latest window {nyTime(d.window_start)}–{nyTime(d.window_end)} New York ({nyDayTime(d.window_end)})
            </div>
            <div className="latest-row">
              <div><span className="big" data-testid="panel-trips">{d.trip_count}</span> trip{d.trip_count === 1 ? '' : 's'}</div>
              <div><span className="big" data-testid="panel-speed">{d.avg_speed.toFixed(2)}</span> mph</div>
              <div><span className="big" data-testid="panel-level" style={{ color: levelCss(d.congestion_level) }}>{d.congestion_level}</span></div>
            </div>
            <table className="forecasts">
              <thead><tr><th>Forecast</th><th>Level</th><th>Confidence</th><th>Source</th></tr></thead>
              <tbody>
                {HORIZONS.map((h) => {
                  const f = d.forecasts?.[String(h) as HorizonKey];
                  return (
                    <tr key={h} data-testid={`panel-forecast-${h}`}>
                      <td>next {h} min</td>
                      <td style={{ color: levelCss(f?.level) }}>{f?.level ?? '–'}</td>
                      <td>{f ? `${Math.round(f.confidence * 100)}%` : '–'}</td>
                      <td className="muted">{f?.source ?? ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div className="muted small">model {d.model_version || 'none'}</div>
          </div>

          <h3>Mean speed per minute <span className="muted small">(mph; dashed: typical for the hour of week)</span></h3>
          {thresholds && series.length > 0 ? <SpeedChart series={series} thresholds={thresholds} /> : <div className="muted">no history</div>}
          <h3>Trips per minute</h3>
          {series.length > 0 && <TripsChart series={series} />}
          <h3>
            Forecast vs observed{' '}
            <span className="horizon-pick">
              {HORIZONS.map((h) => (
                <button key={h} type="button" className={h === horizon ? 'on' : ''} onClick={() => onHorizon(h)}>{h} min</button>
              ))}
            </span>
          </h3>
          {series.length > 0 && <ForecastStrip series={series} horizon={horizon} />}
          <div className="muted small" data-testid="panel-agreement">
            {agree.rate === null
              ? `No forecast for a ${horizon}-minute window has been scored yet in this history.`
              : `The ${horizon}-minute forecast matched the observed level in ${agree.hits} of ${agree.scored} windows (${Math.round(agree.rate * 100)}%).`}
          </div>
          <div className="muted small">{d.history.length} windows retained{d.history.length ? `, ${nyTime(d.history[0].window_start)}–${nyTime(d.history[d.history.length - 1].window_end)}` : ''}.</div>
        </>
      )}
    </aside>
  );
}

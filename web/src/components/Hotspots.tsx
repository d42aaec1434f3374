import type { HotspotsResponse } from '../api/types';
import { levelCss } from '../lib/levels';
import { nyTime } from '../lib/time';

const ARROW = { worsening: '▼', improving: '▲', steady: '▶' } as const;

export function Hotspots({ data, onSelect }: { data: HotspotsResponse | null; onSelect(id: string): void }) {
  return (
    <aside className="panel" data-testid="hotspots">
      <h2>Hotspots</h2>
      <div className="muted small">
        Lowest mean speed over the last 15 minutes (cells with at least 3 trips){data?.as_of ? `, as of ${nyTime(data.as_of)}` : ''}.
      </div>
      {!data && <div className="muted">loading…</div>}
      {data && data.hotspots.length === 0 && <div className="muted">No cell has enough trips yet.</div>}
      <ol className="hotspots">
        {data?.hotspots.map((h) => (
          <li key={h.cell_id}>
            <button type="button" onClick={() => onSelect(h.cell_id)} data-testid={`hotspot-${h.cell_id}`}>
              <span className="swatch" style={{ background: levelCss(h.congestion_level) }} />
              <span className="hs-name">
                {h.zone ?? `cell ${h.cell_id}`}
                <span className="muted small"> {h.borough ?? ''} · {h.cell_id}</span>
              </span>
              <span className="hs-speed">{h.avg_speed_15m.toFixed(1)} mph</span>
              <span className="hs-trips muted">{h.trips_15m} trips</span>
              <span className={`hs-trend trend-${h.trend}`} title={`${h.trend}: ${h.trend_mph_per_10min >= 0 ? '+' : ''}${h.trend_mph_per_10min.toFixed(1)} mph per 10 min`}>
                {ARROW[h.trend] ?? ''} {h.trend_mph_per_10min >= 0 ? '+' : ''}{h.trend_mph_per_10min.toFixed(1)}
              </span>
            </button>
          </li>
        ))}
      </ol>
      <div className="muted small">Trend: change of mean speed, mph per 10 minutes (▼ worsening, ▲ improving).</div>
    </aside>
  );
}

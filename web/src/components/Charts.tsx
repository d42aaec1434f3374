// Small SVG charts (no chart library): speed over time with the typical value and thresholds,
// trip counts as bars, forecast-vs-observed level strips, a bar list and a sparkline.
import type { Level, Thresholds } from '../api/types';
import { levelCss } from '../lib/levels';
import { nyTime } from '../lib/time';
import { speedDomain, type SeriesPoint } from '../lib/transforms';

const W = 340;
const PAD = { l: 34, r: 8, t: 8, b: 20 };

function timeScale(series: SeriesPoint[], width: number) {
  const t0 = series.length ? series[0].t - 60_000 : 0;
  const t1 = series.length ? series[series.length - 1].t : 1;
  const span = Math.max(1, t1 - t0);
  return (t: number) => PAD.l + ((t - t0) / span) * (width - PAD.l - PAD.r);
}

function timeTicks(series: SeriesPoint[], n = 4): SeriesPoint[] {
  if (series.length <= n) return series;
  const out: SeriesPoint[] = [];
  for (let i = 0; i < n; i++) out.push(series[Math.round((i * (series.length - 1)) / (n - 1))]);
  return out;
}

export function SpeedChart({ series, thresholds, height = 150 }: { series: SeriesPoint[]; thresholds: Thresholds; height?: number }) {
  const [, max] = speedDomain(series, thresholds);
  const x = timeScale(series, W);
  const y = (v: number) => PAD.t + (1 - v / max) * (height - PAD.t - PAD.b);
  const mid = (p: SeriesPoint) => x(p.t - 30_000);
  const observed = series.map((p) => `${mid(p)},${y(p.speed)}`).join(' ');
  const typicalPts = series.filter((p) => p.typical !== null);
  const typical = typicalPts.map((p) => `${mid(p)},${y(p.typical as number)}`).join(' ');
  const yTicks = [0, thresholds.high_below_mph, thresholds.low_above_mph, max];
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label="mean speed per window, mph">
      <rect x={PAD.l} y={y(thresholds.high_below_mph)} width={W - PAD.l - PAD.r} height={y(0) - y(thresholds.high_below_mph)} fill={levelCss('High')} opacity={0.08} />
      <rect x={PAD.l} y={y(max)} width={W - PAD.l - PAD.r} height={y(thresholds.low_above_mph) - y(max)} fill={levelCss('Low')} opacity={0.08} />
      {yTicks.map((v) => (
        <g key={v}>
          <line x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} className="grid" />
          <text x={PAD.l - 4} y={y(v) + 3} className="tick" textAnchor="end">{v}</text>
        </g>
      ))}
      {timeTicks(series).map((p) => (
        <text key={p.t} x={mid(p)} y={height - 5} className="tick" textAnchor="middle">{nyTime(p.windowEnd)}</text>
      ))}
      {typical && <polyline points={typical} className="typical" />}
      <polyline points={observed} className="observed" />
      {series.map((p) => (
        <circle key={p.t} cx={mid(p)} cy={y(p.speed)} r={series.length > 60 ? 1.5 : 2.5} fill={levelCss(p.observed)}>
          <title>{`${nyTime(p.windowEnd)}: ${p.speed.toFixed(1)} mph (${p.observed})${p.typical !== null ? `, typical ${p.typical.toFixed(1)}` : ''}`}</title>
        </circle>
      ))}
    </svg>
  );
}

export function TripsChart({ series, height = 90 }: { series: SeriesPoint[]; height?: number }) {
  const max = Math.max(1, ...series.map((p) => p.trips));
  const x = timeScale(series, W);
  const y = (v: number) => PAD.t + (1 - v / max) * (height - PAD.t - PAD.b);
  const bw = series.length ? Math.max(1, (W - PAD.l - PAD.r) / (series.length + 1) - 1) : 0;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label="trips per window">
      {[0, max].map((v) => (
        <g key={v}>
          <line x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} className="grid" />
          <text x={PAD.l - 4} y={y(v) + 3} className="tick" textAnchor="end">{v}</text>
        </g>
      ))}
      {series.map((p) => (
        <rect key={p.t} x={x(p.t - 60_000)} y={y(p.trips)} width={bw} height={y(0) - y(p.trips)} className="bar">
          <title>{`${nyTime(p.windowEnd)}: ${p.trips} trips`}</title>
        </rect>
      ))}
      {timeTicks(series).map((p) => (
        <text key={p.t} x={x(p.t - 30_000)} y={height - 5} className="tick" textAnchor="middle">{nyTime(p.windowEnd)}</text>
      ))}
    </svg>
  );
}

/** Two rows of level swatches per window: what was forecast h minutes earlier, what was observed over h. */
export function ForecastStrip({ series, horizon }: { series: SeriesPoint[]; horizon: number }) {
  const height = 52;
  const x = timeScale(series, W);
  const bw = series.length ? Math.max(1, (W - PAD.l - PAD.r) / (series.length + 1)) : 0;
  const row = (y: number, get: (p: SeriesPoint) => Level | null, title: (p: SeriesPoint) => string) =>
    series.map((p) => (
      <rect key={`${y}-${p.t}`} x={x(p.t - 60_000)} y={y} width={bw} height={16} fill={levelCss(get(p))}>
        <title>{title(p)}</title>
      </rect>
    ));
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label={`forecast made ${horizon} min earlier vs observed`}>
      <text x={PAD.l - 4} y={16} className="tick" textAnchor="end">fcst</text>
      <text x={PAD.l - 4} y={38} className="tick" textAnchor="end">obs</text>
      {row(4, (p) => p.forecast, (p) => `${nyTime(p.windowEnd)}: forecast ${horizon} min earlier ${p.forecast ?? 'none'}${p.forecastConfidence !== null ? ` (${Math.round(p.forecastConfidence * 100)}%, ${p.forecastSource})` : ''}`)}
      {row(26, (p) => p.observedOver, (p) => `${nyTime(p.windowEnd)}: observed over the ${horizon} min ${p.observedOver ?? 'too few trips'}`)}
    </svg>
  );
}

export function Sparkline({ values, height = 40, label }: { values: number[]; height?: number; label: string }) {
  const w = 220;
  if (values.length < 2) return <div className="muted small">{label}: collecting samples…</div>;
  const max = Math.max(1e-9, ...values);
  const pts = values.map((v, i) => `${(i / (values.length - 1)) * w},${height - 2 - (v / max) * (height - 4)}`).join(' ');
  return (
    <svg className="sparkline" viewBox={`0 0 ${w} ${height}`} preserveAspectRatio="none" role="img" aria-label={label}>
      <polyline points={pts} className="observed" />
    </svg>
  );
}

export function BarList({ items, unit }: { items: { label: string; value: number }[]; unit: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <div className="barlist">
      {items.map((i) => (
        <div key={i.label} className="barlist-row">
          <span className="barlist-label">{i.label}</span>
          <span className="barlist-bar"><span style={{ width: `${(i.value / max) * 100}%` }} /></span>
          <span className="barlist-value">{i.value.toLocaleString('en-US')} {unit}</span>
        </div>
      ))}
    </div>
  );
}

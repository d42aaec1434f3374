// Pipeline health: throughput, watermark delay, late and dead-letter counts with the recent
// reasons, lag per partition, workers, the live forecast scores. From /api/stats and /api/health.
import type { Health, Stats } from '../api/types';
import type { StatsSample } from '../hooks/useLiveData';
import { ago, duration, nyDayTime, nyTimeSeconds } from '../lib/time';
import { BarList, Sparkline } from './Charts';

function n(x: number | null | undefined, digits = 0): string {
  return x === null || x === undefined ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function HealthView({ stats, health, samples, now }: { stats: Stats | null; health: Health | null; samples: StatsSample[]; now: number }) {
  if (!stats) return <div className="page muted">Waiting for /api/stats…</div>;
  const rejected = stats.late + stats.malformed + stats.invalid;
  const cards: { k: string; label: string; value: string; sub?: string }[] = [
    { k: 'eps', label: 'Events / s', value: n(stats.events_per_s, 1) },
    { k: 'wpm', label: 'Windows / min', value: n(stats.windows_per_min) },
    { k: 'events', label: 'Events read', value: n(stats.events), sub: `${n(stats.accepted)} accepted` },
    { k: 'late', label: 'Late events', value: n(stats.late), sub: stats.events ? `${((stats.late / stats.events) * 100).toFixed(2)}% of events` : undefined },
    { k: 'malformed', label: 'Malformed', value: n(stats.malformed) },
    { k: 'invalid', label: 'Invalid (cleaning rules)', value: n(stats.invalid) },
    { k: 'dead', label: 'Dead letters', value: n(stats.dead_letters), sub: `late + malformed + invalid = ${n(rejected)}` },
    { k: 'wm', label: 'Watermark delay', value: duration(stats.watermark_delay_s), sub: stats.watermark ? `watermark ${nyDayTime(stats.watermark)}` : 'no watermark yet' },
    { k: 'p99', label: 'Publish latency p99', value: stats.publish_latency_p99_ms === null ? '–' : `${n(stats.publish_latency_p99_ms, 1)} ms` },
    { k: 'cells', label: 'Active cells', value: n(stats.active_cells), sub: stats.mean_speed === null ? undefined : `mean ${n(stats.mean_speed, 1)} mph` },
    { k: 'sse', label: 'Live clients (SSE)', value: n(stats.sse_clients) },
  ];
  const totalLag = stats.consumer_lag.reduce((a, l) => a + l.lag, 0);
  return (
    <div className="page" data-testid="health-view">
      <h2>Pipeline health</h2>
      {health && (
        <div className="muted" data-testid="health-source">
          Source: {health.mode === 'kafka' ? `Kafka ${health.source.topic ?? ''} @ ${health.source.brokers ?? ''}` : 'embedded (traffic demo, in-process)'}
          {' · '}{health.source.connected ? 'connected' : <b className="down">not connected{health.source.error ? `: ${health.source.error}` : ''}</b>}
          {' · '}status <b className={`st-${health.status}`}>{health.status}</b>
          {health.last_result.wall_time && <> · last result {ago((now - Date.parse(health.last_result.wall_time)) / 1000)} (event time {nyTimeSeconds(health.last_result.event_time ?? health.last_result.wall_time)})</>}
          {' · '}{n(health.windows_retained)} windows retained in {n(health.cells)} cells
        </div>
      )}
      <div className="kpis">
        {cards.map((c) => (
          <div className="kpi" key={c.k} data-testid={`health-${c.k}`}>
            <div className="kpi-value">{c.value}</div>
            <div className="kpi-label">{c.label}</div>
            {c.sub && <div className="kpi-sub muted small">{c.sub}</div>}
          </div>
        ))}
      </div>
      <div className="health-grid">
        <section>
          <h3>Throughput <span className="muted small">(events/s, last {samples.length} samples, 5 s apart)</span></h3>
          <Sparkline values={samples.map((s) => s.eventsPerS)} label="events per second" />
          <h3>Watermark delay <span className="muted small">(s)</span></h3>
          <Sparkline values={samples.map((s) => s.watermarkDelayS ?? 0)} label="watermark delay" />
        </section>
        <section>
          <h3>Consumer lag per partition <span className="muted small">(total {n(totalLag)})</span></h3>
          {stats.consumer_lag.length ? (
            <BarList items={stats.consumer_lag.map((l) => ({ label: `partition ${l.partition}`, value: l.lag }))} unit="msgs" />
          ) : <div className="muted">no partitions (embedded source)</div>}
          <h3>Workers</h3>
          <table className="metrics">
            <thead><tr><th>worker</th><th>partitions</th></tr></thead>
            <tbody>
              {stats.workers.map((w) => <tr key={w.id}><td>{w.id}</td><td>{w.partitions.join(', ') || '–'}</td></tr>)}
            </tbody>
          </table>
        </section>
        <section className="wide">
          <h3>Live forecast scores <span className="muted small">{stats.live_scores ? `(macro-F1 of the forecasts whose horizon has passed, last ${n(stats.live_scores.period_s / 3600, 1)} h of event time)` : ''}</span></h3>
          {!stats.live_scores ? <div className="muted">no model: forecasts are off, nothing to score</div> : (
            <table className="metrics" data-testid="live-scores">
              <thead><tr><th>horizon</th><th>scored</th><th>model</th><th>persistence</th><th>profile</th><th>published</th></tr></thead>
              <tbody>
                {stats.live_scores.horizons.map((h) => (
                  <tr key={h.minutes}>
                    <td>{h.minutes} min</td>
                    <td>{n(h.count)}</td>
                    <td className={h.count > 0 && h.model_macro_f1 < h.persistence_macro_f1 ? 'down' : undefined}>{h.count ? n(h.model_macro_f1, 3) : '–'}</td>
                    <td>{h.count ? n(h.persistence_macro_f1, 3) : '–'}</td>
                    <td>{h.count ? n(h.profile_macro_f1, 3) : '–'}</td>
                    <td>{h.source === 'model' ? 'model' : <b className="down">{h.source === 'mixed' ? 'persistence in some partitions (model below it there)' : 'persistence (model below it)'}</b>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="wide">
          <h3>Recent dead letters</h3>
          {stats.recent_dead_letters.length === 0 ? <div className="muted">none</div> : (
            <table className="metrics deadletters" data-testid="dead-letters">
              <thead><tr><th>time (New York)</th><th>kind</th><th>reason</th></tr></thead>
              <tbody>
                {stats.recent_dead_letters.slice(0, 12).map((d, i) => (
                  <tr key={`${d.time}-${i}`}><td>{nyDayTime(d.time)}</td><td className={`dl-${d.kind}`}>{d.kind}</td><td>{d.reason}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}

// The model card as a view: metrics of the model vs the two baselines per horizon, and the
// confusion matrices as pictures. All from /api/model (the card.json written by `traffic train`).
import { useState } from 'react';
import type { CardHorizon, ModelResponse, Report } from '../api/types';
import { LEVELS } from '../api/types';
import { nyDayTime } from '../lib/time';
import { rowShares } from '../lib/transforms';

const PREDICTORS: { key: string; label: string; get(h: CardHorizon): Report | undefined }[] = [
  { key: 'model', label: 'model', get: (h) => h.model },
  { key: 'persistence', label: 'persistence', get: (h) => h.baselines?.persistence },
  { key: 'historical_profile', label: 'historical profile', get: (h) => h.baselines?.historical_profile },
  { key: 'oracle', label: 'oracle (ceiling)', get: (h) => h.baselines?.oracle },
];

function recall(r: Report, name: string): string {
  const c = r.classes?.find((x) => x.name === name);
  if (c) return c.recall.toFixed(3);
  // Without per-class rows, recall is the diagonal share of the confusion matrix row.
  const i = LEVELS.indexOf(name as never);
  const row = r.confusion_matrix?.[i];
  if (!row) return '–';
  const sum = row.reduce((a, b) => a + b, 0);
  return sum ? (row[i] / sum).toFixed(3) : '–';
}

export function ConfusionMatrix({ report, title }: { report: Report; title: string }) {
  const m = report.confusion_matrix;
  const shares = rowShares(m);
  const size = 46;
  const left = 64;
  const top = 34;
  return (
    <figure className="confusion" data-testid="confusion-matrix">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${left + size * 3 + 4} ${top + size * 3 + 4}`} role="img" aria-label={`confusion matrix ${title}`}>
        <text x={left + (size * 3) / 2} y={10} className="tick" textAnchor="middle">predicted</text>
        {LEVELS.map((l, j) => <text key={l} x={left + j * size + size / 2} y={top - 6} className="tick" textAnchor="middle">{l}</text>)}
        {LEVELS.map((l, i) => <text key={l} x={left - 6} y={top + i * size + size / 2 + 4} className="tick" textAnchor="end">{l}</text>)}
        {m.map((row, i) => row.map((v, j) => (
          <g key={`${i}-${j}`}>
            <rect x={left + j * size} y={top + i * size} width={size - 2} height={size - 2}
              fill={i === j ? `rgba(46,176,87,${0.15 + 0.85 * shares[i][j]})` : `rgba(220,53,60,${0.1 + 0.9 * shares[i][j]})`} />
            <text x={left + j * size + size / 2 - 1} y={top + i * size + size / 2 + 4} className="cm-value" textAnchor="middle">{v.toLocaleString('en-US')}</text>
            <title>{`actual ${LEVELS[i]}, predicted ${LEVELS[j]}: ${v} (${Math.round(shares[i][j] * 100)}% of actual ${LEVELS[i]})`}</title>
          </g>
        )))}
      </svg>
      <div className="muted small">rows: actual level; shade: share of the row</div>
    </figure>
  );
}

export function ModelView({ model }: { model: ModelResponse | null | undefined }) {
  const [sel, setSel] = useState(0);
  if (model === undefined) return <div className="page muted">Loading the model card…</div>;
  if (model === null) return <div className="page"><h2>No model</h2><div className="muted">The server has no model yet (/api/model answered 404). Run <code>traffic train</code> or <code>traffic demo</code>.</div></div>;
  const card = model.card;
  const horizons = [...(card.horizons ?? [])].sort((a, b) => a.minutes - b.minutes);
  const h = horizons[Math.min(sel, horizons.length - 1)];
  return (
    <div className="page" data-testid="model-view">
      <h2>Model {model.version}</h2>
      <div className="muted">
        {card.kind ?? ''}{card.created_utc ? ` · trained ${nyDayTime(card.created_utc)} New York` : ''}
        {card.training ? ` · train ${String(card.training.train_from ?? '')} … ${String(card.training.split ?? '')}, test … ${String(card.training.test_to ?? '')} (split by time)` : ''}
      </div>
      {model.verdict?.length > 0 && <ul className="verdict">{model.verdict.map((v) => <li key={v}>{v}</li>)}</ul>}
      <table className="metrics" data-testid="model-metrics">
        <thead>
          <tr><th>horizon</th><th>predictor</th><th>accuracy</th><th>macro-F1</th><th>recall Low</th><th>recall Medium</th><th>recall High</th><th>test rows</th></tr>
        </thead>
        <tbody>
          {horizons.map((hz) => PREDICTORS.filter((p) => p.get(hz)).map((p, i) => {
            const r = p.get(hz)!;
            const best = PREDICTORS.every((q) => q.key === 'oracle' || !q.get(hz) || q.get(hz)!.macro_f1 <= r.macro_f1);
            return (
              <tr key={`${hz.minutes}-${p.key}`} className={i === 0 ? 'first' : ''}>
                <td>{i === 0 ? `${hz.minutes} min` : ''}</td>
                <td>{p.label}</td>
                <td>{r.accuracy.toFixed(3)}</td>
                <td className={best && p.key !== 'oracle' ? 'best' : ''}>{r.macro_f1.toFixed(3)}</td>
                <td>{recall(r, 'Low')}</td>
                <td>{recall(r, 'Medium')}</td>
                <td>{recall(r, 'High')}</td>
                <td>{r.total.toLocaleString('en-US')}</td>
              </tr>
            );
          }))}
        </tbody>
      </table>
      {h && (
        <>
          <h3>
            Confusion matrices{' '}
            <span className="horizon-pick">
              {horizons.map((hz, i) => (
                <button key={hz.minutes} type="button" className={hz === h ? 'on' : ''} onClick={() => setSel(i)}>{hz.minutes} min</button>
              ))}
            </span>
          </h3>
          <div className="confusions">
            {PREDICTORS.filter((p) => p.get(h)).map((p) => <ConfusionMatrix key={p.key} report={p.get(h)!} title={`${p.label}, ${h.minutes} min`} />)}
          </div>
        </>
      )}
    </div>
  );
}

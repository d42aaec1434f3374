// Live mode or replay of the retained hours (/api/history snapshots) with a time slider.
import { useEffect, useState } from 'react';
import type { HistoryResponse } from '../api/types';
import { nyDayTime } from '../lib/time';

export interface TimeBarProps {
  live: boolean;
  history: HistoryResponse | null;
  index: number;
  loading: boolean;
  error: string | null;
  onLive(): void;
  onReplay(): void;
  onIndex(i: number): void;
}

export function TimeBar({ live, history, index, loading, error, onLive, onReplay, onIndex }: TimeBarProps) {
  const [playing, setPlaying] = useState(false);
  const snaps = history?.snapshots ?? [];
  useEffect(() => {
    if (!playing || live || snaps.length === 0) return;
    const t = setInterval(() => onIndex(index + 1 >= snaps.length ? 0 : index + 1), 400);
    return () => clearInterval(t);
  }, [playing, live, index, snaps.length, onIndex]);
  useEffect(() => {
    if (live) setPlaying(false);
  }, [live]);

  return (
    <div className="timebar" data-testid="timebar">
      <button type="button" className={live ? 'on' : ''} onClick={onLive} data-testid="live-button">● Live</button>
      <button type="button" className={!live ? 'on' : ''} onClick={onReplay} data-testid="replay-button">Replay</button>
      {!live && snaps.length > 0 && (
        <button type="button" onClick={() => setPlaying(!playing)} aria-label={playing ? 'pause' : 'play'}>{playing ? '❚❚' : '▶'}</button>
      )}
      <input
        type="range" min={0} max={Math.max(0, snaps.length - 1)} value={live ? Math.max(0, snaps.length - 1) : index}
        disabled={snaps.length === 0 && !live}
        onChange={(e) => onIndex(Number(e.target.value))}
        onMouseDown={() => { if (live) onReplay(); }}
        aria-label="replay time" data-testid="time-slider"
      />
      <span className="timebar-label" data-testid="time-label">
        {loading ? 'loading history…' : error ? error
          : live ? 'live' : snaps[index] ? `${nyDayTime(snaps[index].time)} New York · ${snaps[index].cells.length} cells` : 'no retained history'}
      </span>
      {!live && history && snaps.length > 0 && (
        <span className="muted small">{snaps.length} snapshots, every {Math.round(history.step_s / 60)} min, {nyDayTime(snaps[0].time)} – {nyDayTime(snaps[snaps.length - 1].time)}</span>
      )}
    </div>
  );
}

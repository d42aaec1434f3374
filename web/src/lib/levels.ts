// Congestion levels and their colours (the traffic-layer convention: green flowing, yellow
// slow, red congested). Thresholds always come from the API (`thresholds` of /api/cells).
import type { Level, Thresholds } from '../api/types';

export type Rgba = [number, number, number, number];

export const LEVEL_RGB: Record<Level, [number, number, number]> = {
  Low: [46, 176, 87],
  Medium: [242, 193, 46],
  High: [220, 53, 60],
};

/** The colour of cells with no value for what is shown (e.g. no forecast for that horizon). */
export const NO_DATA_RGB: [number, number, number] = [128, 134, 145];

export function levelColor(level: Level | null | undefined, alpha = 200): Rgba {
  if (level && level in LEVEL_RGB) {
    const [r, g, b] = LEVEL_RGB[level];
    return [r, g, b, alpha];
  }
  const [r, g, b] = NO_DATA_RGB;
  return [r, g, b, Math.round(alpha * 0.45)];
}

export function levelCss(level: Level | null | undefined): string {
  const [r, g, b, a] = levelColor(level, 255);
  return `rgba(${r}, ${g}, ${b}, ${a / 255})`;
}

/** The observed level of a mean speed: High below high_below, Low above low_above, else Medium. */
export function levelOfSpeed(speedMph: number, t: Thresholds): Level {
  if (speedMph < t.high_below_mph) return 'High';
  if (speedMph > t.low_above_mph) return 'Low';
  return 'Medium';
}

function mph(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/** Legend lines, e.g. "High: under 10 mph". */
export function legendEntries(t: Thresholds): { level: Level; label: string; text: string }[] {
  return [
    { level: 'Low', label: 'Low congestion', text: `over ${mph(t.low_above_mph)} mph` },
    { level: 'Medium', label: 'Medium', text: `${mph(t.high_below_mph)}–${mph(t.low_above_mph)} mph` },
    { level: 'High', label: 'High congestion', text: `under ${mph(t.high_below_mph)} mph` },
  ];
}

// Times in the UI are New York local times (the data's own clock), whatever the browser's zone.
export const NY_TZ = 'America/New_York';

const hm = new Intl.DateTimeFormat('en-US', { timeZone: NY_TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const hms = new Intl.DateTimeFormat('en-US', {
  timeZone: NY_TZ, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
const dayHm = new Intl.DateTimeFormat('en-US', {
  timeZone: NY_TZ, weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
const zoneName = new Intl.DateTimeFormat('en-US', { timeZone: NY_TZ, timeZoneName: 'short' });

// ISO-8601 extended ("2026-12-01T14:00:16Z") or basic ("20261201T140016Z", model versions and
// the card's created_utc).
function toDate(t: string | number | Date): Date {
  if (t instanceof Date) return t;
  if (typeof t === 'string') {
    const basic = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(t);
    if (basic) return new Date(`${basic[1]}-${basic[2]}-${basic[3]}T${basic[4]}:${basic[5]}:${basic[6]}Z`);
  }
  return new Date(t);
}

// Intl throws on an invalid date ("Invalid time value"), which took the whole page down: an
// unreadable time is shown as it came.
function format(f: Intl.DateTimeFormat, t: string | number | Date): string {
  const d = toDate(t);
  return Number.isNaN(d.getTime()) ? String(t) : f.format(d);
}

/** "08:41" in New York. */
export function nyTime(t: string | number | Date): string {
  return format(hm, t);
}

/** "08:41:07" in New York. */
export function nyTimeSeconds(t: string | number | Date): string {
  return format(hms, t);
}

/** "Fri, Jan 15, 00:23" in New York. */
export function nyDayTime(t: string | number | Date): string {
  return format(dayHm, t);
}

/** "EST" or "EDT" for the instant. */
export function nyZoneAbbrev(t: string | number | Date): string {
  const d = toDate(t);
  if (Number.isNaN(d.getTime())) return 'New York';
  const part = zoneName.formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'New York';
}

/** "3 s ago", "4 min ago", "2 h ago"; "just now" under a second; "in the future" when negative. */
export function ago(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < -1) return 'in the future';
  if (seconds < 1) return 'just now';
  if (seconds < 90) return `${Math.floor(seconds)} s ago`;
  if (seconds < 90 * 60) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

/**
 * The freshness line: "as of 08:41 New York time, 3 s ago". `asOf` is the newest event time
 * in the data; `receivedAtMs` the wall-clock time the dashboard last received a result.
 */
export function freshness(asOf: string | null, receivedAtMs: number | null, nowMs: number): string {
  if (!asOf) return 'no data yet';
  const base = `as of ${nyTime(asOf)} New York time`;
  if (receivedAtMs === null) return base;
  return `${base}, ${ago((nowMs - receivedAtMs) / 1000)}`;
}

/** "1 h 5 min", "42 s", for durations. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

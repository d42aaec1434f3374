import { describe, expect, it } from 'vitest';
import { ago, duration, freshness, nyDayTime, nyTime, nyTimeSeconds, nyZoneAbbrev } from '../src/lib/time';

describe('New York time formatting', () => {
  it('converts UTC to New York in winter (EST, UTC-5)', () => {
    expect(nyTime('2016-01-15T13:41:00Z')).toBe('08:41');
    expect(nyTimeSeconds('2016-01-15T13:41:07Z')).toBe('08:41:07');
    expect(nyZoneAbbrev('2016-01-15T13:41:00Z')).toBe('EST');
  });

  it('converts UTC to New York in summer (EDT, UTC-4)', () => {
    expect(nyTime('2016-07-15T12:41:00Z')).toBe('08:41');
    expect(nyZoneAbbrev('2016-07-15T12:41:00Z')).toBe('EDT');
  });

  it('handles the DST change: 2016-03-13 06:59Z is 01:59 EST, 07:00Z is 03:00 EDT', () => {
    expect(nyTime('2016-03-13T06:59:00Z')).toBe('01:59');
    expect(nyTime('2016-03-13T07:00:00Z')).toBe('03:00');
  });

  it('midnight is 00, not 24', () => {
    expect(nyTime('2016-01-15T05:00:00Z')).toBe('00:00');
    expect(nyDayTime('2016-01-15T05:23:00Z')).toContain('Jan 15');
    expect(nyDayTime('2016-01-15T05:23:00Z')).toContain('00:23');
  });

  it('ago() speaks in s, min, h', () => {
    expect(ago(0.2)).toBe('just now');
    expect(ago(3.7)).toBe('3 s ago');
    expect(ago(300)).toBe('5 min ago');
    expect(ago(7200)).toBe('2 h ago');
    expect(ago(-10)).toBe('in the future');
    expect(ago(Number.NaN)).toBe('unknown');
  });

  it('freshness: "as of 08:41 New York time, 3 s ago"', () => {
    const now = Date.parse('2026-12-01T08:41:06Z');
    expect(freshness('2016-01-15T13:41:00Z', now - 3000, now)).toBe('as of 08:41 New York time, 3 s ago');
    expect(freshness('2016-01-15T13:41:00Z', null, now)).toBe('as of 08:41 New York time');
    expect(freshness(null, null, now)).toBe('no data yet');
  });

  it('duration()', () => {
    expect(duration(null)).toBe('–');
    expect(duration(4.25)).toBe('4.3 s');
    expect(duration(121.5)).toBe('2 min 2 s');
    expect(duration(3900)).toBe('1 h 5 min');
  });
});

// Regression: the model card's created_utc ("20261201T140016Z", the basic ISO form model versions
// use) threw "Invalid time value" in Intl and took the dashboard down.
describe('basic ISO-8601 and unreadable times', () => {
  it('reads the basic form', () => {
    expect(nyTime('20160115T052300Z')).toBe(nyTime('2016-01-15T05:23:00Z'));
    expect(nyDayTime('20160115T052300Z')).toBe(nyDayTime('2016-01-15T05:23:00Z'));
  });
  it('shows an unreadable time as it came instead of throwing', () => {
    expect(nyDayTime('not a time')).toBe('not a time');
    expect(nyTime('')).toBe('');
    expect(nyZoneAbbrev('garbage')).toBe('New York');
  });
});

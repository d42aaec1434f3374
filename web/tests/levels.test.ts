import { describe, expect, it } from 'vitest';
import { legendEntries, levelColor, levelCss, levelOfSpeed, LEVEL_RGB } from '../src/lib/levels';

const t = { high_below_mph: 10, low_above_mph: 20 };

describe('levels', () => {
  it('colours follow the traffic convention: green, yellow, red', () => {
    const [lr, lg] = LEVEL_RGB.Low;
    expect(lg).toBeGreaterThan(lr);
    const [hr, hg] = LEVEL_RGB.High;
    expect(hr).toBeGreaterThan(hg);
    const [mr, mg, mb] = LEVEL_RGB.Medium;
    expect(mr).toBeGreaterThan(mb);
    expect(mg).toBeGreaterThan(mb);
    expect(levelColor('High', 200)).toEqual([...LEVEL_RGB.High, 200]);
  });

  it('a missing level is drawn faint grey, never as a level colour', () => {
    const c = levelColor(null, 200);
    expect(c[3]).toBeLessThan(200);
    expect(Object.values(LEVEL_RGB).some(([r, g, b]) => r === c[0] && g === c[1] && b === c[2])).toBe(false);
    expect(levelCss(undefined)).toMatch(/^rgba\(/);
  });

  it('levelOfSpeed uses the thresholds: High below, Low above, bounds are Medium', () => {
    expect(levelOfSpeed(9.99, t)).toBe('High');
    expect(levelOfSpeed(10, t)).toBe('Medium');
    expect(levelOfSpeed(20, t)).toBe('Medium');
    expect(levelOfSpeed(20.01, t)).toBe('Low');
    expect(levelOfSpeed(12, { high_below_mph: 15, low_above_mph: 25 })).toBe('High');
  });

  it('the legend states the API thresholds in mph', () => {
    const e = legendEntries({ high_below_mph: 8, low_above_mph: 22.5 });
    expect(e.map((x) => x.level)).toEqual(['Low', 'Medium', 'High']);
    expect(e[0].text).toBe('over 22.5 mph');
    expect(e[1].text).toBe('8–22.5 mph');
    expect(e[2].text).toBe('under 8 mph');
  });
});

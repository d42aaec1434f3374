import { describe, expect, it } from 'vitest';
import cells from './fixtures/cells.json';
import { centreOf, parseCellId, squareOf } from '../src/lib/grid';

describe('grid', () => {
  it('parses cell ids', () => {
    expect(parseCellId('28_27')).toEqual({ row: 28, col: 27 });
    expect(parseCellId('28-27')).toBeNull();
    expect(parseCellId('../x')).toBeNull();
  });

  it('Times Square (40.7580, -73.9855) lies in the square of 28_27', () => {
    const [sw, , ne] = squareOf(28, 27);
    expect(sw[0]).toBeLessThanOrEqual(-73.9855);
    expect(ne[0]).toBeGreaterThan(-73.9855);
    expect(sw[1]).toBeLessThanOrEqual(40.758);
    expect(ne[1]).toBeGreaterThan(40.758);
  });

  it('equals the API squares and centres (SW, SE, NE, NW)', () => {
    for (const c of cells.cells) {
      expect(squareOf(c.row, c.col)).toEqual(c.square);
      expect(centreOf(c.row, c.col)).toEqual(c.centre);
    }
  });
});

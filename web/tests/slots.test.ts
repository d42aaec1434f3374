import { describe, expect, it } from 'vitest';
import cellsFixture from './fixtures/cells.json';
import type { CellsResponse } from '../src/api/types';
import { CellSlots } from '../src/lib/slots';
import { toMapCell } from '../src/lib/transforms';

const cells = (cellsFixture as CellsResponse).cells.map((c) => toMapCell(c, 'observed'));

describe('CellSlots', () => {
  it('keeps the slot array while the same cells update, and grows it for a new cell', () => {
    const s = new CellSlots();
    expect(s.update(cells)).toBe(true);
    const first = s.slots;
    expect(first.map((x) => x.id)).toEqual(['28_27', '30_25', '19_50']);
    // An update of the same cells: same array, recoloured.
    const updated = [{ ...cells[0], shown: 'Low' as const }, cells[1]];
    expect(s.update(updated)).toBe(false);
    expect(s.slots).toBe(first);
    expect(s.slots[0].cell!.shown).toBe('Low');
    expect(s.slots[2].cell).toBeNull();
    expect(s.drawnIds()).toEqual(['28_27', '30_25']);
    expect(s.shown).toBe(2);
    // A new cell: a new array holding every slot.
    expect(s.update([...cells, { ...cells[0], id: '1_1', square: [[0, 0], [1, 0], [1, 1], [0, 1]] }])).toBe(true);
    expect(s.slots).not.toBe(first);
    expect(s.slots).toHaveLength(4);
  });

  it('takes a changed square from the API', () => {
    const s = new CellSlots();
    s.update(cells);
    const moved = { ...cells[0], square: cells[0].square.map(([x, y]) => [x + 1, y] as [number, number]) };
    expect(s.update([moved])).toBe(true);
    expect(s.slots[0].square).toBe(moved.square);
  });
});

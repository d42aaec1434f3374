// Stable drawing slots for the cells on the map. deck.gl re-tessellates every polygon when its
// data array changes, which with 2,520 cells updating each minute (each second at the demo's
// 60x) would keep the main thread busy. So each cell id gets a slot once, with the API's square;
// the slot array changes only when a new cell appears, and an update only recolours (a
// per-cell colour attribute) by pointing each slot at the cell's current value, or at nothing.
import type { LonLat } from '../api/types';
import type { MapCell } from './transforms';

export interface Slot {
  id: string;
  square: LonLat[];
  cell: MapCell | null;
}

export class CellSlots {
  private readonly byId = new Map<string, Slot>();
  private list: Slot[] = [];
  private shownCount = 0;

  /** The slots to draw; a new array only when update() added a cell or changed a square. */
  get slots(): Slot[] {
    return this.list;
  }

  get shown(): number {
    return this.shownCount;
  }

  /** Points every slot at its cell in `cells` (or null). Returns true when the geometry changed. */
  update(cells: MapCell[]): boolean {
    let grew = false;
    for (const s of this.list) s.cell = null;
    for (const c of cells) {
      let s = this.byId.get(c.id);
      if (!s) {
        s = { id: c.id, square: c.square, cell: null };
        this.byId.set(c.id, s);
        this.list.push(s);
        grew = true;
      } else if (!sameSquare(s.square, c.square)) {
        s.square = c.square;
        grew = true;
      }
      s.cell = c;
    }
    this.shownCount = cells.length;
    if (grew) this.list = [...this.list];
    return grew;
  }

  /** The ids of the cells drawn now. */
  drawnIds(): string[] {
    const out: string[] = [];
    for (const s of this.list) if (s.cell) out.push(s.id);
    return out;
  }
}

function sameSquare(a: LonLat[], b: LonLat[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  return true;
}

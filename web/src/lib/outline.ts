// Polygon outlines as flat line segments for deck.gl's LineLayer: one instance per segment
// with a trivial shader, far cheaper than PathLayer's joints under software rendering.
import type { FeatureCollection } from '../api/geojson';

type Ring = number[][];

function rings(fc: FeatureCollection): Ring[] {
  const out: Ring[] = [];
  for (const f of fc.features) {
    const g = f.geometry;
    if (!g) continue;
    if (g.type === 'Polygon') out.push(...(g.coordinates as Ring[]));
    else if (g.type === 'MultiPolygon') for (const p of g.coordinates as Ring[][]) out.push(...p);
  }
  return out;
}

/** [x1, y1, x2, y2] per segment of every ring, in one Float32Array. */
export function outlineSegments(fc: FeatureCollection): Float32Array {
  const rs = rings(fc);
  let n = 0;
  for (const r of rs) n += Math.max(0, r.length - 1);
  const out = new Float32Array(n * 4);
  let i = 0;
  for (const r of rs) {
    for (let k = 0; k + 1 < r.length; k++) {
      out[i++] = r[k][0];
      out[i++] = r[k][1];
      out[i++] = r[k + 1][0];
      out[i++] = r[k + 1][1];
    }
  }
  return out;
}

/** deck.gl binary data for a LineLayer from outlineSegments(). */
export function segmentData(segments: Float32Array) {
  return {
    length: segments.length / 4,
    attributes: {
      getSourcePosition: { value: segments, size: 2, stride: 16, offset: 0 },
      getTargetPosition: { value: segments, size: 2, stride: 16, offset: 8 },
    },
  };
}

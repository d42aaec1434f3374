import { describe, expect, it } from 'vitest';
import { outlineSegments, segmentData } from '../src/lib/outline';
import type { FeatureCollection } from '../src/api/geojson';

describe('outline segments', () => {
  it('turns every ring of polygons and multipolygons into segments', () => {
    const fc: FeatureCollection = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } },
        { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: [[[[5, 5], [6, 5], [5, 5]]], [[[7, 7], [8, 8]]]] } },
        { type: 'Feature', properties: {}, geometry: null },
      ],
    };
    const s = outlineSegments(fc);
    expect(Array.from(s)).toEqual([0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 5, 5, 6, 5, 6, 5, 5, 5, 7, 7, 8, 8]);
    const d = segmentData(s);
    expect(d.length).toBe(6);
    expect(d.attributes.getTargetPosition.offset).toBe(8);
  });
});

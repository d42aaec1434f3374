// The small part of GeoJSON the map uses.
export type Position = [number, number] | number[];
export interface Geometry {
  type: 'Polygon' | 'MultiPolygon' | string;
  coordinates: unknown;
}
export interface Feature {
  type: 'Feature';
  properties: Record<string, unknown> | null;
  geometry: Geometry | null;
}
export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Feature[];
}

declare module 'virtual:nyc-geo' {
  import type { FeatureCollection } from './api/geojson';
  export const boroughs: FeatureCollection;
  export const zones: FeatureCollection;
}

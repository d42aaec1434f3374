// The WebGL map: borough outlines and taxi zones bundled at build time (no tiles, no base map),
// and every active cell drawn as its true square, coloured by observed or forecast level.
import { memo, useEffect, useRef, useState } from 'react';
import DeckGL, { type DeckGLRef } from '@deck.gl/react';
import { MapView as DeckMapView, WebMercatorViewport, type MapViewState, type PickingInfo } from '@deck.gl/core';
import { GRID } from '../lib/grid';
import { GeoJsonLayer, LineLayer, PolygonLayer } from '@deck.gl/layers';
import { boroughs, zones } from 'virtual:nyc-geo';
import type { MapCell } from '../lib/transforms';
import { levelColor } from '../lib/levels';
import { outlineSegments, segmentData } from '../lib/outline';

const ZONE_LINES = segmentData(outlineSegments(zones));
const BOROUGH_LINES = segmentData(outlineSegments(boroughs));

const INITIAL_VIEW: MapViewState = { longitude: -73.98, latitude: 40.70, zoom: 10, pitch: 0, bearing: 0 };

/** The view that fits the whole grid (DESIGN.md's bounds) into a map of the given size. */
function fitGrid(width: number, height: number): MapViewState {
  if (width < 50 || height < 50) return INITIAL_VIEW;
  const west = GRID.originLon, south = GRID.originLat;
  const east = west + GRID.cols * GRID.cellDeg, north = south + GRID.rows * GRID.cellDeg;
  const vp = new WebMercatorViewport({ width, height }).fitBounds([[west, south], [east, north]], { padding: 16 });
  return { longitude: vp.longitude, latitude: vp.latitude, zoom: vp.zoom, pitch: 0, bearing: 0 };
}
const VIEW = new DeckMapView({ id: 'map', repeat: false });

const BASE_LAYERS = [
  new GeoJsonLayer({
    id: 'boroughs',
    data: boroughs as never,
    filled: true,
    stroked: false,
    getFillColor: [38, 44, 56, 255],
    pickable: false,
  }),
  new LineLayer({
    id: 'zone-lines',
    data: ZONE_LINES as never,
    getColor: [80, 88, 104, 170],
    getWidth: 0.6,
    widthUnits: 'pixels',
    pickable: false,
  }),
  new LineLayer({
    id: 'borough-lines',
    data: BOROUGH_LINES as never,
    getColor: [125, 135, 155, 255],
    getWidth: 1.3,
    widthUnits: 'pixels',
    pickable: false,
  }),
];

// The city outline lives in its own canvas under the cells: it redraws only when the view
// moves, never when cells update (100k outline segments cost seconds per frame in software).
const BaseMap = memo(function BaseMap({ viewState }: { viewState: MapViewState }) {
  return <DeckGL views={VIEW} viewState={viewState} controller={false} layers={BASE_LAYERS} style={{ pointerEvents: 'none' }} />;
});

export interface MapViewProps {
  cells: MapCell[];
  selectedId: string | null;
  onSelect(id: string | null): void;
  onHover(info: { cell: MapCell; x: number; y: number } | null): void;
  colourKey: string;
}

declare global {
  interface Window {
    /** Read-only hooks for the browser tests: where a lon/lat is on screen, what is drawn. */
    __trafficMap?: { project(lonLat: [number, number]): [number, number] | null; drawnCells(): string[]; frames: number };
  }
}

export const MapView = memo(function MapView({ cells, selectedId, onSelect, onHover, colourKey }: MapViewProps) {
  const [viewState, setViewState] = useState<MapViewState>(INITIAL_VIEW);
  const boxRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = boxRef.current;
    if (el) setViewState(fitGrid(el.clientWidth, el.clientHeight));
  }, []);
  const deckRef = useRef<DeckGLRef>(null);
  const cellsRef = useRef(cells);
  cellsRef.current = cells;
  const frames = useRef(0);

  useEffect(() => {
    window.__trafficMap = {
      project(lonLat) {
        const deck = deckRef.current?.deck;
        const vp = deck?.getViewports()[0];
        if (!vp) return null;
        const [x, y] = vp.project(lonLat);
        return [x, y];
      },
      drawnCells: () => cellsRef.current.map((c) => c.id),
      get frames() {
        return frames.current;
      },
    };
    return () => {
      delete window.__trafficMap;
    };
  }, []);


  const cellLayer = new PolygonLayer<MapCell>({
    id: 'cells',
    data: cells,
    getPolygon: (d) => d.square,
    getFillColor: (d) => levelColor(d.shown, 205),
    getLineColor: (d) => (d.id === selectedId ? [255, 255, 255, 255] : [20, 24, 32, 120]),
    getLineWidth: (d) => (d.id === selectedId ? 3 : 0.5),
    lineWidthUnits: 'pixels',
    stroked: true,
    filled: true,
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 255, 255, 90],
    updateTriggers: { getFillColor: colourKey, getLineColor: selectedId, getLineWidth: selectedId },
  });

  return (
    <div className="map" data-testid="map" ref={boxRef}>
      <BaseMap viewState={viewState} />
      <DeckGL
        ref={deckRef}
        views={VIEW}
        viewState={viewState}
        onViewStateChange={({ viewState: v }) => setViewState(v as MapViewState)}
        controller={{ doubleClickZoom: false }}
        layers={[cellLayer]}
        onAfterRender={() => {
          frames.current += 1;
        }}
        onHover={(info: PickingInfo<MapCell>) =>
          onHover(info.object ? { cell: info.object, x: info.x, y: info.y } : null)}
        onClick={(info: PickingInfo<MapCell>) => onSelect(info.object ? info.object.id : null)}
        getCursor={({ isHovering }) => (isHovering ? 'pointer' : 'grab')}
      />
    </div>
  );
});

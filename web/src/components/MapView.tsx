// The WebGL map: borough outlines and taxi zones bundled at build time (no tiles, no base map),
// and every active cell drawn as its true square, coloured by observed or forecast level.
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import DeckGL, { type DeckGLRef } from '@deck.gl/react';
import { MapView as DeckMapView, WebMercatorViewport, type MapViewState, type PickingInfo } from '@deck.gl/core';
import { GRID } from '../lib/grid';
import { GeoJsonLayer, LineLayer, PolygonLayer } from '@deck.gl/layers';
import { boroughs, zones } from 'virtual:nyc-geo';
import type { MapCell } from '../lib/transforms';
import { levelColor } from '../lib/levels';
import { outlineSegments, segmentData } from '../lib/outline';
import { CellSlots, type Slot } from '../lib/slots';

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
  const slotsRef = useRef(new CellSlots());
  const frames = useRef(0);
  // Recolour on every update; new slots (new geometry) only when a new cell appears.
  const slots = useMemo(() => {
    slotsRef.current.update(cells);
    return slotsRef.current.slots;
  }, [cells]);

  useEffect(() => {
    window.__trafficMap = {
      project(lonLat) {
        const deck = deckRef.current?.deck;
        const vp = deck?.getViewports()[0];
        if (!vp) return null;
        const [x, y] = vp.project(lonLat);
        return [x, y];
      },
      drawnCells: () => slotsRef.current.drawnIds(),
      get frames() {
        return frames.current;
      },
    };
    return () => {
      delete window.__trafficMap;
    };
  }, []);


  const cellLayer = new PolygonLayer<Slot>({
    id: 'cells',
    data: slots,
    getPolygon: (d) => d.square,
    getFillColor: (d) => (d.cell ? levelColor(d.cell.shown, 205) : [0, 0, 0, 0]),
    // No outline per cell: deck's path shader is by far the costliest part under software
    // rendering (2,520 outlined squares took seconds per frame here); the selection is outlined.
    stroked: false,
    filled: true,
    pickable: true,
    updateTriggers: { getFillColor: colourKey },
  });
  const selected = selectedId ? slots.find((s) => s.id === selectedId && s.cell) : undefined;
  const selectionLayer = new PolygonLayer<Slot>({
    id: 'selection',
    data: selected ? [selected] : [],
    getPolygon: (d) => d.square,
    filled: false,
    stroked: true,
    getLineColor: [255, 255, 255, 255],
    getLineWidth: 3,
    lineWidthUnits: 'pixels',
    pickable: false,
  });
  const pick = (info: PickingInfo<Slot>) => (info.object?.cell ? info.object.cell : null);

  return (
    <div className="map" data-testid="map" ref={boxRef}>
      <BaseMap viewState={viewState} />
      <DeckGL
        ref={deckRef}
        views={VIEW}
        viewState={viewState}
        onViewStateChange={({ viewState: v }) => setViewState(v as MapViewState)}
        controller={{ doubleClickZoom: false }}
        layers={[cellLayer, selectionLayer]}
        onAfterRender={() => {
          frames.current += 1;
        }}
        onHover={(info: PickingInfo<Slot>) => {
          const c = pick(info);
          onHover(c ? { cell: c, x: info.x, y: info.y } : null);
        }}
        onClick={(info: PickingInfo<Slot>) => onSelect(pick(info)?.id ?? null)}
        getCursor={({ isHovering }) => (isHovering ? 'pointer' : 'grab')}
      />
    </div>
  );
});

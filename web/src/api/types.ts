// Response shapes of the `traffic serve` API (the contract: api/openapi.json). Times are ISO-8601
// UTC strings.

export type Level = 'Low' | 'Medium' | 'High';
export const LEVELS: readonly Level[] = ['Low', 'Medium', 'High'];
export type Horizon = 15 | 30 | 60;
export const HORIZONS: readonly Horizon[] = [15, 30, 60];
export type HorizonKey = '15' | '30' | '60';
export type LonLat = [number, number];

export interface Forecast {
  level: Level;
  confidence: number;
  source: 'model' | 'persistence' | string;
}

export interface CellNow {
  cell_id: string;
  row: number;
  col: number;
  centre: LonLat;
  square: LonLat[];
  borough: string | null;
  zone: string | null;
  window_start: string;
  window_end: string;
  trip_count: number;
  avg_speed: number;
  congestion_level: Level;
  forecasts: Partial<Record<HorizonKey, Forecast | null>>;
  model_version: string;
}

export interface Thresholds {
  high_below_mph: number;
  low_above_mph: number;
}

export interface CellsResponse {
  as_of: string | null;
  thresholds: Thresholds;
  model_version: string;
  active_minutes: number;
  cells: CellNow[];
}

export interface ForecastMade extends Forecast {
  made_at: string;
}

export interface HistoryPoint {
  window_start: string;
  window_end: string;
  trip_count: number;
  avg_speed: number;
  congestion_level: Level;
  typical_speed: number | null;
  forecast_made: Partial<Record<HorizonKey, ForecastMade | null>>;
  observed_over: Partial<Record<HorizonKey, Level | null>>;
}

export interface CellDetail extends CellNow {
  history: HistoryPoint[];
}

export interface Hotspot extends CellNow {
  avg_speed_15m: number;
  trips_15m: number;
  trend: 'worsening' | 'improving' | 'steady';
  trend_mph_per_10min: number;
}

export interface HotspotsResponse {
  as_of: string | null;
  hotspots: Hotspot[];
}

export interface Health {
  status: 'ok' | 'stale' | 'down' | string;
  mode: 'embedded' | 'kafka' | string;
  source: { connected: boolean; error: string | null; brokers: string | null; topic: string | null };
  last_result: { event_time: string | null; wall_time: string | null; age_s: number | null };
  watermark: string | null;
  server_time: string;
  cells: number;
  windows_retained: number;
}

export interface DeadLetter {
  kind: 'late' | 'malformed' | 'invalid' | string;
  reason: string;
  time: string;
}

// The stream's live scores at one horizon (embedded stream with a model): forecasts whose
// horizon has passed, scored over the last period_s of event time.
export interface LiveScoreRow {
  minutes: number;
  source: 'model' | 'persistence' | 'mixed';  // mixed: some input partitions on each
  count: number;
  model_macro_f1: number;
  persistence_macro_f1: number;
  profile_macro_f1: number;
  model_accuracy: number;
  persistence_accuracy: number;
  profile_accuracy: number;
}

export interface Stats {
  events_per_s: number;
  windows_per_min: number;
  active_cells: number;
  mean_speed: number | null;
  events: number;
  accepted: number;
  late: number;
  malformed: number;
  invalid: number;
  dead_letters: number;
  watermark: string | null;
  watermark_delay_s: number | null;
  publish_latency_p99_ms: number | null;
  consumer_lag: { partition: number; lag: number }[];
  workers: { id: string; partitions: number[] }[];
  live_scores: { period_s: number; horizons: LiveScoreRow[] } | null;
  recent_dead_letters: DeadLetter[];
  sse_clients: number;
}

export interface ClassReport {
  label: number;
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  predicted: number;
}

export interface Report {
  total: number;
  accuracy: number;
  macro_f1: number;
  classes: ClassReport[];
  confusion_matrix: number[][];
}

export interface CardHorizon {
  minutes: number;
  model_file?: string;
  rounds?: number;
  train_rows?: number;
  validation_rows?: number;
  test_rows?: number;
  model: Report;
  baselines: Record<string, Report>;
  beats_persistence_macro_f1?: boolean;
  beats_profile_macro_f1?: boolean;
}

export interface ModelCard {
  version: string;
  created_utc?: string;
  kind?: string;
  classes?: string[];
  thresholds_mph?: { high_below: number; low_above: number };
  features?: string[];
  training?: Record<string, unknown>;
  horizons: CardHorizon[];
}

export interface ModelResponse {
  version: string;
  card: ModelCard;
  verdict: string[];
}

/** One cell in a replay snapshot: [cell_id, trip_count, avg_speed, level]. */
export type SnapshotCell = [string, number, number, Level];

export interface HistoryResponse {
  step_s: number;
  snapshots: { time: string; cells: SnapshotCell[] }[];
}

export interface ApiError {
  error: string;
  allowed?: string;
}

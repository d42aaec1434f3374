// The clean-trip table as stored in processed/ (Parquet): the Trip fields plus what later stages
// need without recomputing (cell, speed, local calendar, is_manhattan).
#pragma once

#include <vector>

#include "traffic/core/status.h"
#include "traffic/geo/grid.h"
#include "traffic/geo/polygon.h"
#include "traffic/parquet/table.h"
#include "traffic/trip/trip.h"

namespace traffic::pipeline {

parquet::Schema TripTableSchema();

// Appends trips as rows; `grid` gives cell_id/cell_row/cell_col, `manhattan` is_manhattan.
// Every trip must be inside the grid (clean trips are).
class TripTableBuilder {
 public:
  TripTableBuilder(const geo::Grid& grid, const geo::PolygonIndex& manhattan);
  void Append(const trip::Trip& t);
  parquet::ColumnBatch& batch() { return batch_; }
  size_t rows() const { return batch_.num_rows(); }
  void Clear() { batch_.Clear(); }

 private:
  const geo::Grid& grid_;
  const geo::PolygonIndex& manhattan_;
  parquet::ColumnBatch batch_;
};

// A clean trip read back from the table, with the cell it was stored under.
struct StoredTrip {
  trip::Trip trip;
  geo::CellId cell;
  bool is_manhattan = false;
};

// Converts a batch read from a trips file (all columns of TripTableSchema, or at least
// event_id, pickup/dropoff time and coordinates, trip_distance, cell_row, cell_col).
core::Result<std::vector<StoredTrip>> TripsFromBatch(const parquet::ColumnBatch& batch);

}  // namespace traffic::pipeline

#include "traffic/pipeline/trip_table.h"

#include <cmath>

namespace traffic::pipeline {
namespace {

using parquet::ColumnType;

enum Col {
  kEventId,
  kPickupTime,
  kDropoffTime,
  kPickupLat,
  kPickupLon,
  kDropoffLat,
  kDropoffLon,
  kDistance,
  kDistanceEstimated,
  kPassengers,
  kPickupZone,
  kDropoffZone,
  kDuration,
  kSpeed,
  kCellId,
  kCellRow,
  kCellCol,
  kIsManhattan,
  kPickupHour,
  kPickupDow
};

int64_t Millis(core::UtcTime t) { return core::ToEpochSeconds(t) * 1000; }

}  // namespace

parquet::Schema TripTableSchema() {
  return {
      {"event_id", ColumnType::kUInt64},          {"pickup_time", ColumnType::kTimestampMs},
      {"dropoff_time", ColumnType::kTimestampMs}, {"pickup_lat", ColumnType::kDouble},
      {"pickup_lon", ColumnType::kDouble},        {"dropoff_lat", ColumnType::kDouble},
      {"dropoff_lon", ColumnType::kDouble},       {"trip_distance", ColumnType::kDouble},
      {"distance_estimated", ColumnType::kBool},  {"passenger_count", ColumnType::kInt16, true},
      {"pickup_zone", ColumnType::kInt16, true},  {"dropoff_zone", ColumnType::kInt16, true},
      {"duration_s", ColumnType::kInt32},         {"speed_mph", ColumnType::kDouble},
      {"cell_id", ColumnType::kDictString},       {"cell_row", ColumnType::kInt16},
      {"cell_col", ColumnType::kInt16},           {"is_manhattan", ColumnType::kBool},
      {"pickup_hour", ColumnType::kInt8},  // New York local hour 0..23
      {"pickup_dow", ColumnType::kInt8},   // ISO day of week, Monday = 1
  };
}

TripTableBuilder::TripTableBuilder(const geo::Grid& grid, const geo::PolygonIndex& manhattan)
    : grid_(grid), manhattan_(manhattan), batch_(TripTableSchema()) {
  auto& dictionary = batch_.column(kCellId).dictionary;
  for (int i = 0; i < grid_.cell_count(); ++i) dictionary.push_back(grid_.FromIndex(i).ToString());
}

void TripTableBuilder::Append(const trip::Trip& t) {
  auto cell = grid_.Locate(t.pickup_lat, t.pickup_lon);
  assert(cell && "clean trips are inside the grid");
  geo::CellId c = cell.value_or(geo::CellId{});
  core::LocalDateTime local = core::UtcToNewYork(t.pickup_time);
  bool nullable_present[3] = {t.passenger_count >= 0, t.pickup_zone >= 0, t.dropoff_zone >= 0};

  batch_.Get<uint64_t>(kEventId).push_back(t.event_id);
  batch_.Get<int64_t>(kPickupTime).push_back(Millis(t.pickup_time));
  batch_.Get<int64_t>(kDropoffTime).push_back(Millis(t.dropoff_time));
  batch_.Get<double>(kPickupLat).push_back(t.pickup_lat);
  batch_.Get<double>(kPickupLon).push_back(t.pickup_lon);
  batch_.Get<double>(kDropoffLat).push_back(t.dropoff_lat);
  batch_.Get<double>(kDropoffLon).push_back(t.dropoff_lon);
  batch_.Get<double>(kDistance).push_back(t.distance_mi);
  batch_.Get<uint8_t>(kDistanceEstimated).push_back(t.distance_estimated ? 1 : 0);
  batch_.Get<int16_t>(kPassengers).push_back(std::max<int16_t>(t.passenger_count, 0));
  batch_.Get<int16_t>(kPickupZone).push_back(std::max<int16_t>(t.pickup_zone, 0));
  batch_.Get<int16_t>(kDropoffZone).push_back(std::max<int16_t>(t.dropoff_zone, 0));
  int nullable_cols[3] = {kPassengers, kPickupZone, kDropoffZone};
  for (int i = 0; i < 3; ++i) {
    // `valid` stays empty (= all present) until the batch's first null; then the rows before it
    // are marked present. The row just appended is at index size() - 1, which is 0 for the first
    // row: a null there must still be recorded (issue 8 #14: it was lost).
    auto& valid = batch_.column(nullable_cols[i]).valid;
    const size_t row = batch_.Get<int16_t>(nullable_cols[i]).size() - 1;
    if (!nullable_present[i] && valid.empty()) valid.assign(row, 1);
    if (!valid.empty() || !nullable_present[i]) valid.push_back(nullable_present[i] ? 1 : 0);
  }
  batch_.Get<int32_t>(kDuration).push_back(static_cast<int32_t>(t.duration_s()));
  batch_.Get<double>(kSpeed).push_back(t.speed_mph());
  batch_.Get<int32_t>(kCellId).push_back(grid_.Index(c));
  batch_.Get<int16_t>(kCellRow).push_back(c.row);
  batch_.Get<int16_t>(kCellCol).push_back(c.col);
  batch_.Get<uint8_t>(kIsManhattan).push_back(manhattan_.Contains(t.pickup_lat, t.pickup_lon) ? 1 : 0);
  batch_.Get<int8_t>(kPickupHour).push_back(static_cast<int8_t>(local.hour));
  batch_.Get<int8_t>(kPickupDow).push_back(static_cast<int8_t>(core::IsoDayOfWeek(local)));
}

core::Result<std::vector<StoredTrip>> TripsFromBatch(const parquet::ColumnBatch& batch) {
  auto need = [&](const char* name) -> core::Result<int> {
    int index = batch.Find(name);
    if (index < 0) return core::Status::Corrupt(std::string("trips table has no column ") + name);
    return index;
  };
  TRAFFIC_ASSIGN_OR_RETURN(int id, need("event_id"));
  TRAFFIC_ASSIGN_OR_RETURN(int pt, need("pickup_time"));
  TRAFFIC_ASSIGN_OR_RETURN(int dt, need("dropoff_time"));
  TRAFFIC_ASSIGN_OR_RETURN(int plat, need("pickup_lat"));
  TRAFFIC_ASSIGN_OR_RETURN(int plon, need("pickup_lon"));
  TRAFFIC_ASSIGN_OR_RETURN(int dlat, need("dropoff_lat"));
  TRAFFIC_ASSIGN_OR_RETURN(int dlon, need("dropoff_lon"));
  TRAFFIC_ASSIGN_OR_RETURN(int dist, need("trip_distance"));
  TRAFFIC_ASSIGN_OR_RETURN(int row, need("cell_row"));
  TRAFFIC_ASSIGN_OR_RETURN(int col, need("cell_col"));
  int manhattan = batch.Find("is_manhattan");
  std::vector<StoredTrip> out(batch.num_rows());
  for (size_t i = 0; i < out.size(); ++i) {
    trip::Trip& t = out[i].trip;
    t.event_id = batch.Get<uint64_t>(id)[i];
    t.pickup_time = core::FromEpochSeconds(batch.Get<int64_t>(pt)[i] / 1000);
    t.dropoff_time = core::FromEpochSeconds(batch.Get<int64_t>(dt)[i] / 1000);
    t.pickup_lat = batch.Get<double>(plat)[i];
    t.pickup_lon = batch.Get<double>(plon)[i];
    t.dropoff_lat = batch.Get<double>(dlat)[i];
    t.dropoff_lon = batch.Get<double>(dlon)[i];
    t.distance_mi = batch.Get<double>(dist)[i];
    out[i].cell = geo::CellId{batch.Get<int16_t>(row)[i], batch.Get<int16_t>(col)[i]};
    out[i].is_manhattan = manhattan >= 0 && batch.Get<uint8_t>(manhattan)[i] != 0;
  }
  return out;
}

}  // namespace traffic::pipeline

#include "traffic/pipeline/prediction_archive.h"

#include <cstdio>

#include "traffic/geo/grid.h"

namespace traffic::pipeline {
namespace {

using parquet::ColumnType;

enum Col { kStart, kEnd, kCell, kLat, kLon, kCount, kSpeed, kLevel, kVersion, kForecast0 };

}  // namespace

std::string ArchiveHourOf(core::UtcTime t) {
  core::LocalDateTime u = core::EpochSecondsToLocal(core::ToEpochSeconds(t));  // UTC fields
  char buf[48];
  std::snprintf(buf, sizeof buf, "date=%04d-%02d-%02d/hour=%02d", u.year, u.month, u.day, u.hour);
  return buf;
}

parquet::Schema PredictionTableSchema() {
  parquet::Schema schema = {{"window_start", ColumnType::kTimestampMs}, {"window_end", ColumnType::kTimestampMs},
                            {"cell_id", ColumnType::kString},           {"centre_lat", ColumnType::kDouble},
                            {"centre_lon", ColumnType::kDouble},        {"trip_count", ColumnType::kInt32},
                            {"avg_speed", ColumnType::kDouble},         {"congestion_level", ColumnType::kString},
                            {"model_version", ColumnType::kString}};
  for (int minutes : features::kHorizonsMin) {
    schema.push_back({"forecast_" + std::to_string(minutes) + "m", ColumnType::kString, true});
    schema.push_back({"confidence_" + std::to_string(minutes) + "m", ColumnType::kFloat, true});
  }
  return schema;
}

void AppendPredictionRow(const codec::PredictionRecord& r, parquet::ColumnBatch* rows) {
  rows->Get<int64_t>(kStart).push_back(core::ToEpochSeconds(r.window_start) * 1000);
  rows->Get<int64_t>(kEnd).push_back(core::ToEpochSeconds(r.window_end) * 1000);
  rows->Get<std::string>(kCell).push_back(r.cell.ToString());
  rows->Get<double>(kLat).push_back(r.centre_lat);
  rows->Get<double>(kLon).push_back(r.centre_lon);
  rows->Get<int32_t>(kCount).push_back(static_cast<int32_t>(r.trip_count));
  rows->Get<double>(kSpeed).push_back(r.avg_speed_mph);
  rows->Get<std::string>(kLevel).emplace_back(window::LevelName(r.congestion_level));
  rows->Get<std::string>(kVersion).push_back(r.model_version);
  for (size_t h = 0; h < r.forecasts.size(); ++h) {
    int level_col = kForecast0 + 2 * static_cast<int>(h);
    const auto& f = r.forecasts[h];
    rows->Get<std::string>(level_col).emplace_back(f ? window::LevelName(f->level) : "");
    rows->Get<float>(level_col + 1).push_back(f ? static_cast<float>(f->confidence) : 0.0f);
    rows->column(level_col).valid.push_back(f ? 1 : 0);
    rows->column(level_col + 1).valid.push_back(f ? 1 : 0);
  }
}

core::Status WritePredictionFile(fs::FileSystem& fs, const std::string& path, const parquet::ColumnBatch& rows) {
  TRAFFIC_ASSIGN_OR_RETURN(auto writer, parquet::Writer::Open(fs, path, PredictionTableSchema()));
  TRAFFIC_RETURN_IF_ERROR(writer->Write(rows));
  return writer->Close();
}

PredictionArchive::PredictionArchive(fs::FileSystem& fs, std::string streaming_dir, std::string writer_id,
                                     int64_t roll_rows)
    : fs_(fs),
      dir_(std::move(streaming_dir)),
      writer_id_(std::move(writer_id)),
      roll_rows_(roll_rows),
      batch_(PredictionTableSchema()) {}

PredictionArchive::~PredictionArchive() = default;

core::Status PredictionArchive::Write(const std::vector<codec::PredictionRecord>& records) {
  for (const auto& r : records) {
    std::string partition = ArchiveHourOf(r.window_start);
    if (partition != current_partition_ || static_cast<int64_t>(batch_.num_rows()) >= roll_rows_) {
      TRAFFIC_RETURN_IF_ERROR(Roll());
      current_partition_ = partition;
    }
    AppendPredictionRow(r, &batch_);
  }
  return core::Status::Ok();
}

core::Status PredictionArchive::Roll() {
  if (batch_.num_rows() == 0) return core::Status::Ok();
  char name[160];
  std::snprintf(name, sizeof name, "%s/part-%s-%05lld.parquet", current_partition_.c_str(), writer_id_.c_str(),
                static_cast<long long>(sequence_++));
  std::string path = fs::JoinPath(dir_, name);
  TRAFFIC_RETURN_IF_ERROR(WritePredictionFile(fs_, path, batch_));
  rows_written_ += static_cast<int64_t>(batch_.num_rows());
  ++files_written_;
  batch_.Clear();
  return core::Status::Ok();
}

core::Status PredictionArchive::Close() { return Roll(); }

}  // namespace traffic::pipeline

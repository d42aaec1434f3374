#include "traffic/pipeline/feature_table.h"

namespace traffic::pipeline {
namespace {

using parquet::ColumnType;

constexpr int kFixedColumns = 5;  // t, cell_id, cell_row, cell_col, is_test

std::string TargetName(int h) {
  return "target_" + std::to_string(features::kHorizonsMin[static_cast<size_t>(h)]) + "m";
}
std::string TargetCountName(int h) {
  return "target_count_" + std::to_string(features::kHorizonsMin[static_cast<size_t>(h)]) + "m";
}
std::string TargetSpeedName(int h) {
  return "target_speed_" + std::to_string(features::kHorizonsMin[static_cast<size_t>(h)]) + "m";
}

}  // namespace

parquet::Schema FeatureTableSchema() {
  parquet::Schema schema = {{"t", ColumnType::kTimestampMs},
                            {"cell_id", ColumnType::kDictString},
                            {"cell_row", ColumnType::kInt16},
                            {"cell_col", ColumnType::kInt16},
                            {"is_test", ColumnType::kBool}};
  for (const auto& name : features::FeatureNames()) schema.push_back({name, ColumnType::kFloat});
  for (int h = 0; h < features::kHorizonCount; ++h) {
    schema.push_back({TargetName(h), ColumnType::kInt8});  // -1: no target
    schema.push_back({TargetCountName(h), ColumnType::kInt32});
    schema.push_back({TargetSpeedName(h), ColumnType::kFloat});
  }
  return schema;
}

FeatureTableBuilder::FeatureTableBuilder(const geo::Grid& grid)
    : grid_(grid), batch_(FeatureTableSchema()), scratch_(features::kFeatureCount) {
  auto& dictionary = batch_.column(1).dictionary;
  for (int i = 0; i < grid_.cell_count(); ++i) dictionary.push_back(grid_.FromIndex(i).ToString());
}

void FeatureTableBuilder::Append(const features::FeatureRow& row, bool is_test) {
  batch_.Get<int64_t>(0).push_back(core::ToEpochSeconds(row.t) * 1000);
  batch_.Get<int32_t>(1).push_back(grid_.Index(row.cell));
  batch_.Get<int16_t>(2).push_back(row.cell.row);
  batch_.Get<int16_t>(3).push_back(row.cell.col);
  batch_.Get<uint8_t>(4).push_back(is_test ? 1 : 0);
  features::ToVector(row, scratch_.data());
  for (int f = 0; f < features::kFeatureCount; ++f) {
    batch_.Get<float>(kFixedColumns + f).push_back(scratch_[static_cast<size_t>(f)]);
  }
  int base = kFixedColumns + features::kFeatureCount;
  for (int h = 0; h < features::kHorizonCount; ++h) {
    batch_.Get<int8_t>(base + 3 * h).push_back(row.target[static_cast<size_t>(h)]);
    batch_.Get<int32_t>(base + 3 * h + 1).push_back(row.target_count[static_cast<size_t>(h)]);
    batch_.Get<float>(base + 3 * h + 2).push_back(static_cast<float>(row.target_speed[static_cast<size_t>(h)]));
  }
}

int FeatureIndex(const std::string& name) {
  const auto& names = features::FeatureNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

core::Result<std::vector<std::string>> FeatureFiles(fs::FileSystem& fs, const std::string& dir) {
  TRAFFIC_ASSIGN_OR_RETURN(auto entries, fs.List(dir));
  std::vector<std::string> files;
  for (const auto& e : entries) {
    if (!e.is_directory && e.name.rfind("part-", 0) == 0) files.push_back(e.path);
  }
  if (files.empty()) return core::Status::NotFound(dir + " has no part-*.parquet files: rerun `traffic features`");
  return files;
}

core::Result<ExampleSet> ReadExamples(fs::FileSystem& fs, const std::vector<std::string>& files) {
  ExampleSet set;
  const auto& names = features::FeatureNames();
  std::vector<std::string> columns = {"t", "cell_row", "cell_col", "is_test"};
  columns.insert(columns.end(), names.begin(), names.end());
  for (int h = 0; h < features::kHorizonCount; ++h) columns.push_back(TargetName(h));
  for (int h = 0; h < features::kHorizonCount; ++h) columns.push_back(TargetSpeedName(h));
  for (const auto& file : files) {
    TRAFFIC_ASSIGN_OR_RETURN(auto reader, parquet::Reader::Open(fs, file));
    for (const auto& name : names) {
      bool found = false;
      for (const auto& spec : reader->schema()) found = found || (spec.name == name && spec.type == ColumnType::kFloat);
      if (!found) {
        return core::Status::Corrupt(file + ": has no float column '" + name +
                                     "': written with another feature layout (expected " + features::FeatureLayoutId() +
                                     "); rerun `traffic features`");
      }
    }
    for (int g = 0; g < reader->num_row_groups(); ++g) {
      TRAFFIC_ASSIGN_OR_RETURN(auto batch, reader->ReadRowGroup(g, columns));
      size_t n = batch.num_rows();
      const auto& t = batch.Get<int64_t>(0);
      set.t_ms.insert(set.t_ms.end(), t.begin(), t.end());
      for (size_t i = 0; i < n; ++i) {
        set.cells.push_back({batch.Get<int16_t>(1)[i], batch.Get<int16_t>(2)[i]});
      }
      const auto& test = batch.Get<uint8_t>(3);
      set.is_test.insert(set.is_test.end(), test.begin(), test.end());
      size_t start = set.features.size();
      set.features.resize(start + n * features::kFeatureCount);
      for (int f = 0; f < features::kFeatureCount; ++f) {
        const auto& col = batch.Get<float>(4 + f);
        for (size_t i = 0; i < n; ++i)
          set.features[start + i * features::kFeatureCount + static_cast<size_t>(f)] = col[i];
      }
      for (int h = 0; h < features::kHorizonCount; ++h) {
        const auto& col = batch.Get<int8_t>(4 + features::kFeatureCount + h);
        set.targets[static_cast<size_t>(h)].insert(set.targets[static_cast<size_t>(h)].end(), col.begin(), col.end());
        const auto& speed = batch.Get<float>(4 + features::kFeatureCount + features::kHorizonCount + h);
        auto& speeds = set.target_speeds[static_cast<size_t>(h)];
        speeds.insert(speeds.end(), speed.begin(), speed.end());
      }
    }
  }
  return set;
}

}  // namespace traffic::pipeline

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

namespace {

std::vector<std::string> ExampleColumns() {
  const auto& names = features::FeatureNames();
  std::vector<std::string> columns = {"t", "cell_row", "cell_col", "is_test"};
  columns.insert(columns.end(), names.begin(), names.end());
  for (int h = 0; h < features::kHorizonCount; ++h) columns.push_back(TargetName(h));
  for (int h = 0; h < features::kHorizonCount; ++h) columns.push_back(TargetSpeedName(h));
  return columns;
}

core::Status CheckFeatureColumns(const parquet::Reader& reader, const std::string& file) {
  for (const auto& name : features::FeatureNames()) {
    bool found = false;
    for (const auto& spec : reader.schema()) found = found || (spec.name == name && spec.type == ColumnType::kFloat);
    if (!found) {
      return core::Status::Corrupt(file + ": has no float column '" + name +
                                   "': written with another feature layout (expected " + features::FeatureLayoutId() +
                                   "); rerun `traffic features`");
    }
  }
  return core::Status::Ok();
}

// Appends a batch of ExampleColumns() to `set`.
void AppendExamples(const parquet::ColumnBatch& batch, ExampleSet* set) {
  size_t n = batch.num_rows();
  const auto& t = batch.Get<int64_t>(0);
  set->t_ms.insert(set->t_ms.end(), t.begin(), t.end());
  for (size_t i = 0; i < n; ++i) set->cells.push_back({batch.Get<int16_t>(1)[i], batch.Get<int16_t>(2)[i]});
  const auto& test = batch.Get<uint8_t>(3);
  set->is_test.insert(set->is_test.end(), test.begin(), test.end());
  size_t start = set->features.size();
  set->features.resize(start + n * features::kFeatureCount);
  for (int f = 0; f < features::kFeatureCount; ++f) {
    const auto& col = batch.Get<float>(4 + f);
    for (size_t i = 0; i < n; ++i) set->features[start + i * features::kFeatureCount + static_cast<size_t>(f)] = col[i];
  }
  for (int h = 0; h < features::kHorizonCount; ++h) {
    auto& targets = set->targets[static_cast<size_t>(h)];
    const auto& col = batch.Get<int8_t>(4 + features::kFeatureCount + h);
    targets.insert(targets.end(), col.begin(), col.end());
    const auto& speed = batch.Get<float>(4 + features::kFeatureCount + features::kHorizonCount + h);
    auto& speeds = set->target_speeds[static_cast<size_t>(h)];
    speeds.insert(speeds.end(), speed.begin(), speed.end());
  }
}

void ClearExamples(ExampleSet* set) {
  set->features.clear();
  set->t_ms.clear();
  set->cells.clear();
  set->is_test.clear();
  for (auto& v : set->targets) v.clear();
  for (auto& v : set->target_speeds) v.clear();
}

}  // namespace

ExampleChunks::ExampleChunks(fs::FileSystem& fs, std::vector<std::string> files, size_t cache_bytes)
    : fs_(fs),
      files_(std::move(files)),
      columns_(ExampleColumns()),
      cache_bytes_(cache_bytes),
      caching_(cache_bytes > 0) {}

ExampleChunks::~ExampleChunks() = default;

core::Status ExampleChunks::Reset() {
  next_cached_ = 0;
  if (cache_complete_) return core::Status::Ok();
  // A pass that stopped half way cannot complete the cache: start it again.
  cache_.clear();
  cached_bytes_ = 0;
  caching_ = cache_bytes_ > 0;
  reader_.reset();
  next_file_ = 0;
  next_group_ = 0;
  return core::Status::Ok();
}

core::Result<const ExampleSet*> ExampleChunks::Next() {
  if (cache_complete_) {
    if (next_cached_ >= cache_.size()) return static_cast<const ExampleSet*>(nullptr);
    return &cache_[next_cached_++];
  }
  while (reader_ == nullptr || next_group_ >= reader_->num_row_groups()) {
    if (next_file_ >= files_.size()) {
      cache_complete_ = caching_;
      next_cached_ = cache_.size();
      return static_cast<const ExampleSet*>(nullptr);
    }
    const std::string& file = files_[next_file_++];
    TRAFFIC_ASSIGN_OR_RETURN(reader_, parquet::Reader::Open(fs_, file));
    TRAFFIC_RETURN_IF_ERROR(CheckFeatureColumns(*reader_, file));
    next_group_ = 0;
  }
  TRAFFIC_ASSIGN_OR_RETURN(auto batch, reader_->ReadRowGroup(next_group_++, columns_));
  ClearExamples(&chunk_);
  AppendExamples(batch, &chunk_);
  if (caching_) {
    const size_t rows = chunk_.rows();
    cached_bytes_ += chunk_.features.size() * sizeof(float) +
                     rows * (sizeof(int64_t) + sizeof(geo::CellId) + 1 + features::kHorizonCount * (1 + sizeof(float)));
    if (cached_bytes_ > cache_bytes_) {  // too big: every pass reads Parquet
      caching_ = false;
      cache_.clear();
      cache_.shrink_to_fit();
    } else {
      cache_.push_back(chunk_);
      return &cache_.back();
    }
  }
  return &chunk_;
}

core::Result<ExampleSet> ReadExamples(fs::FileSystem& fs, const std::vector<std::string>& files) {
  ExampleSet set;
  ExampleChunks chunks(fs, files);
  while (true) {
    TRAFFIC_ASSIGN_OR_RETURN(const ExampleSet* chunk, chunks.Next());
    if (chunk == nullptr) return set;
    set.features.insert(set.features.end(), chunk->features.begin(), chunk->features.end());
    set.t_ms.insert(set.t_ms.end(), chunk->t_ms.begin(), chunk->t_ms.end());
    set.cells.insert(set.cells.end(), chunk->cells.begin(), chunk->cells.end());
    set.is_test.insert(set.is_test.end(), chunk->is_test.begin(), chunk->is_test.end());
    for (size_t h = 0; h < set.targets.size(); ++h) {
      set.targets[h].insert(set.targets[h].end(), chunk->targets[h].begin(), chunk->targets[h].end());
      set.target_speeds[h].insert(set.target_speeds[h].end(), chunk->target_speeds[h].begin(),
                                  chunk->target_speeds[h].end());
    }
  }
}

}  // namespace traffic::pipeline

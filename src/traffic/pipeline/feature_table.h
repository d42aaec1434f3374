// The forecast examples as stored in features/ (Parquet): the row's time and cell, whether it is
// in the test period, the model's input (features::FeatureNames(), as float32 exactly as the model
// sees them), and the targets per horizon.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/features/feature_row.h"
#include "traffic/geo/grid.h"
#include "traffic/parquet/table.h"

namespace traffic::pipeline {

parquet::Schema FeatureTableSchema();

class FeatureTableBuilder {
 public:
  explicit FeatureTableBuilder(const geo::Grid& grid);
  void Append(const features::FeatureRow& row, bool is_test);
  parquet::ColumnBatch& batch() { return batch_; }
  size_t rows() const { return batch_.num_rows(); }
  void Clear() { batch_.Clear(); }

 private:
  const geo::Grid& grid_;
  parquet::ColumnBatch batch_;
  std::vector<float> scratch_;
};

// Examples read back for training and evaluation.
struct ExampleSet {
  std::vector<float> features;  // row-major, features::kFeatureCount per row
  std::vector<int64_t> t_ms;
  std::vector<geo::CellId> cells;
  std::vector<uint8_t> is_test;
  std::array<std::vector<int8_t>, features::kHorizonCount> targets;
  std::array<std::vector<float>, features::kHorizonCount> target_speeds;  // mph over [t, t + h); NaN: no trip
  size_t rows() const { return t_ms.size(); }
  const float* Row(size_t i) const { return features.data() + i * features::kFeatureCount; }
};

// The column of a feature in features::FeatureNames(), or -1.
int FeatureIndex(const std::string& name);
// The part-*.parquet files of a features folder, sorted; NotFound when there are none.
core::Result<std::vector<std::string>> FeatureFiles(fs::FileSystem& fs, const std::string& dir);

// The rows of the features files a row group at a time, for training that never holds the whole
// table (model::ChunkSource). Each file's layout is checked as it opens, as ReadExamples does.
// Training reads the table many times over: while the decoded row groups fit in
// `cache_bytes`, the first pass keeps them and the later ones read memory, not Parquet.
class ExampleChunks {
 public:
  ExampleChunks(fs::FileSystem& fs, std::vector<std::string> files, size_t cache_bytes = 0);
  ~ExampleChunks();
  ExampleChunks(const ExampleChunks&) = delete;
  ExampleChunks& operator=(const ExampleChunks&) = delete;
  // Back to the first row group of the first file.
  core::Status Reset();
  // The next row group's examples (valid until the next call), or nullptr after the last.
  core::Result<const ExampleSet*> Next();
  // True once a whole pass is held in memory.
  bool cached() const { return cache_complete_; }

 private:
  fs::FileSystem& fs_;
  std::vector<std::string> files_;
  std::vector<std::string> columns_;
  std::unique_ptr<parquet::Reader> reader_;
  size_t next_file_ = 0;
  int next_group_ = 0;
  ExampleSet chunk_;
  size_t cache_bytes_;
  bool caching_;  // this pass still fills the cache
  bool cache_complete_ = false;
  size_t cached_bytes_ = 0;
  size_t next_cached_ = 0;
  std::vector<ExampleSet> cache_;
};

// Reads every row of the features files. The files' feature columns must be exactly
// features::FeatureNames(), else a Corrupt error naming the file and the difference.
core::Result<ExampleSet> ReadExamples(fs::FileSystem& fs, const std::vector<std::string>& files);

}  // namespace traffic::pipeline

// The forecast examples as stored in features/ (Parquet): the row's time and cell, whether it is
// in the test period, the model's input (features::FeatureNames(), as float32 exactly as the model
// sees them), and the targets per horizon.
#pragma once

#include <array>
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

// Reads every row of the features files. The files' feature columns must be exactly
// features::FeatureNames(), else a Corrupt error naming the file and the difference.
core::Result<ExampleSet> ReadExamples(fs::FileSystem& fs, const std::vector<std::string>& files);

}  // namespace traffic::pipeline

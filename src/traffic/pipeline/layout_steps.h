// The batch steps run on the storage layout (data_layout.h), as the CLI's `clean`, `features`,
// `train` and `all` call them: each fills its step's input and output folders from the layout
// and runs the step (clean_step.h, features_step.h, train_step.h).
//
// `all` is incremental: a step is skipped when its output is newer than its input: clean when
// processed/_SUCCESS is newer than every CSV under raw/, features when features/_SUCCESS is
// newer than processed/_SUCCESS, train when the model `latest` names has a _SUCCESS newer than
// features/_SUCCESS. A step that runs makes every later step run.
#pragma once

#include <optional>
#include <string>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/pipeline/clean_step.h"
#include "traffic/pipeline/data_layout.h"
#include "traffic/pipeline/features_step.h"
#include "traffic/pipeline/train_step.h"

namespace traffic::pipeline {

// clean: options.inputs (default layout.Raw()) -> layout.Processed(). The CSVs and the output are
// on `layout_fs` (the local disk, or HDFS with --hdfs); the rejects file on the local disk.
core::Result<CleanSummary> RunCleanInLayout(fs::FileSystem& layout_fs, const DataLayout& layout, CleanOptions options,
                                            const std::string& geo_dir);
// features: layout.Processed() -> layout.Features().
core::Result<FeaturesSummary> RunFeaturesInLayout(fs::FileSystem& layout_fs, const DataLayout& layout,
                                                  FeaturesOptions options);
// train: layout.Features() -> layout.Models()/<version>, and models/latest.
core::Result<TrainSummary> RunTrainInLayout(fs::FileSystem& layout_fs, const DataLayout& layout, TrainOptions options);

struct AllOptions {
  CleanOptions clean;  // inputs are always layout.Raw()
  FeaturesOptions features;
  TrainOptions train;  // thresholds come from features (both must agree); version: now
  bool force = false;  // run every step even when up to date
  std::string geo_dir;
};

struct AllSummary {
  // Set for a step that ran; else the step was up to date.
  std::optional<CleanSummary> clean;
  std::optional<FeaturesSummary> features;
  std::optional<TrainSummary> train;
  std::string processed_success;  // the _SUCCESS files the decisions were made on
  std::string features_success;
  std::string latest_version;  // when train was up to date: the model and its report
  std::string latest_report;
  std::string failed_step;  // "clean", "features" or "train" when RunAll failed in a step
};

// Fills *summary as the steps finish (also when one fails, so the finished ones can be shown).
core::Status RunAll(fs::FileSystem& layout_fs, const DataLayout& layout, const AllOptions& options,
                    AllSummary* summary);

}  // namespace traffic::pipeline

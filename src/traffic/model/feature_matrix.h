// FeatureMatrix: the input every model in traffic::model reads, and the feature-layout check.
//
// A model remembers the names and order of the features it was trained on (the "feature layout").
// Data is always handed over together with its layout, so a model never silently reads column 3 as
// something it is not: a mismatch is a core::Status naming the first difference.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "traffic/core/status.h"

namespace traffic::model {

// A non-owning view of a dense row-major float matrix with named columns.
// values.size() must be num_rows * feature_names.size(); NaN means "missing" (XGBoost learns a
// default direction for it). The caller keeps the buffers alive for the duration of the call.
struct FeatureMatrix {
  std::span<const float> values;
  std::size_t num_rows = 0;
  std::span<const std::string> feature_names;

  std::size_t num_cols() const { return feature_names.size(); }
  float At(std::size_t row, std::size_t col) const { return values[row * num_cols() + col]; }

  // InvalidArgument if the shape is inconsistent or a name is empty or repeated.
  core::Status Validate() const;
};

// OK if `data` has exactly the layout `model` (same count, same names, same order). Otherwise
// InvalidArgument, e.g. "model expects 3 features [a,b,c], data has 2 [a,b]" or
// "feature 1 is 'b' in the model, 'x' in the data".
core::Status CheckFeatureLayout(std::span<const std::string> model, std::span<const std::string> data);

// "[a,b,c]": a layout for error messages and model cards.
std::string FormatFeatureNames(std::span<const std::string> names);

}  // namespace traffic::model

#include "traffic/model/feature_matrix.h"

#include <unordered_set>

#include <fmt/format.h>

namespace traffic::model {

core::Status FeatureMatrix::Validate() const {
  if (feature_names.empty()) return core::Status::InvalidArgument("feature matrix has no features");
  if (values.size() != num_rows * num_cols()) {
    return core::Status::InvalidArgument(
        fmt::format("feature matrix has {} values, expected {} rows x {} features = {}", values.size(), num_rows,
                    num_cols(), num_rows * num_cols()));
  }
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < feature_names.size(); ++i) {
    if (feature_names[i].empty()) {
      return core::Status::InvalidArgument(fmt::format("feature {} has an empty name", i));
    }
    if (!seen.insert(feature_names[i]).second) {
      return core::Status::InvalidArgument(
          fmt::format("feature {} '{}' appears twice in the layout", i, feature_names[i]));
    }
  }
  return core::Status::Ok();
}

std::string FormatFeatureNames(std::span<const std::string> names) {
  return fmt::format("[{}]", fmt::join(names, ","));
}

core::Status CheckFeatureLayout(std::span<const std::string> model, std::span<const std::string> data) {
  if (model.size() != data.size()) {
    return core::Status::InvalidArgument(fmt::format("model expects {} features {}, data has {} {}", model.size(),
                                                     FormatFeatureNames(model), data.size(), FormatFeatureNames(data)));
  }
  for (std::size_t i = 0; i < model.size(); ++i) {
    if (model[i] != data[i]) {
      return core::Status::InvalidArgument(
          fmt::format("feature {} is '{}' in the model, '{}' in the data (model layout {})", i, model[i], data[i],
                      FormatFeatureNames(model)));
    }
  }
  return core::Status::Ok();
}

}  // namespace traffic::model

#include "traffic/pipeline/forecaster.h"

#include <simdjson.h>

#include "traffic/core/text.h"
#include "traffic/pipeline/model_store.h"

namespace traffic::pipeline {

core::Result<std::unique_ptr<Forecaster>> Forecaster::Load(fs::FileSystem& fs, const std::string& models_dir,
                                                           const std::string& version) {
  std::unique_ptr<Forecaster> f(new Forecaster());
  ModelStore store(fs, models_dir);
  TRAFFIC_ASSIGN_OR_RETURN(f->version_, store.Resolve(version));
  const std::string dir = store.VersionDir(f->version_);
  const std::string card_path = fs::JoinPath(dir, "card.json");
  auto card = fs.ReadAll(card_path);
  if (!card.ok()) return card.status().WithContext("model " + f->version_);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view layout;
  if (parser.parse(*card).get(doc) || doc["feature_layout"].get_string().get(layout)) {
    return core::Status::Corrupt(card_path + ": not a model card (no feature_layout)");
  }
  if (layout != features::FeatureLayoutId()) {
    return core::Status::InvalidArgument(card_path + ": the model was trained on feature layout " +
                                         std::string(layout) + ", this build computes " +
                                         features::FeatureLayoutId() + "; retrain with `traffic train`");
  }
  model::LoadOptions load;
  load.expected_feature_names = features::FeatureNames();
  for (int minutes : features::kHorizonsMin) {
    std::string path = fs::JoinPath(dir, "model_" + std::to_string(minutes) + "m.json");
    TRAFFIC_ASSIGN_OR_RETURN(std::string json, fs.ReadAll(path));
    auto classifier = model::CongestionClassifier::FromJson(json, load);
    if (!classifier.ok()) return classifier.status().WithContext(path);
    f->models_.push_back(std::move(*classifier));
  }
  const std::string profile_path = fs::JoinPath(dir, "profile.txt");
  TRAFFIC_ASSIGN_OR_RETURN(std::string profile_text, fs.ReadAll(profile_path));
  auto profile = features::HistoricalProfile::Parse(profile_text);
  if (!profile.ok()) return profile.status().WithContext(profile_path);
  f->profile_ = std::move(*profile);
  return f;
}

core::Result<std::vector<Forecast>> Forecaster::Predict(const std::vector<features::FeatureRow>& rows) const {
  std::vector<Forecast> out(rows.size());
  if (rows.empty()) return out;
  std::vector<float> matrix(rows.size() * features::kFeatureCount);
  for (size_t i = 0; i < rows.size(); ++i) features::ToVector(rows[i], matrix.data() + i * features::kFeatureCount);
  model::FeatureMatrix input{matrix, rows.size(), features::FeatureNames()};
  for (size_t h = 0; h < models_.size(); ++h) {
    TRAFFIC_ASSIGN_OR_RETURN(auto predictions, models_[h].Predict(input));
    for (size_t i = 0; i < rows.size(); ++i) {
      out[i].level[h] = static_cast<int8_t>(predictions[i].label);
      out[i].confidence[h] = predictions[i].confidence;
    }
  }
  return out;
}

}  // namespace traffic::pipeline

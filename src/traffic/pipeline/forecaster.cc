#include "traffic/pipeline/forecaster.h"

#include <simdjson.h>

#include <cmath>
#include <map>

#include "traffic/core/hash.h"
#include "traffic/core/text.h"
#include "traffic/model/evaluation.h"
#include "traffic/pipeline/model_store.h"

namespace traffic::pipeline {

namespace {

// The card's verdict per horizon: beats_persistence_macro_f1, the thresholds, and persistence's
// per-level precision (its confidence when it stands in).
core::Status ReadVerdicts(
    simdjson::dom::element card, const std::string& card_path,
    std::array<codec::ForecastSource, features::kHorizonCount>* sources,
    std::array<std::array<float, window::kCongestionLevelCount>, features::kHorizonCount>* confidence,
    std::array<model::DecisionRule, features::kHorizonCount>* rules, window::LevelThresholds* thresholds) {
  double high_below = 0, low_above = 0;
  if (card["thresholds_mph"]["high_below"].get_double().get(high_below) ||
      card["thresholds_mph"]["low_above"].get_double().get(low_above)) {
    return core::Status::Corrupt(card_path + ": no thresholds_mph.high_below / low_above");
  }
  thresholds->high_below_mph = high_below;
  thresholds->low_above_mph = low_above;
  simdjson::dom::array horizons;
  if (card["horizons"].get_array().get(horizons) || horizons.size() != features::kHorizonCount) {
    return core::Status::Corrupt(card_path + ": \"horizons\" is not an array of " +
                                 std::to_string(features::kHorizonCount));
  }
  size_t h = 0;
  for (simdjson::dom::element horizon : horizons) {
    bool beats = false;
    simdjson::dom::array classes;
    if (horizon["beats_persistence_macro_f1"].get_bool().get(beats) ||
        horizon["baselines"]["persistence"]["classes"].get_array().get(classes) ||
        classes.size() != window::kCongestionLevelCount) {
      return core::Status::Corrupt(card_path + ": horizon " + std::to_string(features::kHorizonsMin[h]) +
                                   " min lacks beats_persistence_macro_f1 or persistence's classes");
    }
    (*sources)[h] = beats ? codec::ForecastSource::kModel : codec::ForecastSource::kPersistence;
    simdjson::dom::array weights;
    if (horizon["decision_rule"]["weights"].get_array().get(weights) || weights.size() != model::kNumClasses) {
      return core::Status::Corrupt(card_path + ": horizon " + std::to_string(features::kHorizonsMin[h]) +
                                   " min lacks decision_rule.weights (3 numbers)");
    }
    size_t k = 0;
    for (simdjson::dom::element w : weights) {
      double weight = 0;
      if (w.get_double().get(weight) || !(weight > 0 && std::isfinite(weight))) {
        return core::Status::Corrupt(card_path + ": a decision_rule weight of horizon " +
                                     std::to_string(features::kHorizonsMin[h]) + " min is not a positive number");
      }
      (*rules)[h].weights[k++] = weight;
    }
    size_t level = 0;
    for (simdjson::dom::element c : classes) {
      double precision = 0;
      if (c["precision"].get_double().get(precision) || !(precision >= 0 && precision <= 1)) {
        return core::Status::Corrupt(card_path + ": persistence precision of horizon " +
                                     std::to_string(features::kHorizonsMin[h]) + " min is not in 0..1");
      }
      (*confidence)[h][level++] = static_cast<float>(precision);
    }
    ++h;
  }
  return core::Status::Ok();
}

}  // namespace

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
                                         std::string(layout) + ", this build computes " + features::FeatureLayoutId() +
                                         "; retrain with `traffic train`");
  }
  TRAFFIC_RETURN_IF_ERROR(
      ReadVerdicts(doc, card_path, &f->sources_, &f->persistence_confidence_, &f->rules_, &f->thresholds_));
  // Issue 8 #11: the card lists every file's size and hash; a file that differs (a flipped bit, a
  // truncated profile) is refused before it is parsed.
  std::map<std::string, std::pair<int64_t, std::string>, std::less<>> expected;
  simdjson::dom::array files;
  if (doc["files"].get_array().get(files)) {
    return core::Status::Corrupt(card_path +
                                 ": the card lists no file checksums (a model trained before they "
                                 "were recorded, or a damaged card); retrain with `traffic train`");
  }
  for (simdjson::dom::element entry : files) {
    std::string_view name, hash;
    int64_t bytes = 0;
    if (entry["name"].get_string().get(name) || entry["bytes"].get_int64().get(bytes) ||
        entry["stable_hash64"].get_string().get(hash)) {
      return core::Status::Corrupt(card_path + ": a \"files\" entry lacks name, bytes or stable_hash64");
    }
    expected[std::string(name)] = {bytes, std::string(hash)};
  }
  auto read_verified = [&](const std::string& name) -> core::Result<std::string> {
    const std::string path = fs::JoinPath(dir, name);
    auto want = expected.find(name);
    if (want == expected.end()) return core::Status::Corrupt(card_path + ": lists no checksum for " + name);
    TRAFFIC_ASSIGN_OR_RETURN(std::string content, fs.ReadAll(path));
    std::string hash = core::HashToHex(core::StableHash64(content));
    if (static_cast<int64_t>(content.size()) != want->second.first || hash != want->second.second) {
      return core::Status::Corrupt(path + ": does not match its checksum in card.json (" +
                                   std::to_string(content.size()) + " bytes, hash " + hash + "; the card says " +
                                   std::to_string(want->second.first) + " bytes, hash " + want->second.second +
                                   "): the file is damaged, retrain or restore it");
    }
    return content;
  };
  std::map<std::string, std::string, std::less<>> verified;  // every listed file, checked once
  for (const auto& [name, unused] : expected) {
    TRAFFIC_ASSIGN_OR_RETURN(verified[name], read_verified(name));
  }
  auto content_of = [&](const std::string& name) -> core::Result<std::string> {
    auto it = verified.find(name);
    if (it == verified.end()) return core::Status::Corrupt(card_path + ": lists no checksum for " + name);
    return std::move(it->second);
  };

  model::LoadOptions load;
  load.expected_feature_names = features::FeatureNames();
  for (int minutes : features::kHorizonsMin) {
    std::string path = fs::JoinPath(dir, "model_" + std::to_string(minutes) + "m.json");
    TRAFFIC_ASSIGN_OR_RETURN(std::string json, content_of("model_" + std::to_string(minutes) + "m.json"));
    auto classifier = model::CongestionClassifier::FromJson(json, load);
    if (!classifier.ok()) return classifier.status().WithContext(path);
    f->models_.push_back(std::move(*classifier));
  }
  const std::string profile_path = fs::JoinPath(dir, "profile.txt");
  TRAFFIC_ASSIGN_OR_RETURN(std::string profile_text, content_of("profile.txt"));
  auto profile = features::HistoricalProfile::Parse(profile_text);
  if (!profile.ok()) return profile.status().WithContext(profile_path);
  f->profile_ = std::move(*profile);
  return f;
}

void Forecast::Choose(size_t h, codec::ForecastSource from) {
  const bool model = from == codec::ForecastSource::kModel;
  level[h] = model ? model_level[h] : persistence_level[h];
  confidence[h] = model ? model_confidence[h] : persistence_confidence[h];
  source[h] = from;
}

core::Result<std::vector<Forecast>> Forecaster::Predict(const std::vector<features::FeatureRow>& rows) const {
  std::vector<Forecast> out(rows.size());
  if (rows.empty()) return out;
  std::vector<float> matrix(rows.size() * features::kFeatureCount);
  for (size_t i = 0; i < rows.size(); ++i) features::ToVector(rows[i], matrix.data() + i * features::kFeatureCount);
  model::FeatureMatrix input{matrix, rows.size(), features::FeatureNames()};
  for (size_t h = 0; h < models_.size(); ++h) {
    TRAFFIC_ASSIGN_OR_RETURN(auto proba, models_[h].PredictProba(input));
    const auto predictions = rules_[h].Apply(proba);
    for (size_t i = 0; i < rows.size(); ++i) {
      Forecast& f = out[i];
      f.model_level[h] = static_cast<int8_t>(predictions[i].label);
      f.model_confidence[h] = predictions[i].confidence;
      // The baseline `train` evaluated (model/evaluation.h), standing in where the model lost to it;
      // its confidence: its precision for that level on the test days.
      const int level = model::PersistenceLevel(rows[i].speed_15m, rows[i].speed_60m, thresholds_);
      f.persistence_level[h] = static_cast<int8_t>(level);
      f.persistence_confidence[h] = persistence_confidence_[h][static_cast<size_t>(level)];
      f.Choose(h, sources_[h]);
    }
  }
  return out;
}

}  // namespace traffic::pipeline

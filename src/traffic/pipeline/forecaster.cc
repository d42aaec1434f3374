#include "traffic/pipeline/forecaster.h"

#include <simdjson.h>

#include <map>

#include "traffic/core/hash.h"
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
  // Issue 8 #11: the card lists every file's size and hash; a file that differs (a flipped bit, a
  // truncated profile) is refused before it is parsed.
  std::map<std::string, std::pair<int64_t, std::string>, std::less<>> expected;
  simdjson::dom::array files;
  if (doc["files"].get_array().get(files)) {
    return core::Status::Corrupt(card_path + ": the card lists no file checksums (a model trained before they "
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
      return core::Status::Corrupt(path + ": does not match its checksum in card.json (" + std::to_string(content.size()) +
                                   " bytes, hash " + hash + "; the card says " + std::to_string(want->second.first) +
                                   " bytes, hash " + want->second.second + "): the file is damaged, retrain or restore it");
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

#include "traffic/model/xgboost_booster.h"

#include "traffic/model/model_json.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

namespace traffic::model::internal {
namespace {

using core::Result;
using core::Status;
using core::StatusCode;

constexpr std::string_view kBestIterationAttr = "best_iteration";  // same keys as XGBoost's Python
constexpr std::string_view kBestScoreAttr = "best_score";

struct DMatrixDeleter {
  void operator()(void* handle) const { XGDMatrixFree(handle); }
};
using DMatrixPtr = std::unique_ptr<void, DMatrixDeleter>;

// XGBoost messages look like "[12:01:02] /build/.../file.cc:123: Check failed: ...\n
// Stack trace:\n  [bt] ...". Keep the part a user can act on.
std::string CleanXgbMessage(std::string_view m) {
  if (auto pos = m.find("Stack trace:"); pos != std::string_view::npos) m = m.substr(0, pos);
  if (!m.empty() && m.front() == '[') {
    auto close = m.find("] ");
    if (close != std::string_view::npos) {
      std::string_view rest = m.substr(close + 2);
      // Drop "path/file.cc:123: " when the message starts with a source position.
      auto colon = rest.find(": ");
      if (colon != std::string_view::npos) {
        std::string_view pos = rest.substr(0, colon);
        if (pos.find(".cc:") != std::string_view::npos || pos.find(".h:") != std::string_view::npos) {
          rest = rest.substr(colon + 2);
        }
      }
      m = rest;
    }
  }
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ' || m.back() == '\r')) m.remove_suffix(1);
  return std::string(m);
}

std::vector<const char*> CStrings(std::span<const std::string> names) {
  std::vector<const char*> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(n.c_str());
  return out;
}

Result<DMatrixPtr> MakeDMatrix(const FeatureMatrix& x, int nthread, std::string_view what) {
  DMatrixHandle raw = nullptr;
  TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGDMatrixCreateFromMat_omp(x.values.data(), x.num_rows, x.num_cols(),
                                                               std::numeric_limits<float>::quiet_NaN(), &raw, nthread),
                                    StatusCode::kInvalidArgument, fmt::format("building the {} matrix", what)));
  DMatrixPtr m(raw);
  auto names = CStrings(x.feature_names);
  TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGDMatrixSetStrFeatureInfo(m.get(), "feature_name", names.data(), names.size()),
                                    StatusCode::kInvalidArgument, fmt::format("naming the {} features", what)));
  return m;
}

Status CheckChunk(const TrainingData& d, std::string_view what) {
  TRAFFIC_RETURN_IF_ERROR(d.features.Validate().WithContext(what));
  if (d.labels.size() != d.features.num_rows) {
    return Status::InvalidArgument(
        fmt::format("{}: {} labels for {} rows", what, d.labels.size(), d.features.num_rows));
  }
  if (!d.weights.empty() && d.weights.size() != d.features.num_rows) {
    return Status::InvalidArgument(
        fmt::format("{}: {} weights for {} rows", what, d.weights.size(), d.features.num_rows));
  }
  return Status::Ok();
}

// Feeds a TrainingChunks to XGBoost's data iterator (XGQuantileDMatrixCreateFromCallback): each
// chunk in turn is set on the proxy matrix. XGBoost's callbacks cannot carry a Status, so the
// first error is kept here and the pass ends as if the data had.
class ChunkFeeder {
 public:
  ChunkFeeder(TrainingChunks& source, std::string_view what) : source_(source), what_(what) {}

  Result<DMatrixPtr> Build(int nthread, DMatrixHandle reference) {
    DMatrixHandle proxy = nullptr;
    TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGProxyDMatrixCreate(&proxy), StatusCode::kInternal, "creating a proxy matrix"));
    proxy_.reset(proxy);
    // max_bin as the hist method's default, so a set built here trains as one built in memory.
    const std::string config = fmt::format(R"({{"missing": NaN, "nthread": {}, "max_bin": 256}})", nthread);
    DMatrixHandle raw = nullptr;
    int rc = XGQuantileDMatrixCreateFromCallback(this, proxy, reference, &ChunkFeeder::OnReset, &ChunkFeeder::OnNext,
                                                 config.c_str(), &raw);
    DMatrixPtr m(raw);
    TRAFFIC_RETURN_IF_ERROR(error_);
    if (rows_ == 0) return Status::InvalidArgument(fmt::format("{}: no rows", what_));
    TRAFFIC_RETURN_IF_ERROR(XgbStatus(rc, StatusCode::kInvalidArgument, fmt::format("building the {} matrix", what_)));
    auto names = CStrings(names_);
    TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGDMatrixSetStrFeatureInfo(m.get(), "feature_name", names.data(), names.size()),
                                      StatusCode::kInvalidArgument, fmt::format("naming the {} features", what_)));
    return m;
  }
  const std::vector<std::string>& feature_names() const { return names_; }

 private:
  static void OnReset(DataIterHandle self) {
    auto* f = static_cast<ChunkFeeder*>(self);
    f->pass_rows_ = 0;
    if (f->error_.ok()) f->error_ = f->source_.Reset().WithContext(f->what_);
  }
  static int OnNext(DataIterHandle self) { return static_cast<ChunkFeeder*>(self)->Feed() ? 1 : 0; }

  bool Feed() {
    if (!error_.ok()) return false;
    error_ = FeedNext();
    return error_.ok() && fed_;
  }

  Status FeedNext() {
    fed_ = false;
    const TrainingData* chunk = nullptr;
    do {  // XGBoost takes no empty batch
      TRAFFIC_ASSIGN_OR_RETURN(chunk, source_.Next());
      if (chunk == nullptr) return Status::Ok();
    } while (chunk->features.num_rows == 0);
    TRAFFIC_RETURN_IF_ERROR(CheckChunk(*chunk, what_));
    if (chunks_seen_++ == 0) {
      names_.assign(chunk->features.feature_names.begin(), chunk->features.feature_names.end());
      weighted_ = !chunk->weights.empty();
    } else {
      TRAFFIC_RETURN_IF_ERROR(
          CheckFeatureLayout(names_, chunk->features.feature_names).WithContext(fmt::format("{} chunk", what_)));
      if (weighted_ != !chunk->weights.empty()) {
        return Status::InvalidArgument(fmt::format("{}: some chunks have weights, others not", what_));
      }
    }
    const std::string array =
        fmt::format(R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
                    reinterpret_cast<std::uintptr_t>(chunk->features.values.data()), chunk->features.num_rows,
                    chunk->features.num_cols());
    void* proxy = proxy_.get();
    TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGProxyDMatrixSetDataDense(proxy, array.c_str()), StatusCode::kInvalidArgument,
                                      fmt::format("passing a {} chunk", what_)));
    TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGDMatrixSetFloatInfo(proxy, "label", chunk->labels.data(), chunk->labels.size()),
                                      StatusCode::kInvalidArgument, fmt::format("setting the {} labels", what_)));
    if (weighted_) {
      TRAFFIC_RETURN_IF_ERROR(
          XgbStatus(XGDMatrixSetFloatInfo(proxy, "weight", chunk->weights.data(), chunk->weights.size()),
                    StatusCode::kInvalidArgument, fmt::format("setting the {} weights", what_)));
    }
    pass_rows_ += chunk->features.num_rows;
    rows_ = std::max(rows_, pass_rows_);
    fed_ = true;
    return Status::Ok();
  }

  TrainingChunks& source_;
  std::string what_;
  DMatrixPtr proxy_;
  Status error_ = Status::Ok();
  std::vector<std::string> names_;
  bool weighted_ = false;
  bool fed_ = false;
  int64_t chunks_seen_ = 0;
  std::size_t pass_rows_ = 0;  // fed since the last reset
  std::size_t rows_ = 0;       // the most fed in one pass
};

Status SetParam(void* booster, const char* name, const std::string& value) {
  return XgbStatus(XGBoosterSetParam(booster, name, value.c_str()), StatusCode::kInvalidArgument,
                   fmt::format("setting XGBoost parameter {}={}", name, value));
}

Status SetParams(void* booster, const BoosterParams& p, bool with_eval_metric) {
  if (p.nthread < 1) return Status::InvalidArgument("nthread must be at least 1");
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "objective", p.objective));
  if (p.num_class > 0) {
    TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "num_class", std::to_string(p.num_class)));
  }
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "tree_method", "hist"));
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "max_depth", std::to_string(p.max_depth)));
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "eta", fmt::format("{}", p.eta)));
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "nthread", std::to_string(p.nthread)));
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "seed", std::to_string(p.seed)));
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "subsample", fmt::format("{}", p.subsample)));
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "colsample_bytree", fmt::format("{}", p.colsample_bytree)));
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "min_child_weight", fmt::format("{}", p.min_child_weight)));
  TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "lambda", fmt::format("{}", p.lambda)));
  if (with_eval_metric) TRAFFIC_RETURN_IF_ERROR(SetParam(booster, "eval_metric", p.eval_metric));
  return Status::Ok();
}

// "[3]\tvalid-mlogloss:0.1234" -> 0.1234
Result<double> ParseEvalResult(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::Internal(fmt::format("unexpected XGBoost evaluation output '{}'", s));
  }
  std::string_view num = s.substr(colon + 1);
  while (!num.empty() && (num.back() == '\n' || num.back() == ' ')) num.remove_suffix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
  if (ec != std::errc() || ptr != num.data() + num.size()) {
    return Status::Internal(fmt::format("unexpected XGBoost evaluation output '{}'", s));
  }
  return value;
}

}  // namespace

void BoosterDeleter::operator()(void* handle) const { XGBoosterFree(handle); }

Status XgbStatus(int rc, StatusCode code, std::string_view what) {
  if (rc == 0) return Status::Ok();
  const char* last = XGBGetLastError();
  return Status(code, fmt::format("{}: XGBoost: {}", what, CleanXgbMessage(last ? last : "")));
}

Result<Booster> Booster::Train(const TrainingData& train, const TrainingData* validation, const BoosterParams& params) {
  SingleChunk<TrainingData> train_chunks(train);
  if (validation == nullptr) return Train(train_chunks, nullptr, params);
  SingleChunk<TrainingData> validation_chunks(*validation);
  return Train(train_chunks, &validation_chunks, params);
}

Result<Booster> Booster::Train(TrainingChunks& train, TrainingChunks* validation, const BoosterParams& params) {
  if (params.num_rounds < 1) return Status::InvalidArgument("num_rounds must be at least 1");
  if (params.early_stopping_rounds < 0) {
    return Status::InvalidArgument("early_stopping_rounds must not be negative");
  }
  if (params.early_stopping_rounds > 0 && validation == nullptr) {
    return Status::InvalidArgument("early stopping needs a validation set");
  }
  if (params.nthread < 1) return Status::InvalidArgument("nthread must be at least 1");
  ChunkFeeder train_feeder(train, "training");
  TRAFFIC_ASSIGN_OR_RETURN(DMatrixPtr dtrain, train_feeder.Build(params.nthread, nullptr));
  const std::vector<std::string>& feature_names = train_feeder.feature_names();
  DMatrixPtr dvalid;
  if (validation != nullptr) {
    // Binned by the training set's quantiles, as XGBoost requires of a set it evaluates.
    ChunkFeeder valid_feeder(*validation, "validation");
    TRAFFIC_ASSIGN_OR_RETURN(dvalid, valid_feeder.Build(params.nthread, dtrain.get()));
    TRAFFIC_RETURN_IF_ERROR(
        CheckFeatureLayout(feature_names, valid_feeder.feature_names()).WithContext("validation set"));
  }

  Booster b;
  b.nthread_ = params.nthread;
  DMatrixHandle cache[2] = {dtrain.get(), dvalid.get()};
  BoosterHandle raw = nullptr;
  TRAFFIC_RETURN_IF_ERROR(
      XgbStatus(XGBoosterCreate(cache, dvalid ? 2 : 1, &raw), StatusCode::kInternal, "creating the XGBoost booster"));
  b.handle_.reset(raw);
  TRAFFIC_RETURN_IF_ERROR(SetParams(raw, params, dvalid != nullptr));
  auto names = CStrings(feature_names);
  TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterSetStrFeatureInfo(raw, "feature_name", names.data(), names.size()),
                                    StatusCode::kInvalidArgument, "naming the model's features"));

  int best = -1;
  double best_score = 0;
  for (int iter = 0; iter < params.num_rounds; ++iter) {
    TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterUpdateOneIter(raw, iter, dtrain.get()), StatusCode::kInternal,
                                      fmt::format("training round {}", iter)));
    if (!dvalid) continue;
    DMatrixHandle eval_sets[1] = {dvalid.get()};
    const char* eval_names[1] = {"valid"};
    const char* eval_out = nullptr;
    TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterEvalOneIter(raw, iter, eval_sets, eval_names, 1, &eval_out),
                                      StatusCode::kInternal, fmt::format("evaluating round {}", iter)));
    TRAFFIC_ASSIGN_OR_RETURN(double score, ParseEvalResult(eval_out ? eval_out : ""));
    b.validation_history_.push_back(score);
    if (best < 0 || score < best_score) {
      best = iter;
      best_score = score;
    }
    if (params.early_stopping_rounds > 0 && iter - best >= params.early_stopping_rounds) break;
  }

  if (best >= 0) {
    int rounds = 0;
    TRAFFIC_RETURN_IF_ERROR(
        XgbStatus(XGBoosterBoostedRounds(raw, &rounds), StatusCode::kInternal, "counting boosted rounds"));
    if (params.early_stopping_rounds > 0 && best + 1 < rounds) {
      // Keep only the rounds up to the best one, so the saved model is the model we evaluated
      // and any XGBoost consumer predicts with it without knowing about best_iteration.
      BoosterHandle sliced = nullptr;
      TRAFFIC_RETURN_IF_ERROR(
          XgbStatus(XGBoosterSlice(raw, 0, best + 1, 1, &sliced), StatusCode::kInternal, "cutting the model back"));
      b.handle_.reset(sliced);
      raw = sliced;
      TRAFFIC_RETURN_IF_ERROR(SetParam(raw, "nthread", std::to_string(params.nthread)));
      TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterSetStrFeatureInfo(raw, "feature_name", names.data(), names.size()),
                                        StatusCode::kInternal, "naming the model's features"));
    }
    TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterSetAttr(raw, kBestIterationAttr.data(), std::to_string(best).c_str()),
                                      StatusCode::kInternal, "recording best_iteration"));
    TRAFFIC_RETURN_IF_ERROR(
        XgbStatus(XGBoosterSetAttr(raw, kBestScoreAttr.data(), fmt::format("{}", best_score).c_str()),
                  StatusCode::kInternal, "recording best_score"));
  }
  TRAFFIC_RETURN_IF_ERROR(b.ReadBack());
  return b;
}

Result<Booster> Booster::FromJson(std::string_view json, int nthread) {
  if (nthread < 1) return Status::InvalidArgument("nthread must be at least 1");
  if (json.empty()) return Status::Corrupt("model JSON is empty");
  // XGBoost would read anything else as its old binary format; we only speak JSON.
  auto first = json.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || json[first] != '{') {
    return Status::Corrupt("not an XGBoost JSON model (it does not start with '{')");
  }
  TRAFFIC_RETURN_IF_ERROR(ValidateModelJson(json));
  Booster b;
  b.nthread_ = nthread;
  BoosterHandle raw = nullptr;
  TRAFFIC_RETURN_IF_ERROR(
      XgbStatus(XGBoosterCreate(nullptr, 0, &raw), StatusCode::kInternal, "creating the XGBoost booster"));
  b.handle_.reset(raw);
  TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterLoadModelFromBuffer(raw, json.data(), json.size()), StatusCode::kCorrupt,
                                    "corrupt model JSON"));
  TRAFFIC_RETURN_IF_ERROR(SetParam(raw, "nthread", std::to_string(nthread)));
  TRAFFIC_RETURN_IF_ERROR(b.ReadBack());
  return b;
}

Status Booster::ReadBack() {
  void* raw = handle_.get();
  bst_ulong num_features = 0;
  TRAFFIC_RETURN_IF_ERROR(
      XgbStatus(XGBoosterGetNumFeature(raw, &num_features), StatusCode::kCorrupt, "reading the model's feature count"));
  bst_ulong len = 0;
  const char** names = nullptr;
  TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterGetStrFeatureInfo(raw, "feature_name", &len, &names), StatusCode::kCorrupt,
                                    "reading the model's feature names"));
  if (len == 0) return Status::Corrupt("the model has no feature names, so its layout is unknown");
  if (len != num_features) {
    return Status::Corrupt(fmt::format("the model has {} features but {} feature names", num_features, len));
  }
  feature_names_.assign(names, names + len);
  TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterBoostedRounds(raw, &num_boosted_rounds_), StatusCode::kCorrupt,
                                    "counting the model's rounds"));

  auto attr = [&](std::string_view key) -> Result<std::optional<std::string>> {
    const char* out = nullptr;
    int success = 0;
    TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterGetAttr(raw, key.data(), &out, &success), StatusCode::kCorrupt,
                                      fmt::format("reading model attribute {}", key)));
    if (!success || out == nullptr) return std::optional<std::string>();
    return std::optional<std::string>(out);
  };
  TRAFFIC_ASSIGN_OR_RETURN(auto best_it, attr(kBestIterationAttr));
  TRAFFIC_ASSIGN_OR_RETURN(auto best_sc, attr(kBestScoreAttr));
  best_iteration_.reset();
  best_score_.reset();
  if (best_it) {
    int v = 0;
    auto [p, ec] = std::from_chars(best_it->data(), best_it->data() + best_it->size(), v);
    if (ec != std::errc() || p != best_it->data() + best_it->size()) {
      return Status::Corrupt(fmt::format("model attribute best_iteration is '{}'", *best_it));
    }
    best_iteration_ = v;
  }
  if (best_sc) {
    double v = 0;
    auto [p, ec] = std::from_chars(best_sc->data(), best_sc->data() + best_sc->size(), v);
    if (ec != std::errc() || p != best_sc->data() + best_sc->size()) {
      return Status::Corrupt(fmt::format("model attribute best_score is '{}'", *best_sc));
    }
    best_score_ = v;
  }
  return Status::Ok();
}

Result<std::string> Booster::ToJson() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterSaveModelToBuffer(handle_.get(), R"({"format":"json"})", &len, &data),
                                    StatusCode::kInternal, "saving the model as JSON"));
  return std::string(data, len);
}

Result<std::string> Booster::ConfigJson() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterSaveJsonConfig(handle_.get(), &len, &data), StatusCode::kInternal,
                                    "reading the model configuration"));
  return std::string(data, len);
}

Result<Booster::Kind> Booster::ReadKind() const {
  TRAFFIC_ASSIGN_OR_RETURN(std::string config, ConfigJson());
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(config).get(root) != simdjson::SUCCESS) {
    return Status::Corrupt("XGBoost's model configuration is not JSON");
  }
  std::string_view objective;
  std::string_view num_class;
  if (root["learner"]["objective"]["name"].get(objective) != simdjson::SUCCESS) {
    return Status::Corrupt("the model configuration has no objective");
  }
  if (root["learner"]["learner_model_param"]["num_class"].get(num_class) != simdjson::SUCCESS) {
    return Status::Corrupt("the model configuration has no num_class");
  }
  Kind kind;
  kind.objective = std::string(objective);
  auto [p, ec] = std::from_chars(num_class.data(), num_class.data() + num_class.size(), kind.num_class);
  if (ec != std::errc() || p != num_class.data() + num_class.size()) {
    return Status::Corrupt(fmt::format("the model's num_class is '{}'", num_class));
  }
  return kind;
}

Result<std::vector<float>> Booster::Predict(const FeatureMatrix& x, std::size_t outputs_per_row) const {
  TRAFFIC_RETURN_IF_ERROR(x.Validate());
  TRAFFIC_RETURN_IF_ERROR(CheckFeatureLayout(feature_names_, x.feature_names));
  if (x.num_rows == 0) return std::vector<float>();
  TRAFFIC_ASSIGN_OR_RETURN(DMatrixPtr m, MakeDMatrix(x, nthread_, "prediction"));
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  constexpr const char* kConfig =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": true})";
  TRAFFIC_RETURN_IF_ERROR(XgbStatus(XGBoosterPredictFromDMatrix(handle_.get(), m.get(), kConfig, &shape, &dim, &out),
                                    StatusCode::kInternal, "predicting"));
  std::size_t total = 1;
  for (bst_ulong i = 0; i < dim; ++i) total *= shape[i];
  if (dim != 2 || shape[0] != x.num_rows || shape[1] != outputs_per_row) {
    return Status::Internal(fmt::format("XGBoost returned {} values in {} dimensions for {} rows, expected {} per row",
                                        total, dim, x.num_rows, outputs_per_row));
  }
  return std::vector<float>(out, out + total);
}

}  // namespace traffic::model::internal

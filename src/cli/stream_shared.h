// Options and helpers shared by `traffic produce` and `traffic stream`.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "shared.h"
#include "traffic/codec/prediction_message.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/pipeline/stream_processor.h"
#include "traffic/pipeline/trip_source.h"

namespace traffic::cli {

// Where trips come from: --synthetic (the generator) or --input FILES|DIR.
struct SourceArgs {
  bool synthetic = false;
  std::vector<std::string> inputs;
  double rate = 100;      // events/s (0: as fast as possible)
  double speedup = 0;     // with --input: keep event-time spacing / X instead of --rate
  int64_t max_events = 0;
  uint64_t seed = 42;
  std::string start = "2016-01-04";
  int days = 365;
  int64_t trips_per_day = 400000;
};
void AddSourceOptions(CLI::App* c, SourceArgs* a);
core::Result<std::unique_ptr<pipeline::TripSource>> MakeSource(const SharedOptions& shared, const SourceArgs& a);

// Kafka settings as users of kcat expect.
struct KafkaArgs {
  std::vector<std::string> properties;  // -X key=value
  int partitions = 4;
  int replication = 1;
  std::string input_topic = "taxi-trips";
  std::string output_topic = "traffic-predictions";
  std::string dead_letter_topic = "traffic-dead-letter";
  std::string state_topic = "traffic-stream-state";
  std::string group = "traffic-stream";
  std::string worker_id = "0";
  int commit_interval_ms = 200;
  bool create_topics = true;
};
void AddKafkaOptions(CLI::App* c, KafkaArgs* a);

struct StreamArgs {
  SourceArgs source;
  KafkaArgs kafka;
  std::string model_version = "latest";
  bool allow_no_model = false;
  int lateness_s = 120;
  int idle_timeout_s = 60;
  size_t console_rows = 10;
  std::string output = "console";
  double duration_s = 0;
  bool embedded = false;
};

class ConsoleTable {
 public:
  explicit ConsoleTable(size_t max_rows) : max_rows_(max_rows) {}
  void Write(const std::vector<codec::PredictionRecord>& records);

 private:
  size_t max_rows_;
};

void InstallStopSignals();
const std::atomic<bool>* StopFlag();
core::Result<std::unique_ptr<pipeline::Forecaster>> LoadStreamModel(fs::FileSystem& fs, const SharedOptions& shared,
                                                                    const StreamArgs& a);
pipeline::StreamOptions StreamOptionsFrom(const StreamArgs& a);
std::string WriterId();
int RunKafkaStream(const SharedOptions& shared, const StreamArgs& a);

}  // namespace traffic::cli

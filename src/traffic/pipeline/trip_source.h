// Where `traffic produce` and the embedded stream get trips from, always in event-time
// (dropoff) order, as a trip becomes an event when it ends:
//   - synthetic: the generator (its trips come in pickup order; a reorder buffer releases each
//     trip once no later-generated trip can end before it: memory = trips in flight, ~hours x rate)
//   - clean trips: a processed/ folder (already in event-time order per month, merged)
//   - raw CSV files or folders: run through `traffic clean`'s step (same rules, same
//     de-duplication) into a scratch folder under /tmp, removed with the source, then read back
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/generate/generator.h"
#include "traffic/pipeline/reference_data.h"
#include "traffic/pipeline/trip_table.h"

namespace traffic::pipeline {

class TripSource {
 public:
  virtual ~TripSource() = default;
  // The next trip in event-time order; false at the end.
  virtual core::Result<bool> Next(StoredTrip* out) = 0;
  virtual std::string Describe() const = 0;
};

// Where replay scratch goes: $TMPDIR, else /tmp.
std::string ReplayScratchParent();
// Removes `traffic-replay-PID-*` folders in `parent` whose process is gone; returns how many.
int SweepDeadReplayScratch(fs::FileSystem& local, const std::string& parent);

std::unique_ptr<TripSource> MakeSyntheticSource(generate::GeneratorOptions options,
                                                std::shared_ptr<const ReferenceData> reference);

// `paths`: a processed/ folder (has _SUCCESS), or CSV files / folders of CSV. CSV is cleaned
// into a scratch folder `traffic-replay-PID-XXXXXX` under ReplayScratchParent(), removed with
// the source; scratch of dead runs found there is swept first.
// The source keeps `fs` alive as long as it reads through it.
core::Result<std::unique_ptr<TripSource>> MakeFileSource(std::shared_ptr<fs::FileSystem> fs,
                                                         const std::vector<std::string>& paths,
                                                         std::shared_ptr<const ReferenceData> reference);

// What `traffic produce` and `traffic stream --embedded` read: --synthetic or --input.
struct TripSourceOptions {
  bool synthetic = false;                    // the generator, endless by default (days x trips_per_day)
  std::vector<std::string> inputs;           // else: a processed/ folder, or CSV files / folders of CSV
  std::shared_ptr<fs::FileSystem> input_fs;  // where `inputs` are (HDFS with --hdfs); null: the local disk
  uint64_t seed = 42;                        // --synthetic only, from here on
  std::string start = "2016-01-04";          // first New York local day, YYYY-MM-DD
  int days = 365;
  int64_t trips_per_day = 400000;
  std::string geo_dir;  // reference data (ResolveGeoDir)
  // Only the trips after this instant (a producer resuming after its topic's last event:
  // pipeline/produce_resume.h).
  std::optional<core::UtcTime> resume_after;
};

// Loads the reference data the source needs and opens it. InvalidArgument when neither or both
// of synthetic and inputs are given, or start is not a date.
core::Result<std::unique_ptr<TripSource>> OpenTripSource(const TripSourceOptions& options);

}  // namespace traffic::pipeline

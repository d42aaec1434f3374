// `traffic generate`: synthetic NYC trips (generate::TripGenerator) as TLC CSV in the 2015 yellow
// layout, streamed to disk: one file per New York local month of pickups in raw_dir
// (synthetic_yellow_YYYY-MM.csv; a rerun replaces earlier synthetic files and leaves other files
// alone), or one file at out_path. Every file is written atomically.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/generate/generator.h"

namespace traffic::pipeline {

struct GenerateOptions {
  generate::GeneratorOptions generator;  // seed, start, days, trips per day, incidents per day
  std::string raw_dir;                   // the monthly files go here, unless out_path is given
  std::string out_path;                  // one CSV file instead
  std::string incidents_path;            // also write the incidents (ground truth) here; "" = no
  std::string geo_dir;                   // reference data (ResolveGeoDir): the land polygons
};

struct GenerateProgress {
  int64_t generated = 0;
  int64_t expected = 0;
};

struct GenerateSummary {
  int64_t trips = 0;
  int64_t incidents = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  std::vector<std::pair<std::string, int64_t>> files;  // path, rows
};

// `fs` holds raw_dir / out_path / incidents_path. `on_progress` (may be empty) is called every
// few MB written.
core::Result<GenerateSummary> RunGenerate(fs::FileSystem& fs, const GenerateOptions& options,
                                          const std::function<void(const GenerateProgress&)>& on_progress);

}  // namespace traffic::pipeline

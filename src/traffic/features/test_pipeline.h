// Test helper (not part of the library): events -> Windower -> FeatureBuilder (-> Labeler), wired
// as the batch and the stream wire them, draining every `chunk` events.
#pragma once

#include <vector>

#include "traffic/features/feature_builder.h"
#include "traffic/features/labeler.h"
#include "traffic/window/windower.h"

namespace traffic::features::testing {

inline std::vector<FeatureRow> RunPipeline(const std::vector<window::Event>& events, size_t chunk,
                                           const HistoricalProfile* profile = nullptr, bool label = true,
                                           LabelOptions label_options = {}) {
  window::Windower windower;
  FeatureOptions fo;
  fo.profile = profile;
  FeatureBuilder builder(fo);
  Labeler labeler(label_options);
  std::vector<window::WindowAggregate> closed;
  std::vector<FeatureRow> rows, out;
  auto pass_rows = [&] {
    for (auto& r : rows) {
      if (label) {
        labeler.AddRow(r);
      } else {
        out.push_back(r);
      }
    }
    rows.clear();
  };
  auto drain = [&] {
    windower.TakeClosed(&closed);
    for (const auto& w : closed) {
      builder.AddWindow(w, &rows);
      pass_rows();
      if (label) labeler.AddWindow(w, &out);
    }
    closed.clear();
    if (auto c = windower.closed_until()) {
      builder.AdvanceTo(*c, &rows);
      pass_rows();
      if (label) labeler.AdvanceTo(*c, &out);
    }
  };
  for (size_t i = 0; i < events.size(); ++i) {
    windower.Add(events[i]);
    if ((i + 1) % chunk == 0) drain();
  }
  windower.Flush();
  drain();
  if (label) labeler.Finish(&out);
  return out;
}

}  // namespace traffic::features::testing

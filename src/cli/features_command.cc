// traffic features: clean trips (DIR/processed) -> forecast examples (DIR/features).
#include <fmt/format.h>

#include "commands.h"
#include "traffic/core/text.h"
#include "traffic/pipeline/layout_steps.h"

namespace traffic::cli {

void PrintFeaturesSummary(const pipeline::FeaturesSummary& s) {
  using core::WithThousands;
  fmt::print("Features: {} trips -> {} windows -> {} examples in {:.1f} s ({} trips/s)\n", WithThousands(s.trips),
             WithThousands(s.windows), WithThousands(s.rows_train + s.rows_test), s.seconds,
             WithThousands(static_cast<int64_t>(s.seconds > 0 ? s.trips / s.seconds : 0)));
  fmt::print("  days {} ({} .. {}), test period: last {} day(s) from {}\n", s.days, core::FormatIsoUtc(s.first_event),
             core::FormatIsoUtc(s.last_event), s.test_days, core::FormatIsoUtc(s.split));
  fmt::print("  examples: train {}, test {} (embargoed at the split: {})\n", WithThousands(s.rows_train),
             WithThousands(s.rows_test), WithThousands(s.rows_embargoed));
  for (size_t h = 0; h < 3; ++h) {
    fmt::print("  labelled at {:>2} min: train {}, test {}\n", features::kHorizonsMin[h],
               WithThousands(s.labelled_train[h]), WithThousands(s.labelled_test[h]));
  }
  fmt::print("Output: {}\n", s.features_dir);
}

Command AddFeaturesCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("features", "Build forecast examples from clean trips (time split, no leakage)");
  AddSharedOptions(c, &shared);
  auto options = std::make_shared<pipeline::FeaturesOptions>();
  AddFeaturesOptions(c, options.get());
  return {c, [&shared, options]() -> int {
            InitLogging(shared);
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(shared, layout_fs.status(), "features");
            auto summary = pipeline::RunFeaturesInLayout(**layout_fs, shared.Layout(), *options);
            if (!summary.ok()) return Fail(shared, summary.status(), "features");
            if (shared.json) {
              fmt::print("{}\n", summary->ToJson());
            } else {
              PrintFeaturesSummary(*summary);
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli

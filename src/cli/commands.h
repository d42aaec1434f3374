// One Add*Command per subcommand file; main.cc wires them.
#pragma once

#include "shared.h"

#include <memory>

#include "traffic/pipeline/clean_step.h"
#include "traffic/pipeline/features_step.h"
#include "traffic/pipeline/train_step.h"

namespace traffic::cli {

// Option sets shared by a step's own command and `traffic all`.
struct CleanArgs {
  std::shared_ptr<pipeline::CleanOptions> options;
  std::shared_ptr<size_t> memory_mb;
};
CleanArgs AddCleanOptions(CLI::App* c);
std::shared_ptr<pipeline::FeaturesOptions> AddFeaturesOptions(CLI::App* c);
std::shared_ptr<pipeline::TrainOptions> DefaultTrainOptions();
std::shared_ptr<pipeline::TrainOptions> AddTrainOptions(CLI::App* c);
void PrintCleanSummary(const pipeline::CleanSummary& s);
void PrintFeaturesSummary(const pipeline::FeaturesSummary& s);
std::string NowVersion();
core::Result<pipeline::CleanSummary> RunCleanStep(const SharedOptions& shared, fs::FileSystem& layout_fs,
                                                  pipeline::CleanOptions& options,
                                                  const std::vector<std::string>& inputs, size_t memory_mb);

Command AddGenerateCommand(CLI::App& app, SharedOptions& shared);
Command AddCleanCommand(CLI::App& app, SharedOptions& shared);
Command AddFeaturesCommand(CLI::App& app, SharedOptions& shared);
Command AddTrainCommand(CLI::App& app, SharedOptions& shared);
Command AddAllCommand(CLI::App& app, SharedOptions& shared);
Command AddStreamCommand(CLI::App& app, SharedOptions& shared);
Command AddProduceCommand(CLI::App& app, SharedOptions& shared);
Command AddServeCommand(CLI::App& app, SharedOptions& shared);
Command AddDemoCommand(CLI::App& app, SharedOptions& shared);

}  // namespace traffic::cli

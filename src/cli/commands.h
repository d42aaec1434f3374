// One Add*Command per subcommand file; main.cc wires them. Each binds its flags straight into
// the pipeline's options struct, calls one pipeline function and prints the result.
#pragma once

#include "shared.h"

#include <memory>

#include "traffic/pipeline/clean_step.h"
#include "traffic/pipeline/features_step.h"
#include "traffic/pipeline/produce.h"
#include "traffic/pipeline/topics.h"
#include "traffic/pipeline/train_step.h"
#include "traffic/pipeline/trip_source.h"

namespace traffic::cli {

// Option sets shared by a step's own command and `traffic all` (or `produce` and `stream`).
void AddCleanOptions(CLI::App* c, pipeline::CleanOptions* options);
void AddFeaturesOptions(CLI::App* c, pipeline::FeaturesOptions* options);
void AddSourceOptions(CLI::App* c, pipeline::TripSourceOptions* source, pipeline::ProduceOptions* produce);
void AddKafkaOptions(CLI::App* c, pipeline::KafkaOptions* kafka);
// --duration: seconds, finite and >= 0.
void AddDurationOption(CLI::App* c, double* duration_s, const std::string& help);
// Usage checks across options, run when the command line is parsed (exit 2 naming the options).
void CheckThresholds(CLI::App* c, const window::LevelThresholds* thresholds);

void PrintCleanSummary(const pipeline::CleanSummary& s);
void PrintFeaturesSummary(const pipeline::FeaturesSummary& s);
void PrintTrainSummary(const pipeline::TrainSummary& s);
// Wires a clean run's progress to a ProgressLine.
void ShowCleanProgress(pipeline::CleanOptions* options, ProgressLine* progress);

Command AddGenerateCommand(CLI::App& app, SharedOptions& shared);
Command AddCleanCommand(CLI::App& app, SharedOptions& shared);
Command AddFeaturesCommand(CLI::App& app, SharedOptions& shared);
Command AddTrainCommand(CLI::App& app, SharedOptions& shared);
Command AddAllCommand(CLI::App& app, SharedOptions& shared);
Command AddStreamCommand(CLI::App& app, SharedOptions& shared);
Command AddProduceCommand(CLI::App& app, SharedOptions& shared);
Command AddServeCommand(CLI::App& app, SharedOptions& shared);
Command AddDemoCommand(CLI::App& app, SharedOptions& shared);
Command AddTopicsCommand(CLI::App& app, SharedOptions& shared);
Command AddHdfsCommand(CLI::App& app, SharedOptions& shared);

}  // namespace traffic::cli

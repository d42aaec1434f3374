// One Add*Command per subcommand file; main.cc wires them.
#pragma once

#include "shared.h"

namespace traffic::cli {

Command AddGenerateCommand(CLI::App& app, SharedOptions& shared);
Command AddCleanCommand(CLI::App& app, SharedOptions& shared);
Command AddFeaturesCommand(CLI::App& app, SharedOptions& shared);
Command AddTrainCommand(CLI::App& app, SharedOptions& shared);

}  // namespace traffic::cli

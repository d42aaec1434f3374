// traffic: the one binary of Smart City Traffic. Parses the command line, runs one subcommand,
// and is (with the rest of src/cli) the only code that prints to stdout or chooses the exit code.
//
// Exit codes: 0 success, 1 the run failed, 2 bad usage, 70 internal error (an exception escaped
// our code: a bug; one line names it).
#include <cstdio>
#include <exception>
#include <vector>

#include "commands.h"

namespace {

int Run(int argc, char** argv) {
  using namespace traffic::cli;
  CLI::App app{"Smart City Traffic: NYC taxi trips -> live congestion map and 15/30/60-minute forecasts"};
  app.set_version_flag("--version", "traffic 0.1.0");
  app.require_subcommand(1);
  SharedOptions shared;
  std::vector<Command> commands;
#ifdef TRAFFIC_HAVE_GENERATE
  commands.push_back(AddGenerateCommand(app, shared));
#endif
  commands.push_back(AddCleanCommand(app, shared));
  commands.push_back(AddFeaturesCommand(app, shared));
  commands.push_back(AddTrainCommand(app, shared));
  commands.push_back(AddAllCommand(app, shared));
  commands.push_back(AddProduceCommand(app, shared));
  commands.push_back(AddStreamCommand(app, shared));
  commands.push_back(AddServeCommand(app, shared));
  commands.push_back(AddDemoCommand(app, shared));
  commands.push_back(AddTopicsCommand(app, shared));
  commands.push_back(AddHdfsCommand(app, shared));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (auto& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "traffic: internal error: %s (a bug: please report it with the command line)\n", e.what());
  } catch (...) {
    std::fprintf(stderr,
                 "traffic: internal error: unknown exception (a bug: please report it with the command line)\n");
  }
  return traffic::cli::kExitInternal;
}

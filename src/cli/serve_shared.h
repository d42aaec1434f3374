// Options shared by `traffic serve` and `traffic demo`.
#pragma once

#include "shared.h"
#include "traffic/pipeline/serve.h"

namespace traffic::cli {

void AddServeHttpOptions(CLI::App* c, pipeline::ServeOptions* o);
void PrintServeSummary(const SharedOptions& shared, const char* step, const pipeline::ServeSummary& s);

}  // namespace traffic::cli

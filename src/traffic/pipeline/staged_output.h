// A step's output folder that appears complete or not at all (DESIGN.md "Storage layout"): the
// step writes into a staging folder beside it; Commit() writes _SUCCESS (the run summary), makes
// everything durable and swaps the staging folder in; destroying an uncommitted StagedOutput
// removes the staging folder and leaves the previous output as it was.
//
// The swap is one atomic step (issue 8 #7): fs::FileSystem::Exchange (renameat2(RENAME_EXCHANGE)
// on the local disk) trades the staging folder and the old output, so at every instant the final
// name holds either the complete old output or the complete new one; the old one is removed
// afterwards. Before the swap every file and folder of the new output is synced (fsync), so a
// power loss cannot leave a swapped-in but empty file.
//
// Begin() first recovers and sweeps what dead runs left beside the output (only names of the
// form `<final>.staging-PID-*`, `<final>.old-PID*`, `.<final>.tmp-PID-*` whose process is gone):
// an old output parked by an interrupted swap of an earlier version is put back when the final
// name is missing; everything else is removed.
#pragma once

#include <string>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"

namespace traffic::pipeline {

class StagedOutput {
 public:
  StagedOutput(fs::FileSystem& fs, std::string final_dir);
  ~StagedOutput();
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;

  core::Status Begin();  // recovers/sweeps, then creates an empty, uniquely named staging folder
  const std::string& staging_dir() const { return staging_; }  // empty before Begin()
  const std::string& final_dir() const { return final_; }
  std::string StagingPath(const std::string& relative) const { return fs::JoinPath(staging_, relative); }
  std::string FinalPath(const std::string& relative) const { return fs::JoinPath(final_, relative); }
  core::Status Commit(const std::string& success_json);

 private:
  fs::FileSystem& fs_;
  std::string final_;
  std::string staging_;
  bool committed_ = false;
};

// Recovers and removes the debris of dead runs in folder `dir` whose names start with `name`
// (or "." + `name`) followed by a staging, old or temporary marker (fs::IsDebrisOfDeadRun).
// When `dir`/`name` is missing and a parked old output of a dead run exists, it is renamed back.
// Returns how many entries were removed or restored.
core::Result<int> RecoverAndSweep(fs::FileSystem& fs, const std::string& dir, const std::string& name);

// The _SUCCESS file of a committed output; NotFound naming what to run first when there is none;
// the file system's own error when it cannot tell (a NameNode that is down is not "run clean").
core::Result<std::string> ReadSuccess(fs::FileSystem& fs, const std::string& dir, const std::string& produced_by);

}  // namespace traffic::pipeline

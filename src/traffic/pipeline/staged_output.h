// A step's output folder that appears complete or not at all (DESIGN.md "Storage layout"): the
// step writes into a staging folder beside it; Commit() writes _SUCCESS (the run summary) and
// swaps the staging folder in; destroying an uncommitted StagedOutput removes the staging folder
// and leaves the previous output as it was.
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

  core::Status Begin();  // creates an empty staging folder
  const std::string& staging_dir() const { return staging_; }
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

// The _SUCCESS file of a committed output, or NotFound naming what to run first.
core::Result<std::string> ReadSuccess(fs::FileSystem& fs, const std::string& dir,
                                      const std::string& produced_by);

}  // namespace traffic::pipeline

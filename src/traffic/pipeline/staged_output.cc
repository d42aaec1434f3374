#include "traffic/pipeline/staged_output.h"

#include <unistd.h>

namespace traffic::pipeline {

StagedOutput::StagedOutput(fs::FileSystem& fs, std::string final_dir)
    : fs_(fs), final_(std::move(final_dir)), staging_(final_ + ".staging-" + std::to_string(::getpid())) {}

StagedOutput::~StagedOutput() {
  if (!committed_) (void)fs_.RemoveAll(staging_);
}

core::Status StagedOutput::Begin() {
  TRAFFIC_RETURN_IF_ERROR(fs_.RemoveAll(staging_));
  return fs_.MakeDirs(staging_);
}

core::Status StagedOutput::Commit(const std::string& success_json) {
  TRAFFIC_RETURN_IF_ERROR(fs_.WriteAll(fs::JoinPath(staging_, "_SUCCESS"), success_json + "\n"));
  std::string trash = final_ + ".old-" + std::to_string(::getpid());
  if (fs_.Exists(final_)) TRAFFIC_RETURN_IF_ERROR(fs_.Rename(final_, trash));
  TRAFFIC_RETURN_IF_ERROR(fs_.Rename(staging_, final_));
  committed_ = true;
  return fs_.RemoveAll(trash);
}

core::Result<std::string> ReadSuccess(fs::FileSystem& fs, const std::string& dir,
                                      const std::string& produced_by) {
  auto text = fs.ReadAll(fs::JoinPath(dir, "_SUCCESS"));
  if (!text.ok()) {
    return core::Status::NotFound(dir + " has no complete output (no _SUCCESS): run `traffic " +
                                  produced_by + "` first");
  }
  return text;
}

}  // namespace traffic::pipeline

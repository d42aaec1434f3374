#include "traffic/testing/status_matchers.h"

namespace traffic::testing {

std::string_view StatusCodeName(core::StatusCode code) {
  switch (code) {
    case core::StatusCode::kOk:
      return "kOk";
    case core::StatusCode::kInvalidArgument:
      return "kInvalidArgument";
    case core::StatusCode::kNotFound:
      return "kNotFound";
    case core::StatusCode::kIoError:
      return "kIoError";
    case core::StatusCode::kCorrupt:
      return "kCorrupt";
    case core::StatusCode::kUnavailable:
      return "kUnavailable";
    case core::StatusCode::kInternal:
      return "kInternal";
  }
  return "unknown status code";
}

::testing::AssertionResult IsOkStatus(const char* expr_text, const core::Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expr_text << " is not OK: " << StatusCodeName(status.code()) << ": "
                                       << status.message();
}

}  // namespace traffic::testing

#include "traffic/testing/status_matchers.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

namespace traffic::testing {
namespace {

using core::Result;
using core::Status;

Status Broken() { return Status::IoError("write out/part-0: disk on fire"); }
Result<int> Missing() { return Status::NotFound("open model.json: no such file"); }
Result<int> Seven() { return 7; }

TEST(StatusMatchers, PassOnOk) {
  EXPECT_OK(Status::Ok());
  ASSERT_OK(Seven());
  ASSERT_OK_AND_ASSIGN(int seven, Seven());
  EXPECT_EQ(seven, 7);
  int reused = 0;
  ASSERT_OK_AND_ASSIGN(reused, Seven());
  EXPECT_EQ(reused, 7);
}

TEST(StatusMatchers, FailuresPrintTheExpressionCodeAndMessage) {
  EXPECT_NONFATAL_FAILURE(EXPECT_OK(Broken()), "Broken() is not OK: kIoError: write out/part-0: disk on fire");
  EXPECT_NONFATAL_FAILURE(EXPECT_OK(Missing()), "kNotFound: open model.json: no such file");
  EXPECT_FATAL_FAILURE(ASSERT_OK(Broken()), "disk on fire");
  EXPECT_FATAL_FAILURE(ASSERT_OK(Missing()), "no such file");
  EXPECT_NONFATAL_FAILURE(EXPECT_OK(Broken()) << "while cleaning", "while cleaning");
}

TEST(StatusMatchers, AssertOkAndAssignStopsTheTestOnError) {
  EXPECT_FATAL_FAILURE(
      {
        ASSERT_OK_AND_ASSIGN(int v, Missing());
        ADD_FAILURE() << "not reached " << v;
      },
      "Missing() is not OK: kNotFound: open model.json: no such file");
}

int calls = 0;
Result<int> Counted() {
  ++calls;
  return 1;
}

TEST(StatusMatchers, EvaluateTheExpressionOnce) {
  calls = 0;
  EXPECT_OK(Counted());
  ASSERT_OK(Counted());
  ASSERT_OK_AND_ASSIGN(int one, Counted());
  EXPECT_EQ(one, 1);
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace traffic::testing

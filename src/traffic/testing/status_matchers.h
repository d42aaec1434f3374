// GoogleTest assertions for core::Status and core::Result<T> that say why they failed: the
// expression, the status code and the status message, where EXPECT_TRUE(x.ok()) prints "false".
//
//   EXPECT_OK(fs->WriteAll("a", "x"));           // Status or Result<T>; evaluated once
//   ASSERT_OK(RunClean(...)) << "while cleaning";  // streams extra context like any assertion
//   ASSERT_OK_AND_ASSIGN(auto summary, RunClean(...));  // declares or assigns lhs on success
//
// Like every ASSERT_*, ASSERT_OK and ASSERT_OK_AND_ASSIGN return from the enclosing function on
// failure, so they belong in functions returning void.
#pragma once

#include <gtest/gtest.h>

#include <concepts>
#include <string>
#include <string_view>
#include <utility>

#include "traffic/core/status.h"

namespace traffic::testing {

// "kIoError" etc., for messages.
std::string_view StatusCodeName(core::StatusCode code);

// The predicate-formatter behind the macros: success, or "<expr> is not OK: kCode: message".
::testing::AssertionResult IsOkStatus(const char* expr_text, const core::Status& status);

// Also takes the other status types with ok(): those with status() (core::Result<T>,
// kafka::TxnStatus) print that status; those with reason() (codec::DecodeStatus) the reason.
template <typename T>
::testing::AssertionResult IsOkStatus(const char* expr_text, const T& value) {
  if constexpr (requires {
                  { value.status() } -> std::convertible_to<const core::Status&>;
                }) {
    if (value.ok()) return ::testing::AssertionSuccess();
    if (value.status().ok()) return ::testing::AssertionFailure() << expr_text << " is not OK";
    return IsOkStatus(expr_text, static_cast<const core::Status&>(value.status()));
  } else if constexpr (requires {
                         { value.reason() } -> std::convertible_to<std::string>;
                       }) {
    if (value.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << expr_text << " is not OK: " << value.reason();
  } else {
    static_assert(sizeof(T) == 0,
                  "EXPECT_OK/ASSERT_OK take a core::Status, a core::Result<T>, or a "
                  "status type with ok() and status() or reason()");
    return ::testing::AssertionFailure();
  }
}

}  // namespace traffic::testing

#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::traffic::testing::IsOkStatus, expr)
#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::traffic::testing::IsOkStatus, expr)

#define TRAFFIC_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr, text)                   \
  auto tmp = (expr);                                                              \
  GTEST_ASSERT_(::traffic::testing::IsOkStatus(text, tmp), GTEST_FATAL_FAILURE_); \
  lhs = std::move(tmp).value()

// Evaluates `expr` (a core::Result<T>) once; on error fails the test and returns; else moves the
// value into `lhs` (`auto x`, `const auto& x`, `x`; an lhs with a comma needs parentheses
// elsewhere, e.g. assign to a variable and unpack it).
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  TRAFFIC_ASSERT_OK_AND_ASSIGN_IMPL(TRAFFIC_CONCAT(_traffic_result_, __LINE__), lhs, expr, #expr)

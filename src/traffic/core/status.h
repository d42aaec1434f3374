// Status and Result<T>: how operational failures travel in Smart City Traffic.
//
// Contract: a function that can fail for reasons outside the program (a file, a URI, a broker)
// returns Status or Result<T>; the message names the thing that failed (file, line, field, URI,
// topic). Bad *data* is not a Status: it is a counted reject (see traffic::clean). Bugs are
// assertions. No exception escapes our code.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace traffic::core {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad usage or a request that can never succeed as stated
  kNotFound,         // a file, folder, column or topic that is not there
  kIoError,          // the OS or a service failed us
  kCorrupt,          // the bytes are there but not what they claim to be
  kUnavailable,      // a service that may come back (broker, NameNode)
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "context: message", for adding the file or step a lower layer did not know.
  Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    return Status(code_, std::string(context) + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, like arrow::Result
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace traffic::core

#define TRAFFIC_CONCAT_INNER(a, b) a##b
#define TRAFFIC_CONCAT(a, b) TRAFFIC_CONCAT_INNER(a, b)

#define TRAFFIC_RETURN_IF_ERROR(expr)     \
  do {                                    \
    ::traffic::core::Status _st = (expr); \
    if (!_st.ok()) return _st;            \
  } while (0)

#define TRAFFIC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#define TRAFFIC_ASSIGN_OR_RETURN(lhs, expr) TRAFFIC_ASSIGN_OR_RETURN_IMPL(TRAFFIC_CONCAT(_result_, __LINE__), lhs, expr)

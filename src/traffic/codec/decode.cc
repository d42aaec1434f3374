#include "traffic/codec/decode.h"

namespace traffic::codec {

std::string_view DecodeErrorKindName(DecodeErrorKind kind) {
  switch (kind) {
    case DecodeErrorKind::kNone:
      return "ok";
    case DecodeErrorKind::kMalformed:
      return "malformed";
    case DecodeErrorKind::kMissingField:
      return "missing_field";
    case DecodeErrorKind::kWrongType:
      return "wrong_type";
    case DecodeErrorKind::kOutOfRange:
      return "out_of_range";
    case DecodeErrorKind::kInconsistent:
      return "inconsistent";
  }
  return "unknown";
}

std::string_view DeadLetterKindName(DeadLetterKind kind) {
  switch (kind) {
    case DeadLetterKind::kMalformed:
      return "malformed";
    case DeadLetterKind::kLate:
      return "late";
    case DeadLetterKind::kInvalid:
      return "invalid";
  }
  return "unknown";
}

std::optional<DeadLetterKind> ParseDeadLetterKind(std::string_view name) {
  if (name == "malformed") return DeadLetterKind::kMalformed;
  if (name == "late") return DeadLetterKind::kLate;
  if (name == "invalid") return DeadLetterKind::kInvalid;
  return std::nullopt;
}

DeadLetterKind DeadLetterKindFor(DecodeErrorKind kind) {
  switch (kind) {
    case DecodeErrorKind::kOutOfRange:
    case DecodeErrorKind::kInconsistent:
      return DeadLetterKind::kInvalid;
    default:
      return DeadLetterKind::kMalformed;
  }
}

}  // namespace traffic::codec

#include "traffic/codec/field_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

#include "traffic/codec/json_append.h"

namespace traffic::codec::internal {
namespace {

static_assert(simdjson::SIMDJSON_PADDING <= 64, "PaddedParser rounds capacity with 64");

std::string_view TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "something else";
}

std::string_view Token(od::value& v) {
  std::string_view t = v.raw_json_token();
  while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' || t.back() == '\t')) {
    t.remove_suffix(1);
  }
  return t;
}

std::string Field(std::string_view field) { return std::string(field) + ": "; }

}  // namespace

DecodeStatus PaddedParser::Open(std::string_view json, od::document* doc, od::object* object) {
  if (json.size() > max_bytes_) {
    return MalformedJson("message of " + std::to_string(json.size()) + " bytes is larger than " +
                         std::to_string(max_bytes_));
  }
  size_t need = json.size() + simdjson::SIMDJSON_PADDING;
  if (need > capacity_) {
    size_t cap = std::max<size_t>(need, std::max<size_t>(capacity_ * 2, 1024));
    buf_ = std::make_unique<char[]>(cap);
    capacity_ = cap;
  }
  if (!json.empty()) std::memcpy(buf_.get(), json.data(), json.size());
  // simdjson reads (never interprets) the padding; keep it deterministic.
  std::memset(buf_.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  simdjson::error_code e = parser_.iterate(buf_.get(), json.size(), capacity_).get(*doc);
  if (e != simdjson::SUCCESS) return MalformedJson(e);
  e = doc->get_object().get(*object);
  if (e == simdjson::INCORRECT_TYPE) return MalformedJson("the message is not a JSON object");
  if (e != simdjson::SUCCESS) return MalformedJson(e);
  // One object and nothing after it but whitespace. simdjson On-Demand checks only that the last
  // token closes the document, so `{..} {..}` or `{..}}` would pass: skip the object (a walk over
  // the structural index stage 1 already built) and see where the next token starts; at the end
  // of the input that is the input's end.
  std::string_view extent;
  e = object->raw_json().get(extent);
  if (e != simdjson::SUCCESS) return MalformedJson(e);
  if (extent.data() + extent.size() != buf_.get() + json.size()) {
    return MalformedJson("content after the JSON object, at byte " +
                         std::to_string(extent.data() + extent.size() - buf_.get()));
  }
  doc->rewind();
  e = doc->get_object().get(*object);
  if (e != simdjson::SUCCESS) return MalformedJson(e);
  return {};
}

DecodeStatus MalformedJson(simdjson::error_code error) {
  std::string_view what;
  switch (error) {
    case simdjson::UTF8_ERROR:
      what = "the input is not valid UTF-8";
      break;
    case simdjson::EMPTY:
      what = "the message is empty";
      break;
    case simdjson::UNCLOSED_STRING:
      what = "unclosed string (truncated message?)";
      break;
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      what = "unclosed object or array (truncated message?)";
      break;
    case simdjson::UNESCAPED_CHARS:
      what = "unescaped control character in a string";
      break;
    default:
      what = simdjson::error_message(error);
      break;
  }
  return MalformedJson(what);
}

DecodeStatus MalformedJson(std::string_view what) {
  return {DecodeErrorKind::kMalformed, "malformed JSON: " + std::string(what)};
}

DecodeStatus Missing(std::string_view field) { return {DecodeErrorKind::kMissingField, Field(field) + "missing"}; }

DecodeStatus Duplicate(std::string_view field) {
  return {DecodeErrorKind::kMalformed, Field(field) + "given more than once"};
}

DecodeStatus OutOfRange(std::string_view field, std::string_view detail) {
  return {DecodeErrorKind::kOutOfRange, Field(field) + "out of range: " + std::string(detail)};
}

DecodeStatus FieldError(DecodeErrorKind kind, std::string_view field, std::string_view text) {
  return {kind, Field(field) + std::string(text)};
}

DecodeStatus BadValue(std::string_view field, std::string_view expected, simdjson::error_code error, od::value& v) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) {
    // Not a JSON value at all: NaN, Infinity, 'single quotes', a stray comma.
    std::string_view token = Token(v);
    if (token.empty() || token.front() == ',' || token.front() == '}' || token.front() == ']') {
      return {DecodeErrorKind::kMalformed, Field(field) + "no value"};
    }
    return {DecodeErrorKind::kMalformed, Field(field) + "not a JSON value: " + Excerpt(token)};
  }
  std::string_view token = Token(v);
  // type() looks at the first byte only: "nan" looks like null, "tru" like a boolean.
  if ((type == od::json_type::null && token != "null") ||
      (type == od::json_type::boolean && token != "true" && token != "false")) {
    return {DecodeErrorKind::kMalformed, Field(field) + "not a JSON value: " + Excerpt(token)};
  }
  if (type == od::json_type::number && expected == "a number") {
    double d;
    auto r = std::from_chars(token.data(), token.data() + token.size(), d);
    if (r.ec == std::errc::result_out_of_range) return OutOfRange(field, Excerpt(token));
    return {DecodeErrorKind::kMalformed, Field(field) + "not a valid number: " + Excerpt(token)};
  }
  if (type == od::json_type::number && expected == "an integer") {
    int64_t i;
    auto r = std::from_chars(token.data(), token.data() + token.size(), i);
    if (r.ec == std::errc::result_out_of_range || error == simdjson::NUMBER_OUT_OF_RANGE) {
      return OutOfRange(field, Excerpt(token));
    }
    return {DecodeErrorKind::kWrongType, Field(field) + "wrong type: expected an integer, got " + Excerpt(token)};
  }
  if (error != simdjson::INCORRECT_TYPE) {
    // The right kind of token, but broken (e.g. "nul", a bad escape in a string).
    return {DecodeErrorKind::kMalformed,
            Field(field) + "malformed value: " + Excerpt(token) + " (" + simdjson::error_message(error) + ")"};
  }
  return {DecodeErrorKind::kWrongType,
          Field(field) + "wrong type: expected " + std::string(expected) + ", got " + std::string(TypeName(type))};
}

bool Require(od::object& object, std::string_view name, od::value* v, DecodeStatus* st) {
  if (Find(object, name, v, st)) return true;
  if (st->ok()) *st = Missing(name);
  return false;
}

bool ReadTime(od::value& v, std::string_view field, core::UtcTime* out, DecodeStatus* st) {
  std::string_view s;
  if (!ReadString(v, field, &s, st)) return false;
  std::optional<core::UtcTime> t = ParseIsoUtc(s);
  if (t) [[likely]] {
    *out = *t;
    return true;
  }
  *st = FieldError(DecodeErrorKind::kOutOfRange, field,
                   "not an ISO-8601 UTC time like 2016-01-01T05:00:00Z: \"" + Excerpt(s) + "\"");
  return false;
}

}  // namespace traffic::codec::internal

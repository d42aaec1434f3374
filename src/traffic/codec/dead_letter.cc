#include "traffic/codec/dead_letter.h"

#include <simdjson.h>

#include <tuple>

#include "traffic/codec/field_reader.h"
#include "traffic/codec/json_append.h"

namespace traffic::codec {
namespace {

using internal::AppendKey;

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Writes bytes as "encoding":"...","name":"..." (encoding first so readers know how to read it).
void AppendBytes(std::string* out, std::string_view encoding_key, std::string_view key, std::string_view bytes) {
  bool utf8 = simdjson::validate_utf8(bytes.data(), bytes.size());
  AppendKey(out, encoding_key);
  internal::AppendJsonString(out, utf8 ? "utf-8" : "base64");
  AppendKey(out, key);
  if (utf8) {
    internal::AppendJsonString(out, bytes);
  } else {
    out->push_back('"');
    AppendBase64(bytes, out);
    out->push_back('"');
  }
}

void AppendOptionalTime(std::string* out, std::string_view key, const std::optional<core::UtcTime>& t) {
  AppendKey(out, key);
  if (t)
    internal::AppendIsoUtc(out, *t);
  else
    out->append("null");
}

}  // namespace

void AppendBase64(std::string_view bytes, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size(), i = 0;
  out->reserve(out->size() + (n + 2) / 3 * 4);
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    char q[4] = {kB64[v >> 18], kB64[(v >> 12) & 63], kB64[(v >> 6) & 63], kB64[v & 63]};
    out->append(q, 4);
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{p[i]} << 16;
    char q[4] = {kB64[v >> 18], kB64[(v >> 12) & 63], '=', '='};
    out->append(q, 4);
  } else if (n - i == 2) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    char q[4] = {kB64[v >> 18], kB64[(v >> 12) & 63], kB64[(v >> 6) & 63], '='};
    out->append(q, 4);
  }
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    if (pad == 1 && text[i + 2] == '=') return std::nullopt;  // "x=y=" style
    uint32_t v = 0;
    for (int k = 0; k < 4 - pad; ++k) {
      int d = value(text[i + static_cast<size_t>(k)]);
      if (d < 0) return std::nullopt;
      v |= static_cast<uint32_t>(d) << (18 - 6 * k);
    }
    out.push_back(static_cast<char>(v >> 16));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xFF));
    // Canonical: the bits dropped by the padding must be zero.
    if ((pad == 1 && (v & 0xFF)) || (pad == 2 && (v & 0xFFFF))) return std::nullopt;
  }
  return out;
}

void AppendDeadLetterMessage(const DeadLetterRecord& r, std::string* out, size_t max_payload_bytes) {
  std::string_view payload = r.payload;
  bool truncated = payload.size() > max_payload_bytes;
  if (truncated) {
    size_t n = max_payload_bytes;
    // In UTF-8, cut at a character boundary so the kept part stays valid (and is written as text).
    if (simdjson::validate_utf8(payload.data(), payload.size())) {
      while (n > 0 && (static_cast<unsigned char>(payload[n]) & 0xC0) == 0x80) --n;
    }
    payload = payload.substr(0, n);
  }
  out->push_back('{');
  AppendKey(out, "kind", /*first=*/true);
  internal::AppendJsonString(out, DeadLetterKindName(r.kind));
  AppendKey(out, "reason");
  internal::AppendJsonString(out, r.reason);
  AppendKey(out, "source_topic");
  internal::AppendJsonString(out, r.source_topic);
  AppendKey(out, "source_partition");
  internal::AppendInt(out, r.source_partition);
  AppendKey(out, "source_offset");
  internal::AppendInt(out, r.source_offset);
  if (r.key) {
    AppendBytes(out, "key_encoding", "key", *r.key);
  } else {
    out->append(",\"key_encoding\":null,\"key\":null");
  }
  AppendBytes(out, "payload_encoding", "payload", payload);
  AppendKey(out, "payload_bytes");
  internal::AppendInt(out, static_cast<int64_t>(r.payload.size()));
  AppendKey(out, "payload_truncated");
  internal::AppendBool(out, truncated);
  AppendOptionalTime(out, "event_time", r.event_time);
  AppendOptionalTime(out, "watermark", r.watermark);
  out->push_back('}');
}

DeadLetterDecoder::DeadLetterDecoder(DecoderOptions options)
    : parser_(std::make_unique<internal::PaddedParser>(options.max_message_bytes)) {}
DeadLetterDecoder::~DeadLetterDecoder() = default;
DeadLetterDecoder::DeadLetterDecoder(DeadLetterDecoder&&) noexcept = default;
DeadLetterDecoder& DeadLetterDecoder::operator=(DeadLetterDecoder&&) noexcept = default;

DecodeStatus DeadLetterDecoder::Decode(std::string_view json, DeadLetterRecord* out) {
  return internal::GuardedDecode([&] { return DecodeImpl(json, out); });
}

// Long because it is the message schema, one field after another, each with its own error.
DecodeStatus DeadLetterDecoder::DecodeImpl(std::string_view json, DeadLetterRecord* out) {
  namespace od = internal::od;
  od::document doc;
  od::object object;
  DecodeStatus st = parser_->Open(json, &doc, &object);
  if (!st.ok()) return st;

  DeadLetterRecord& r = *out;
  r = DeadLetterRecord{};
  // String fields are views into the parser's buffer, valid until the next Open.
  std::string_view kind_text, reason, topic, key_encoding, key, payload_encoding, payload;
  std::string_view event_time, watermark;
  bool key_null = false, key_encoding_null = false, event_time_null = false, watermark_null = false;
  int64_t partition = -1;
  od::value v;
  using internal::ReadString;
  using internal::Require;
  auto nullable = [&](std::string_view name, std::string_view* text, bool* is_null) {
    return Require(object, name, &v, &st) && internal::IsNull(v, name, is_null, &st) &&
           (*is_null || ReadString(v, name, text, &st));
  };
  if (!Require(object, "kind", &v, &st) || !ReadString(v, "kind", &kind_text, &st) ||
      !Require(object, "reason", &v, &st) || !ReadString(v, "reason", &reason, &st) ||
      !Require(object, "source_topic", &v, &st) || !ReadString(v, "source_topic", &topic, &st) ||
      !Require(object, "source_partition", &v, &st) || !internal::ReadInt(v, "source_partition", &partition, &st) ||
      !Require(object, "source_offset", &v, &st) || !internal::ReadInt(v, "source_offset", &r.source_offset, &st) ||
      !nullable("key_encoding", &key_encoding, &key_encoding_null) || !nullable("key", &key, &key_null) ||
      !Require(object, "payload_encoding", &v, &st) || !ReadString(v, "payload_encoding", &payload_encoding, &st) ||
      !Require(object, "payload", &v, &st) || !ReadString(v, "payload", &payload, &st) ||
      !Require(object, "payload_bytes", &v, &st) || !internal::ReadInt(v, "payload_bytes", &r.payload_bytes, &st) ||
      !Require(object, "payload_truncated", &v, &st) ||
      !internal::ReadBool(v, "payload_truncated", &r.payload_truncated, &st) ||
      !nullable("event_time", &event_time, &event_time_null) || !nullable("watermark", &watermark, &watermark_null)) {
    return st;
  }

  std::optional<DeadLetterKind> kind = ParseDeadLetterKind(kind_text);
  if (!kind) {
    return internal::FieldError(DecodeErrorKind::kOutOfRange, "kind",
                                "\"" + internal::Excerpt(kind_text) + "\" is not malformed, late or invalid");
  }
  r.kind = *kind;
  r.reason.assign(reason);
  r.source_topic.assign(topic);
  if (partition < -1 || partition > INT32_MAX) {
    return internal::OutOfRange("source_partition", std::to_string(partition));
  }
  r.source_partition = static_cast<int32_t>(partition);

  auto bytes = [&](std::string_view encoding_name, std::string_view encoding, std::string_view name,
                   std::string_view text, std::string* dest) -> DecodeStatus {
    if (encoding == "utf-8") {
      dest->assign(text);
    } else if (encoding == "base64") {
      std::optional<std::string> decoded = DecodeBase64(text);
      if (!decoded) {
        return internal::FieldError(DecodeErrorKind::kOutOfRange, name, "not valid base64");
      }
      *dest = std::move(*decoded);
    } else {
      return internal::FieldError(DecodeErrorKind::kOutOfRange, encoding_name,
                                  "\"" + internal::Excerpt(encoding) + "\" is not utf-8 or base64");
    }
    return {};
  };
  if (key_null != key_encoding_null) {
    return internal::FieldError(DecodeErrorKind::kInconsistent, "key_encoding", "must be null exactly when key is");
  }
  if (!key_null) {
    r.key.emplace();
    if (DecodeStatus s = bytes("key_encoding", key_encoding, "key", key, &*r.key); !s.ok()) {
      return s;
    }
  }
  if (DecodeStatus s = bytes("payload_encoding", payload_encoding, "payload", payload, &r.payload); !s.ok()) {
    return s;
  }
  for (auto [name, text, is_null, dest] : {std::tuple{"event_time", event_time, event_time_null, &r.event_time},
                                           std::tuple{"watermark", watermark, watermark_null, &r.watermark}}) {
    if (is_null) continue;
    std::optional<core::UtcTime> t = internal::ParseIsoUtc(text);
    if (!t) {
      return internal::FieldError(DecodeErrorKind::kOutOfRange, name,
                                  "not an ISO-8601 UTC time: \"" + internal::Excerpt(text) + "\"");
    }
    *dest = *t;
  }
  return {};
}

}  // namespace traffic::codec

// The dead-letter message (DESIGN.md "Events, windows and watermarks"): a message the stream could
// not use, with why, where it came from and its original bytes, so that nothing is dropped
// silently and it can be replayed after a fix. Example (a late event):
//   {"kind":"late","reason":"late: event_time 2016-01-01T00:00:30Z, window ... already closed",
//    "source_topic":"taxi-trips","source_partition":3,"source_offset":1234,"key_encoding":"utf-8",
//    "key":"28_27","payload_encoding":"utf-8","payload":"{\"event_id\":\"9f86d081884c7d65\",...}",
//    "payload_bytes":402,"payload_truncated":false,"event_time":"2016-01-01T00:00:30Z",
//    "watermark":"2016-01-01T00:02:10Z"}
//
//   kind           "malformed" | "late" | "invalid" (DeadLetterKind; decode.h says which is which)
//   reason         one line naming the field (DecodeStatus::reason) or the window
//                  (window::DescribeReject)
//   source_*       topic, partition and offset of the original; -1 when not from Kafka
//   key, payload   the original bytes as a JSON string when they are valid UTF-8 (*_encoding
//                  "utf-8"), else standard base64 with padding ("base64"); key null when none.
//                  A payload is a string, not embedded JSON: a malformed one is not JSON.
//   payload_bytes  the original payload's length; payload_truncated when only the first
//                  max_payload_bytes were kept (cut at a character boundary in UTF-8)
//   event_time, watermark   for late events (null otherwise): the event's time and the
//                  stream's watermark when it arrived
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "traffic/codec/decode.h"
#include "traffic/core/time.h"

namespace traffic::codec {

namespace internal {
class PaddedParser;
}

struct DeadLetterRecord {
  DeadLetterKind kind = DeadLetterKind::kMalformed;
  std::string reason;
  std::string source_topic;
  int32_t source_partition = -1;
  int64_t source_offset = -1;
  std::optional<std::string> key;           // the original message key, bytes
  std::string payload;                      // the original message value, bytes (kept after truncation)
  std::optional<core::UtcTime> event_time;  // late events
  std::optional<core::UtcTime> watermark;   // late events
  // Set by the decoder; the encoder computes them.
  int64_t payload_bytes = 0;
  bool payload_truncated = false;
};

inline constexpr size_t kDefaultMaxDeadLetterPayloadBytes = 64 * 1024;

// Appends the message to *out (does not clear it). `reason` and `source_topic` must be valid
// UTF-8 (ours are); key and payload may be any bytes.
void AppendDeadLetterMessage(const DeadLetterRecord& record, std::string* out,
                             size_t max_payload_bytes = kDefaultMaxDeadLetterPayloadBytes);

// Reads a dead-letter message back (tools, tests). Not thread-safe; never throws.
class DeadLetterDecoder {
 public:
  explicit DeadLetterDecoder(DecoderOptions options = {});
  ~DeadLetterDecoder();
  DeadLetterDecoder(DeadLetterDecoder&&) noexcept;
  DeadLetterDecoder& operator=(DeadLetterDecoder&&) noexcept;

  DecodeStatus Decode(std::string_view json, DeadLetterRecord* out);

 private:
  DecodeStatus DecodeImpl(std::string_view json, DeadLetterRecord* out);

  std::unique_ptr<internal::PaddedParser> parser_;
};

// Standard base64 (RFC 4648) with padding; exposed for tests and tools.
void AppendBase64(std::string_view bytes, std::string* out);
// nullopt for text that is not canonical padded base64.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace traffic::codec

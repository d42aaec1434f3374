#include "traffic/codec/dead_letter.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "traffic/codec/trip_message.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::codec {
namespace {

std::string Encode(const DeadLetterRecord& r, size_t max = kDefaultMaxDeadLetterPayloadBytes) {
  std::string s;
  AppendDeadLetterMessage(r, &s, max);
  return s;
}

DeadLetterRecord RoundTrip(const std::string& json) {
  DeadLetterDecoder decoder;
  DeadLetterRecord r;
  DecodeStatus st = decoder.Decode(json, &r);
  EXPECT_OK(st) << st.reason() << "\n" << json;
  return r;
}

// Every dead-letter message must itself be valid JSON, whatever the payload.
void ExpectValidJson(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
}

TEST(DeadLetter, GoldenLateEvent) {
  DeadLetterRecord r;
  r.kind = DeadLetterKind::kLate;
  r.reason = "late: event_time 2016-01-01T00:00:30Z";
  r.source_topic = "taxi-trips";
  r.source_partition = 3;
  r.source_offset = 1234;
  r.key = "28_27";
  r.payload = "{\"event_id\":\"x\"}";
  r.event_time = core::FromEpochSeconds(1451606430);
  r.watermark = core::FromEpochSeconds(1451606530);
  std::string json = Encode(r);
  EXPECT_EQ(json,
            "{\"kind\":\"late\",\"reason\":\"late: event_time 2016-01-01T00:00:30Z\","
            "\"source_topic\":\"taxi-trips\",\"source_partition\":3,\"source_offset\":1234,"
            "\"key_encoding\":\"utf-8\",\"key\":\"28_27\",\"payload_encoding\":\"utf-8\","
            "\"payload\":\"{\\\"event_id\\\":\\\"x\\\"}\",\"payload_bytes\":16,"
            "\"payload_truncated\":false,\"event_time\":\"2016-01-01T00:00:30Z\","
            "\"watermark\":\"2016-01-01T00:02:10Z\"}");
  DeadLetterRecord back = RoundTrip(json);
  EXPECT_EQ(back.kind, DeadLetterKind::kLate);
  EXPECT_EQ(back.reason, r.reason);
  EXPECT_EQ(back.source_topic, "taxi-trips");
  EXPECT_EQ(back.source_partition, 3);
  EXPECT_EQ(back.source_offset, 1234);
  EXPECT_EQ(back.key, r.key);
  EXPECT_EQ(back.payload, r.payload);
  EXPECT_EQ(back.payload_bytes, 16);
  EXPECT_FALSE(back.payload_truncated);
  EXPECT_EQ(back.event_time, r.event_time);
  EXPECT_EQ(back.watermark, r.watermark);
}

TEST(DeadLetter, MalformedMessageCarriesTheDecodeReason) {
  std::string payload = "{\"event_id\":\"9f86d081884c7d65\",\"pickup_lat\":NaN}";
  TripDecoder decoder;
  TripMessage m;
  DecodeStatus st = decoder.Decode(payload, &m);
  ASSERT_FALSE(st.ok());
  DeadLetterRecord r;
  r.kind = DeadLetterKindFor(st.kind());
  r.reason = st.reason();
  r.source_topic = "taxi-trips";
  r.source_partition = 0;
  r.source_offset = 7;
  r.payload = payload;
  std::string json = Encode(r);
  ExpectValidJson(json);
  EXPECT_NE(json.find("\"kind\":\"malformed\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"key_encoding\":null,\"key\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"event_time\":null,\"watermark\":null"), std::string::npos) << json;
  DeadLetterRecord back = RoundTrip(json);
  EXPECT_EQ(back.reason, st.reason());
  EXPECT_EQ(back.payload, payload);
  EXPECT_FALSE(back.key);
  EXPECT_FALSE(back.event_time);
}

TEST(DeadLetter, NonUtf8PayloadAndKeyAreBase64) {
  DeadLetterRecord r;
  r.kind = DeadLetterKind::kMalformed;
  r.reason = "malformed JSON: the input is not valid UTF-8";
  r.source_topic = "taxi-trips";
  r.key = std::string("\xff\x00k", 3);
  r.payload = std::string("{\"a\":\"\xc3\x28\"}\0", 12);
  std::string json = Encode(r);
  ExpectValidJson(json);
  EXPECT_NE(json.find("\"payload_encoding\":\"base64\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"key_encoding\":\"base64\",\"key\":\"/wBr\""), std::string::npos) << json;
  DeadLetterRecord back = RoundTrip(json);
  EXPECT_EQ(back.payload, r.payload);
  EXPECT_EQ(back.key, r.key);
}

TEST(DeadLetter, ControlCharactersAreEscaped) {
  DeadLetterRecord r;
  r.reason = "x";
  r.payload = std::string("line1\nline2\t\"q\"\\ \x01 \0 end", 25);
  std::string json = Encode(r);
  ExpectValidJson(json);
  EXPECT_NE(json.find("line1\\nline2\\t\\\"q\\\"\\\\ \\u0001 \\u0000 end"), std::string::npos) << json;
  EXPECT_EQ(RoundTrip(json).payload, r.payload);
}

TEST(DeadLetter, HugePayloadsAreTruncatedAtACharacterBoundary) {
  DeadLetterRecord r;
  r.reason = "malformed JSON: message too large";
  r.payload = std::string(9, 'a') + "\xc3\xa9" + std::string(100, 'b');  // é straddles byte 10
  std::string json = Encode(r, 10);
  ExpectValidJson(json);
  DeadLetterRecord back = RoundTrip(json);
  EXPECT_TRUE(back.payload_truncated);
  EXPECT_EQ(back.payload_bytes, static_cast<int64_t>(r.payload.size()));
  EXPECT_EQ(back.payload, std::string(9, 'a'));
}

TEST(DeadLetter, Base64) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::string b;
    AppendBase64(s, &b);
    EXPECT_EQ(DecodeBase64(b), s) << b;
  }
  std::string b;
  AppendBase64("foobar", &b);
  EXPECT_EQ(b, "Zm9vYmFy");
  EXPECT_FALSE(DecodeBase64("Zm9=v"));
  EXPECT_FALSE(DecodeBase64("Zm9*"));
  EXPECT_FALSE(DecodeBase64("Zh=="));  // non-canonical: dropped bits set
}

TEST(DeadLetter, DecodeRejects) {
  DeadLetterRecord r;
  r.reason = "x";
  std::string good = Encode(r);
  DeadLetterDecoder decoder;
  DeadLetterRecord out;
  std::string bad = good;
  bad.replace(bad.find("malformed"), 9, "dropped");
  DecodeStatus st = decoder.Decode(bad, &out);
  EXPECT_EQ(st.reason(), "kind: \"dropped\" is not malformed, late or invalid");
  bad = good;
  bad.replace(bad.find("\"reason\":\"x\","), 13, "");
  EXPECT_EQ(decoder.Decode(bad, &out).reason(), "reason: missing");
}

}  // namespace
}  // namespace traffic::codec

#include "traffic/codec/trip_message.h"

#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "traffic/core/hash.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::codec {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// 2015-01-15 19:05:39 .. 19:23:42 New York (EST) = 00:05:39 .. 00:23:42 UTC on the 16th.
trip::Trip SampleTrip() {
  trip::Trip t;
  t.pickup_time = core::FromEpochSeconds(1421366739);
  t.dropoff_time = core::FromEpochSeconds(1421367822);
  t.pickup_lat = 40.750110626220703;
  t.pickup_lon = -73.993896484375;
  t.dropoff_lat = 40.750617980957031;
  t.dropoff_lon = -73.974784851074219;
  t.distance_mi = 1.59;
  t.passenger_count = 1;
  t.event_id = 0x9f86d081884c7d65ULL;
  return t;
}
const geo::CellId kSampleCell{27, 26};

// The golden message, field by field (raw JSON values), in encoding order.
Fields SampleFields() {
  return {{"event_id", "\"9f86d081884c7d65\""},
          {"event_time", "\"2015-01-16T00:23:42Z\""},
          {"cell_id", "\"27_26\""},
          {"pickup_time", "\"2015-01-16T00:05:39Z\""},
          {"dropoff_time", "\"2015-01-16T00:23:42Z\""},
          {"pickup_lat", "40.7501106262207"},
          {"pickup_lon", "-73.993896484375"},
          {"dropoff_lat", "40.75061798095703"},
          {"dropoff_lon", "-73.97478485107422"},
          {"trip_distance", "1.59"},
          {"speed_mph", "5.285318559556787"},
          {"passenger_count", "1"},
          {"is_rush_hour", "true"},
          {"is_manhattan", "true"}};
}

std::string Join(const Fields& fields) {
  std::string s = "{";
  for (const auto& [k, v] : fields) {
    if (s.size() > 1) s += ',';
    s += '"' + k + "\":" + v;
  }
  return s + '}';
}

Fields Without(Fields f, const std::string& key) {
  std::erase_if(f, [&](const auto& kv) { return kv.first == key; });
  return f;
}

Fields With(Fields f, const std::string& key, const std::string& value) {
  for (auto& kv : f) {
    if (kv.first == key) {
      kv.second = value;
      return f;
    }
  }
  f.emplace_back(key, value);
  return f;
}

std::string Encode(const trip::Trip& t, geo::CellId cell, bool manhattan = true) {
  std::string s;
  AppendTripMessage(t, cell, manhattan, &s);
  return s;
}

void ExpectSameBits(double a, double b, const char* what) {
  EXPECT_EQ(std::bit_cast<uint64_t>(a), std::bit_cast<uint64_t>(b)) << what << ": " << a << " vs " << b;
}

void ExpectSameTrip(const trip::Trip& a, const trip::Trip& b) {
  EXPECT_EQ(a.event_id, b.event_id);
  EXPECT_EQ(a.pickup_time, b.pickup_time);
  EXPECT_EQ(a.dropoff_time, b.dropoff_time);
  ExpectSameBits(a.pickup_lat, b.pickup_lat, "pickup_lat");
  ExpectSameBits(a.pickup_lon, b.pickup_lon, "pickup_lon");
  ExpectSameBits(a.dropoff_lat, b.dropoff_lat, "dropoff_lat");
  ExpectSameBits(a.dropoff_lon, b.dropoff_lon, "dropoff_lon");
  ExpectSameBits(a.distance_mi, b.distance_mi, "distance_mi");
  EXPECT_EQ(a.passenger_count, b.passenger_count);
  EXPECT_EQ(a.pickup_zone, b.pickup_zone);
  EXPECT_EQ(a.dropoff_zone, b.dropoff_zone);
  EXPECT_EQ(a.distance_estimated, b.distance_estimated);
}

// Decodes and expects a failure of `kind` whose reason starts with `prefix`.
void ExpectReject(std::string_view json, DecodeErrorKind kind, std::string_view prefix) {
  TripDecoder decoder;
  TripMessage m;
  DecodeStatus st = decoder.Decode(json, &m);
  ASSERT_FALSE(st.ok()) << json;
  EXPECT_EQ(DecodeErrorKindName(st.kind()), DecodeErrorKindName(kind)) << st.reason() << "\n" << json;
  EXPECT_EQ(st.reason().substr(0, prefix.size()), prefix) << st.reason() << "\n" << json;
}

TEST(TripMessage, GoldenString) { EXPECT_EQ(Encode(SampleTrip(), kSampleCell), Join(SampleFields())); }

TEST(TripMessage, GoldenWithOptionalFields) {
  trip::Trip t = SampleTrip();
  t.passenger_count = -1;
  t.pickup_zone = 161;
  t.dropoff_zone = 230;
  t.distance_estimated = true;
  Fields f = Without(SampleFields(), "passenger_count");
  f = With(f, "is_manhattan", "false");
  f.emplace_back("pickup_zone", "161");
  f.emplace_back("dropoff_zone", "230");
  f.emplace_back("distance_estimated", "true");
  std::string json = Encode(t, kSampleCell, false);
  EXPECT_EQ(json, Join(f));
  TripDecoder decoder;
  TripMessage m;
  ASSERT_OK(decoder.Decode(json, &m));
  ExpectSameTrip(m.trip, t);
  EXPECT_FALSE(m.is_manhattan);
}

TEST(TripMessage, EventIdIsTheHashInHex) {
  trip::Trip t = SampleTrip();
  t.event_id = core::StableHash64("a raw record");
  std::string json = Encode(t, kSampleCell);
  EXPECT_NE(json.find("\"event_id\":\"" + core::HashToHex(t.event_id) + "\""), std::string::npos);
  EXPECT_NE(json.find("\"event_id\":\"3977913f607b02ac\""), std::string::npos) << json;  // golden
}

// Golden placement (message_key.h): producers in other languages must compute the same partition.
TEST(TripMessage, PartitionForCellGoldenValues) {
  EXPECT_EQ(PartitionForCell({28, 27}, 1), 0);
  EXPECT_EQ(PartitionForCell({28, 27}, 4), 2);
  EXPECT_EQ(PartitionForCell({28, 27}, 12), 10);
  EXPECT_EQ(PartitionForCell({28, 27}, 64), 30);
  EXPECT_EQ(PartitionForCell({0, 0}, 4), 0);
  EXPECT_EQ(PartitionForCell({0, 0}, 12), 8);
  EXPECT_EQ(PartitionForCell({0, 0}, 64), 32);
  EXPECT_EQ(PartitionForCell({44, 55}, 12), 8);
  EXPECT_EQ(PartitionForCell({44, 55}, 64), 4);
  EXPECT_EQ(PartitionForCell({10, 3}, 4), 1);
  EXPECT_EQ(PartitionForCell({10, 3}, 12), 9);
  EXPECT_EQ(PartitionForCell({10, 3}, 64), 5);
  // It is the documented formula on the key, for every cell of the grid.
  geo::Grid grid;
  for (int i = 0; i < grid.cell_count(); ++i) {
    std::string key;
    AppendCellKey(grid.FromIndex(i), &key);
    ASSERT_EQ(PartitionForCell(grid.FromIndex(i), 12), static_cast<int32_t>(core::StableHash64(key) % 12)) << key;
  }
}

TEST(TripMessage, KeyIsCellId) {
  std::string key;
  AppendCellKey(kSampleCell, &key);
  EXPECT_EQ(key, "27_26");
  EXPECT_EQ(key, kSampleCell.ToString());
  std::string json = Encode(SampleTrip(), kSampleCell);
  EXPECT_NE(json.find("\"cell_id\":\"" + key + "\""), std::string::npos);
  TripDecoder decoder;
  TripMessage m;
  ASSERT_OK(decoder.Decode(json, &m));
  std::string decoded_key;
  AppendCellKey(m.cell, &decoded_key);
  EXPECT_EQ(decoded_key, key);
}

TEST(TripMessage, RushHourFromTheEventTimeInNewYork) {
  // 19:23 local on a Thursday: rush hour (17-19). Move the trip to 21:23: not.
  EXPECT_NE(Encode(SampleTrip(), kSampleCell).find("\"is_rush_hour\":true"), std::string::npos);
  trip::Trip t = SampleTrip();
  t.pickup_time += std::chrono::hours(2);
  t.dropoff_time += std::chrono::hours(2);
  EXPECT_NE(Encode(t, kSampleCell).find("\"is_rush_hour\":false"), std::string::npos);
}

TEST(TripMessage, RoundTripIsExactAndGivesTheBatchEvent) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> lat(40.4774, 40.9176), lon(-74.2591, -73.7004);
  std::uniform_real_distribution<double> dist(0.0, 100.0);
  std::uniform_int_distribution<int64_t> start(946684800, 2000000000), dur(0, 20000);
  geo::Grid grid;
  TripDecoder decoder;
  TripMessage m;
  std::string json;
  for (int i = 0; i < 20000; ++i) {
    trip::Trip t;
    t.pickup_time = core::FromEpochSeconds(start(rng));
    t.dropoff_time = t.pickup_time + std::chrono::seconds(dur(rng));
    t.pickup_lat = lat(rng);
    t.pickup_lon = lon(rng);
    t.dropoff_lat = lat(rng);
    t.dropoff_lon = lon(rng);
    // Mix full-precision doubles with the short decimals of real files.
    t.distance_mi = i % 2 ? dist(rng) : static_cast<double>(static_cast<int>(dist(rng) * 100)) / 100;
    if (i % 3 == 0) t.pickup_lat = std::nextafter(t.pickup_lat, 90.0);
    t.passenger_count = static_cast<int16_t>(i % 7 - 1);
    t.event_id = rng();
    std::optional<geo::CellId> cell = grid.Locate(t.pickup_lat, t.pickup_lon);
    ASSERT_TRUE(cell);
    json.clear();
    AppendTripMessage(t, *cell, i % 2 == 0, &json);
    DecodeStatus st = decoder.Decode(json, &m);
    ASSERT_OK(st) << st.reason() << "\n" << json;
    ExpectSameTrip(m.trip, t);
    EXPECT_EQ(m.cell, *cell);
    EXPECT_EQ(m.is_manhattan, i % 2 == 0);
    ExpectSameBits(m.speed_mph, t.speed_mph(), "speed_mph as carried");
    window::Event batch = *window::EventFromTrip(t, grid);
    window::Event stream = m.ToEvent();
    EXPECT_EQ(stream.event_time, batch.event_time);
    EXPECT_EQ(stream.cell, batch.cell);
    ExpectSameBits(stream.speed_mph, batch.speed_mph, "event speed");
    ExpectSameBits(stream.distance_mi, batch.distance_mi, "event distance");
    EXPECT_EQ(stream.duration_s, batch.duration_s);
    if (HasFailure()) return;
  }
}

TEST(TripMessage, SpeedIsRecomputedNotTakenFromTheMessage) {
  // A producer that rounds speed_mph (as the prototype did) still gives the batch's event.
  TripDecoder decoder;
  TripMessage m;
  ASSERT_OK(decoder.Decode(Join(With(SampleFields(), "speed_mph", "5.29")), &m));
  EXPECT_EQ(m.speed_mph, 5.29);
  EXPECT_EQ(m.ToEvent().speed_mph, SampleTrip().speed_mph());
}

TEST(TripMessage, AcceptsAnyFieldOrderWhitespaceUnknownFieldsAndEscapedKeys) {
  Fields f = SampleFields();
  std::reverse(f.begin(), f.end());
  f.emplace_back("extra", "{\"nested\":[1,2,{\"x\":null}]}");
  std::string json = Join(f);
  json.insert(1, " \n\t");
  json.insert(json.size() - 1, "\r\n ");
  TripDecoder decoder;
  TripMessage m;
  DecodeStatus st = decoder.Decode(json, &m);
  ASSERT_OK(st) << st.reason();
  ExpectSameTrip(m.trip, SampleTrip());
  // Keys are matched as written: an escaped spelling of a name is another (unknown) key.
  std::string escaped = Join(SampleFields());
  escaped.replace(escaped.find("\"cell_id\""), 9, "\"cell\\u005fid\"");
  ExpectReject(escaped, DecodeErrorKind::kMissingField, "cell_id: missing");
}

TEST(TripMessage, OptionalFieldsMayBeAbsentOrNull) {
  TripDecoder decoder;
  TripMessage m;
  ASSERT_OK(decoder.Decode(Join(Without(SampleFields(), "passenger_count")), &m));
  EXPECT_EQ(m.trip.passenger_count, -1);
  Fields f = With(SampleFields(), "passenger_count", "null");
  f.emplace_back("pickup_zone", "null");
  f.emplace_back("distance_estimated", "null");
  ASSERT_OK(decoder.Decode(Join(f), &m));
  EXPECT_EQ(m.trip.passenger_count, -1);
  EXPECT_EQ(m.trip.pickup_zone, -1);
  EXPECT_FALSE(m.trip.distance_estimated);
}

TEST(TripMessage, EveryRequiredFieldMissing) {
  for (const auto& [key, value] : SampleFields()) {
    if (key == "passenger_count") continue;
    ExpectReject(Join(Without(SampleFields(), key)), DecodeErrorKind::kMissingField, key + ": missing");
  }
}

TEST(TripMessage, EveryFieldWrongType) {
  for (const auto& [key, value] : SampleFields()) {
    // A string where a number or boolean goes, a number where a string goes.
    std::string wrong = value.front() == '"' ? "12" : "\"" + value + "\"";
    ExpectReject(Join(With(SampleFields(), key, wrong)), DecodeErrorKind::kWrongType, key + ": wrong type: expected ");
    ExpectReject(Join(With(SampleFields(), key, "[1]")), DecodeErrorKind::kWrongType, key + ": wrong type: expected ");
    ExpectReject(Join(With(SampleFields(), key, "{}")), DecodeErrorKind::kWrongType, key + ": wrong type: expected ");
    if (key != "passenger_count") {
      ExpectReject(Join(With(SampleFields(), key, "null")), DecodeErrorKind::kWrongType,
                   key + ": wrong type: expected ");
    }
  }
  ExpectReject(Join(With(SampleFields(), "passenger_count", "1.5")), DecodeErrorKind::kWrongType,
               "passenger_count: wrong type: expected an integer, got 1.5");
  ExpectReject(Join(With(SampleFields(), "is_manhattan", "1")), DecodeErrorKind::kWrongType,
               "is_manhattan: wrong type: expected true or false, got a number");
}

TEST(TripMessage, MalformedJson) {
  for (std::string_view bad : {"", " ", "not json", "[1,2]", "42", "\"text\"", "null", "{", "}", "{\"event_id\"}",
                               "{\"event_id\":}", "{,}", "{'a':1}"}) {
    TripDecoder decoder;
    TripMessage m;
    DecodeStatus st = decoder.Decode(bad, &m);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_FALSE(st.reason().empty());
  }
  ExpectReject("", DecodeErrorKind::kMalformed, "malformed JSON: the message is empty");
  ExpectReject("[1,2]", DecodeErrorKind::kMalformed, "malformed JSON: the message is not a JSON object");
  ExpectReject(Join(SampleFields()) + "x", DecodeErrorKind::kMalformed, "malformed JSON");
  ExpectReject(Join(SampleFields()) + "]", DecodeErrorKind::kMalformed, "malformed JSON");
}

// Regression (issue 8): a second object after the first, or a stray '}' at the end, used to be
// accepted because simdjson On-Demand only checks that the last token closes the document.
TEST(TripMessage, TrailingContentAfterTheObjectIsMalformed) {
  const std::string good = Join(SampleFields());
  for (std::string tail :
       std::vector<std::string>{" {\"a\":1}", "{}", "}", " }", ",{}", "\n" + good, " null", " 1", "[]"}) {
    ExpectReject(good + tail, DecodeErrorKind::kMalformed, "malformed JSON");
  }
  // Whitespace after the object is not content.
  for (std::string tail : {" ", "\n", "\r\n\t "}) {
    TripDecoder decoder;
    TripMessage m;
    EXPECT_TRUE(decoder.Decode(good + tail, &m).ok()) << tail;
  }
  ExpectReject(good + " " + good, DecodeErrorKind::kMalformed, "malformed JSON: content after the JSON object");
}

TEST(TripMessage, DuplicateFieldsDoNotCrash) {
  // RFC 8259 leaves duplicate names undefined; which one is read is unspecified.
  std::string dup = Join(SampleFields());
  dup.insert(dup.size() - 1, ",\"pickup_lat\":40.75");
  TripDecoder decoder;
  TripMessage m;
  EXPECT_OK(decoder.Decode(dup, &m));
}

TEST(TripMessage, EveryTruncationIsRejected) {
  std::string json = Join(SampleFields());
  TripDecoder decoder;
  TripMessage m;
  for (size_t n = 0; n < json.size(); ++n) {
    DecodeStatus st = decoder.Decode(std::string_view(json).substr(0, n), &m);
    EXPECT_FALSE(st.ok()) << n;
    EXPECT_FALSE(st.reason().empty()) << n;
  }
  EXPECT_OK(decoder.Decode(json, &m)) << "the decoder recovers after errors";
}

TEST(TripMessage, NotUtf8) {
  std::string json = Join(With(SampleFields(), "cell_id", "\"27_26\xff\""));
  ExpectReject(json, DecodeErrorKind::kMalformed, "malformed JSON: the input is not valid UTF-8");
  Fields f = SampleFields();
  f.emplace_back("note", "\"caf\xc3\"");  // truncated 2-byte sequence, in a field we skip
  ExpectReject(Join(f), DecodeErrorKind::kMalformed, "malformed JSON: the input is not valid UTF-8");
}

TEST(TripMessage, NumbersOutOfRange) {
  ExpectReject(Join(With(SampleFields(), "pickup_lat", "1e400")), DecodeErrorKind::kOutOfRange,
               "pickup_lat: out of range: 1e400");
  ExpectReject(Join(With(SampleFields(), "trip_distance", "-1e999")), DecodeErrorKind::kOutOfRange,
               "trip_distance: out of range: -1e999");
  ExpectReject(Join(With(SampleFields(), "pickup_lat", "91")), DecodeErrorKind::kOutOfRange,
               "pickup_lat: out of range: 91 (expected -90..90)");
  ExpectReject(Join(With(SampleFields(), "dropoff_lon", "-180.5")), DecodeErrorKind::kOutOfRange,
               "dropoff_lon: out of range: -180.5");
  ExpectReject(Join(With(SampleFields(), "trip_distance", "-0.5")), DecodeErrorKind::kOutOfRange,
               "trip_distance: out of range: -0.5 (expected >= 0)");
  ExpectReject(Join(With(SampleFields(), "speed_mph", "-3")), DecodeErrorKind::kOutOfRange, "speed_mph: out of range");
  ExpectReject(Join(With(SampleFields(), "passenger_count", "99999999999999999999")), DecodeErrorKind::kOutOfRange,
               "passenger_count: out of range: 99999999999999999999");
  ExpectReject(Join(With(SampleFields(), "passenger_count", "40000")), DecodeErrorKind::kOutOfRange,
               "passenger_count: out of range: 40000 (expected 0..32767)");
  ExpectReject(Join(With(SampleFields(), "passenger_count", "-1")), DecodeErrorKind::kOutOfRange,
               "passenger_count: out of range: -1");
  // A long run of digits that still fits a double is fine.
  TripDecoder decoder;
  TripMessage m;
  EXPECT_OK(
      decoder.Decode(Join(With(SampleFields(), "trip_distance", "1.5900000000000000000000000000000000000001")), &m));
  EXPECT_EQ(m.trip.distance_mi, 1.59);
}

TEST(TripMessage, NanAndInfinityTextAreNotNumbers) {
  for (std::string token : {"NaN", "nan", "Infinity", "inf"}) {
    ExpectReject(Join(With(SampleFields(), "pickup_lon", token)), DecodeErrorKind::kMalformed, "pickup_lon: ");
  }
  ExpectReject(Join(With(SampleFields(), "pickup_lon", "NaN")), DecodeErrorKind::kMalformed,
               "pickup_lon: not a JSON value: NaN");
  ExpectReject(Join(With(SampleFields(), "pickup_lon", "-Infinity")), DecodeErrorKind::kMalformed,
               "pickup_lon: not a valid number: -Infinity");
  ExpectReject(Join(With(SampleFields(), "pickup_lon", "1.5x")), DecodeErrorKind::kMalformed,
               "pickup_lon: not a valid number: 1.5x");
  ExpectReject(Join(With(SampleFields(), "speed_mph", "\"NaN\"")), DecodeErrorKind::kWrongType,
               "speed_mph: wrong type: expected a number, got a string");
}

TEST(TripMessage, BadStrings) {
  ExpectReject(Join(With(SampleFields(), "event_id", "\"xyz\"")), DecodeErrorKind::kOutOfRange,
               "event_id: out of range: \"xyz\" is not 16 hex digits");
  ExpectReject(Join(With(SampleFields(), "event_id", "\"9f86d081884c7d6g\"")), DecodeErrorKind::kOutOfRange,
               "event_id: out of range");
  ExpectReject(Join(With(SampleFields(), "cell_id", "\"27-26\"")), DecodeErrorKind::kOutOfRange,
               "cell_id: \"27-26\" is not {row}_{col}");
  ExpectReject(Join(With(SampleFields(), "cell_id", "\"99_26\"")), DecodeErrorKind::kOutOfRange,
               "cell_id: out of range: 99_26 is outside the 45 x 56 grid");
  ExpectReject(Join(With(SampleFields(), "pickup_time", "\"2015-01-16 00:05:39\"")), DecodeErrorKind::kOutOfRange,
               "pickup_time: not an ISO-8601 UTC time");
  ExpectReject(Join(With(SampleFields(), "pickup_time", "\"2015-02-30T00:05:39Z\"")), DecodeErrorKind::kOutOfRange,
               "pickup_time: not an ISO-8601 UTC time");
  ExpectReject(Join(With(SampleFields(), "dropoff_time", "\"2015-01-16T00:23:42\"")), DecodeErrorKind::kOutOfRange,
               "dropoff_time: not an ISO-8601 UTC time");
  ExpectReject(Join(With(SampleFields(), "event_time", "\"2015-01-16T00:23:42+05:00\"")), DecodeErrorKind::kOutOfRange,
               "event_time: not an ISO-8601 UTC time");
  ExpectReject(Join(With(SampleFields(), "event_time", "\"bad \\\" time\"")), DecodeErrorKind::kOutOfRange,
               "event_time: not an ISO-8601 UTC time like "
               "2016-01-01T05:00:00Z: \"bad \" time\"");
  ExpectReject(Join(With(SampleFields(), "cell_id", "\"bad \\x escape\"")), DecodeErrorKind::kMalformed,
               "cell_id: malformed value");
}

TEST(TripMessage, AcceptedTimeVariants) {
  TripDecoder decoder;
  TripMessage m;
  Fields f = With(SampleFields(), "event_time", "\"2015-01-16T00:23:42.000Z\"");
  f = With(f, "dropoff_time", "\"2015-01-16T00:23:42+00:00\"");
  f = With(f, "event_id", "\"9F86D081884C7D65\"");
  DecodeStatus st = decoder.Decode(Join(f), &m);
  ASSERT_OK(st) << st.reason();
  ExpectSameTrip(m.trip, SampleTrip());
}

TEST(TripMessage, EventsFarInTheFutureOrPastStillDecode) {
  trip::Trip t = SampleTrip();
  t.pickup_time = core::FromEpochSeconds(253402300000);  // 9999-12-31T23:46:40Z
  t.dropoff_time = t.pickup_time + std::chrono::seconds(59);
  TripDecoder decoder;
  TripMessage m;
  std::string json = Encode(t, kSampleCell);
  EXPECT_NE(json.find("\"event_time\":\"9999-12-31T23:47:39Z\""), std::string::npos) << json;
  DecodeStatus st = decoder.Decode(json, &m);
  ASSERT_OK(st) << st.reason();
  ExpectSameTrip(m.trip, t);
  t.pickup_time = core::FromEpochSeconds(-2208988800);  // 1900
  t.dropoff_time = t.pickup_time + std::chrono::seconds(600);
  ASSERT_OK(decoder.Decode(Encode(t, kSampleCell), &m));
  ExpectSameTrip(m.trip, t);
}

TEST(TripMessage, InconsistentFields) {
  ExpectReject(Join(With(SampleFields(), "event_time", "\"2015-01-16T00:23:43Z\"")), DecodeErrorKind::kInconsistent,
               "event_time: 2015-01-16T00:23:43Z is not dropoff_time 2015-01-16T00:23:42Z");
  ExpectReject(Join(With(SampleFields(), "cell_id", "\"28_27\"")), DecodeErrorKind::kInconsistent,
               "cell_id: 28_27 does not match pickup (40.7501106262207, -73.993896484375), which "
               "is in cell 27_26");
  Fields outside = With(SampleFields(), "pickup_lat", "40.1");
  outside = With(outside, "pickup_lon", "-73.2");
  ExpectReject(Join(With(outside, "cell_id", "\"28_27\"")), DecodeErrorKind::kInconsistent,
               "cell_id: 28_27 does not match pickup (40.1, -73.2), which is outside the grid");
  // Without the cell check (a producer with another grid), the carried cell is taken.
  DecoderOptions options;
  options.check_cell = false;
  TripDecoder decoder(options);
  TripMessage m;
  ASSERT_OK(decoder.Decode(Join(With(SampleFields(), "cell_id", "\"28_27\"")), &m));
  EXPECT_EQ(m.cell, (geo::CellId{28, 27}));
}

TEST(TripMessage, TooLargeMessagesAreRefusedBeforeParsing) {
  DecoderOptions options;
  options.max_message_bytes = 1000;
  TripDecoder decoder(options);
  TripMessage m;
  Fields f = SampleFields();
  f.emplace_back("padding", "\"" + std::string(2000, 'x') + "\"");
  DecodeStatus st = decoder.Decode(Join(f), &m);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.kind(), DecodeErrorKind::kMalformed);
  EXPECT_NE(st.reason().find("larger than 1000"), std::string::npos) << st.reason();
  EXPECT_OK(decoder.Decode(Join(SampleFields()), &m));
}

TEST(TripMessage, DeadLetterKindOfEachFailure) {
  EXPECT_EQ(DeadLetterKindFor(DecodeErrorKind::kMalformed), DeadLetterKind::kMalformed);
  EXPECT_EQ(DeadLetterKindFor(DecodeErrorKind::kMissingField), DeadLetterKind::kMalformed);
  EXPECT_EQ(DeadLetterKindFor(DecodeErrorKind::kWrongType), DeadLetterKind::kMalformed);
  EXPECT_EQ(DeadLetterKindFor(DecodeErrorKind::kOutOfRange), DeadLetterKind::kInvalid);
  EXPECT_EQ(DeadLetterKindFor(DecodeErrorKind::kInconsistent), DeadLetterKind::kInvalid);
}

TEST(TripMessage, RandomBytesNeverCrash) {
  std::mt19937_64 rng(7);
  std::string base = Join(SampleFields());
  TripDecoder decoder;
  TripMessage m;
  for (int i = 0; i < 20000; ++i) {
    std::string s = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) s[rng() % s.size()] = static_cast<char>(rng() % 256);
    DecodeStatus st = decoder.Decode(s, &m);
    if (!st.ok()) {
      EXPECT_FALSE(st.reason().empty());
    }
  }
}

}  // namespace
}  // namespace traffic::codec

#include "traffic/codec/prediction_message.h"

#include <gtest/gtest.h>

#include <string>

#include "traffic/testing/status_matchers.h"

namespace traffic::codec {
namespace {

PredictionRecord Sample(bool with_forecasts) {
  PredictionRecord r;
  r.window_start = core::FromEpochSeconds(1452817380);  // 2016-01-15T00:23:00Z
  r.window_end = r.window_start + std::chrono::seconds(60);
  r.cell = {28, 27};
  geo::LatLon c = geo::Grid().Centre(r.cell);
  r.centre_lat = c.lat;
  r.centre_lon = c.lon;
  r.trip_count = 4;
  r.avg_speed_mph = 8.25;
  r.congestion_level = window::CongestionLevel::kHigh;
  if (with_forecasts) {
    r.model_version = "20160115-ab12";
    r.forecasts = {HorizonForecast{window::CongestionLevel::kHigh, 0.71, ForecastSource::kPersistence},
                   HorizonForecast{window::CongestionLevel::kMedium, 0.52},
                   HorizonForecast{window::CongestionLevel::kMedium, 0.48}};
  }
  return r;
}

std::string Encode(const PredictionRecord& r) {
  std::string s;
  AppendPredictionMessage(r, &s);
  return s;
}

DecodeStatus Decode(std::string_view json, PredictionRecord* r) {
  PredictionDecoder decoder;
  return decoder.Decode(json, r);
}

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

TEST(PredictionMessage, GoldenWithForecasts) {
  EXPECT_EQ(Encode(Sample(true)),
            "{\"window_start\":\"2016-01-15T00:23:00Z\",\"window_end\":\"2016-01-15T00:24:00Z\","
            "\"cell_id\":\"28_27\",\"centre_lat\":40.7624,\"centre_lon\":-73.9841,"
            "\"trip_count\":4,\"avg_speed\":8.25,\"congestion_level\":\"High\","
            "\"model_version\":\"20160115-ab12\",\"forecast_15m\":\"High\",\"confidence_15m\":0.71,"
            "\"forecast_30m\":\"Medium\",\"confidence_30m\":0.52,\"forecast_60m\":\"Medium\","
            "\"confidence_60m\":0.48,\"forecast_source_15m\":\"persistence\","
            "\"forecast_source_30m\":\"model\",\"forecast_source_60m\":\"model\"}");
}

TEST(PredictionMessage, GoldenWithoutForecasts) {
  EXPECT_EQ(Encode(Sample(false)),
            "{\"window_start\":\"2016-01-15T00:23:00Z\",\"window_end\":\"2016-01-15T00:24:00Z\","
            "\"cell_id\":\"28_27\",\"centre_lat\":40.7624,\"centre_lon\":-73.9841,"
            "\"trip_count\":4,\"avg_speed\":8.25,\"congestion_level\":\"High\","
            "\"model_version\":\"\",\"forecast_15m\":null,\"confidence_15m\":null,"
            "\"forecast_30m\":null,\"confidence_30m\":null,\"forecast_60m\":null,"
            "\"confidence_60m\":null,\"forecast_source_15m\":null,\"forecast_source_30m\":null,"
            "\"forecast_source_60m\":null}");
}

// Messages written before forecast_source existed read as the model's forecasts; a source that
// is not model/persistence, or set without a forecast, is refused naming the field.
TEST(PredictionMessage, ForecastSourceIsOptionalButChecked) {
  std::string json = Encode(Sample(true));
  std::string old = json.substr(0, json.find(",\"forecast_source_15m\"")) + "}";
  PredictionRecord back;
  ASSERT_OK(Decode(old, &back));
  ASSERT_TRUE(back.forecasts[0].has_value());
  EXPECT_EQ(back.forecasts[0]->source, ForecastSource::kModel);
  ASSERT_OK(Decode(json, &back));
  EXPECT_EQ(back.forecasts[0]->source, ForecastSource::kPersistence);

  DecodeStatus bad =
      Decode(Replace(json, "\"forecast_source_30m\":\"model\"", "\"forecast_source_30m\":\"oracle\""), &back);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.reason().find("forecast_source_30m"), std::string::npos) << bad.reason();
  std::string off = Encode(Sample(false));
  bad = Decode(Replace(off, "\"forecast_source_60m\":null", "\"forecast_source_60m\":\"model\""), &back);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.reason().find("forecast_source_60m"), std::string::npos) << bad.reason();
}

TEST(PredictionMessage, RoundTripsWithAndWithoutForecasts) {
  for (bool with : {true, false}) {
    PredictionRecord r = Sample(with);
    r.avg_speed_mph = 12.345678901234567;
    r.forecasts[1] = std::nullopt;  // one horizon without a forecast is allowed too
    PredictionRecord back;
    DecodeStatus st = Decode(Encode(r), &back);
    ASSERT_OK(st) << st.reason();
    EXPECT_EQ(back, r);
  }
}

TEST(PredictionMessage, FromAWindow) {
  window::WindowAggregate w;
  w.window_start = core::FromEpochSeconds(1452817380);
  w.window_end = w.window_start + std::chrono::seconds(60);
  w.cell = {28, 27};
  window::Event e;
  e.speed_mph = 9.5;
  w.stats.Add(e);
  e.speed_mph = 14.0;
  w.stats.Add(e);
  geo::Grid grid;
  PredictionRecord r = MakePredictionRecord(w, grid);
  EXPECT_EQ(r.trip_count, 2);
  EXPECT_DOUBLE_EQ(r.avg_speed_mph, 11.75);  // (9.5 + 14.0) / 2
  EXPECT_EQ(r.congestion_level, window::CongestionLevel::kMedium);
  // The centre of cell 28_27: origin 40.4774, -74.2591 plus 28.5 and 27.5 cells of 0.01 degree.
  EXPECT_NEAR(r.centre_lat, 40.7624, 1e-9);
  EXPECT_NEAR(r.centre_lon, -73.9841, 1e-9);
  EXPECT_TRUE(r.model_version.empty());
  std::string key;
  AppendCellKey(r.cell, &key);  // key = cell_id
  EXPECT_NE(Encode(r).find("\"cell_id\":\"" + key + "\""), std::string::npos);
}

TEST(PredictionMessage, AbsentForecastFieldsReadAsNull) {
  std::string json = Encode(Sample(false));
  json = Replace(json, ",\"forecast_15m\":null,\"confidence_15m\":null", "");
  PredictionRecord r;
  ASSERT_OK(Decode(json, &r));
  EXPECT_FALSE(r.forecasts[0]);
}

TEST(PredictionMessage, Rejects) {
  const std::string good = Encode(Sample(true));
  PredictionRecord r;
  struct Case {
    std::string json;
    DecodeErrorKind kind;
    std::string reason;
  };
  const Case cases[] = {
      {Replace(good, "\"trip_count\":4,", ""), DecodeErrorKind::kMissingField, "trip_count: missing"},
      {Replace(good, "\"High\",\"model", "\"Severe\",\"model"), DecodeErrorKind::kOutOfRange,
       "congestion_level: \"Severe\" is not Low, Medium or High"},
      {Replace(good, "0.71", "1.5"), DecodeErrorKind::kOutOfRange, "confidence_15m: out of range: 1.5 (expected 0..1)"},
      {Replace(good, "0.71", "null"), DecodeErrorKind::kInconsistent,
       "confidence_15m: missing or null while forecast_15m is set"},
      {Replace(good, "\"20160115-ab12\"", "\"\""), DecodeErrorKind::kInconsistent,
       "forecast_15m: set while model_version is empty (forecasts off)"},
      {Replace(good, "\"trip_count\":4", "\"trip_count\":\"4\""), DecodeErrorKind::kWrongType,
       "trip_count: wrong type: expected an integer, got a string"},
      {Replace(good, "00:24:00Z", "00:22:00Z"), DecodeErrorKind::kInconsistent, "window_end: not after window_start"},
      {Replace(good, "\"28_27\"", "\"28_99\""), DecodeErrorKind::kOutOfRange,
       "cell_id: out of range: 28_99 is outside the grid"},
      {good.substr(0, good.size() / 2), DecodeErrorKind::kMalformed,
       "malformed JSON: unclosed string (truncated message?)"},
      {good.substr(0, good.size() - 1), DecodeErrorKind::kMalformed,
       "malformed JSON: unclosed object or array (truncated message?)"},
  };
  for (const Case& c : cases) {
    DecodeStatus st = Decode(c.json, &r);
    ASSERT_FALSE(st.ok()) << c.json;
    EXPECT_EQ(st.kind(), c.kind) << st.reason();
    EXPECT_EQ(st.reason(), c.reason);
  }
}

}  // namespace
}  // namespace traffic::codec

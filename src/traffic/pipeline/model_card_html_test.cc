#include "traffic/pipeline/model_card_html.h"

#include <gtest/gtest.h>

namespace traffic::pipeline {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ModelCardHtml, ShowsEachHorizonsVerdictMatricesAndPicturesWithoutNetwork) {
  TrainSummary summary;
  summary.version = "v<1>";
  summary.period_local = "train 2016-01-04 00:00 .. 2016-01-15 00:00, test ... New York time";
  summary.promoted = false;
  summary.not_promoted_because = "at 60 min it does not beat persistence";
  const int minutes[] = {15, 30, 60};
  for (size_t h = 0; h < 3; ++h) {
    HorizonResult& r = summary.horizons[h];
    r.minutes = minutes[h];
    r.test_rows = 1000;
    r.model.macro_f1 = h == 2 ? 0.70 : 0.80;
    r.persistence.macro_f1 = 0.75;
    r.model.confusion = {{{40, 10, 0}, {5, 80, 15}, {0, 20, 30}}};
    r.calibration.brier = 0.25;
    r.calibration.bins[9] = {0.95, 0.93, 600};
    r.calibration.bins[6] = {0.65, 0.60, 400};
    for (int hour = 0; hour < 24; ++hour) r.by_hour[static_cast<size_t>(hour)] = {40, 0.7 + hour / 100.0, 0.7, 0.65};
  }
  const std::string html = RenderCardHtml(summary);
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(html.find("Model v&lt;1&gt;"), std::string::npos);  // escaped
  EXPECT_NE(html.find("15 min: beats persistence by 0.050 macro-F1"), std::string::npos);
  EXPECT_NE(html.find("60 min: LOSES to persistence by 0.050 macro-F1"), std::string::npos);
  EXPECT_NE(html.find("Not promoted: at 60 min"), std::string::npos);
  EXPECT_NE(html.find("High below 10 mph"), std::string::npos);
  EXPECT_EQ(Count(html, "<h2>"), 3u);
  EXPECT_EQ(Count(html, "<table class=cm>"), 6u);                        // model and persistence per horizon
  EXPECT_EQ(Count(html, "<svg"), 6u);                                    // reliability and hour of day per horizon
  EXPECT_NE(html.find(">80<br><small>80%</small>"), std::string::npos);  // Medium row, 80 of 100
  EXPECT_NE(html.find("Brier 0.250"), std::string::npos);
  // Self-contained: nothing fetched, nothing run.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

}  // namespace
}  // namespace traffic::pipeline

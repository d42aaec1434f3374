#include "traffic/geo/polygon.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "traffic/geo/zones.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::geo {
namespace {

std::string ReadShared(const std::string& relative) {
  std::ifstream in(std::string(TRAFFIC_SHARED_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ParseGeoJsonShapes, ReadsTheFiveBoroughs) {
  auto shapes = ParseGeoJsonShapes(ReadShared("data/geo/nyc_borough_boundaries.geojson"), "BoroName");
  ASSERT_OK(shapes);
  ASSERT_EQ(shapes->size(), 5u);
  const MultiPolygon* manhattan = nullptr;
  for (const auto& s : *shapes) {
    if (s.name == "Manhattan") manhattan = &s.shape;
  }
  ASSERT_NE(manhattan, nullptr);
  PolygonIndex index(*manhattan);
  EXPECT_TRUE(index.Contains(40.7580, -73.9855));   // Times Square
  EXPECT_TRUE(index.Contains(40.7829, -73.9654));   // Central Park
  EXPECT_FALSE(index.Contains(40.6782, -73.9442));  // Brooklyn
  EXPECT_FALSE(index.Contains(40.7440, -74.0324));  // Hoboken, NJ
  EXPECT_FALSE(index.Contains(40.7769, -73.8740));  // LaGuardia, Queens
  // The index agrees with the exact test on a sweep across the island's edge.
  for (double lon = -74.03; lon < -73.90; lon += 0.0007) {
    ASSERT_EQ(index.Contains(40.75, lon), manhattan->Contains(40.75, lon)) << lon;
  }
}

TEST(ParseGeoJsonShapes, NamesWhatIsWrong) {
  EXPECT_FALSE(ParseGeoJsonShapes("{", "x").ok());
  auto missing = ParseGeoJsonShapes(R"({"features":[{"properties":{},"geometry":{}}]})", "BoroName");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("feature 0"), std::string::npos);
}

TEST(ZoneCentroids, ParsesTheTlcCentroids) {
  auto zones = ZoneCentroids::Parse(ReadShared("data/geo/taxi_zone_centroids.csv"), "centroids");
  ASSERT_OK(zones);
  EXPECT_EQ(zones->size(), 263u);
  ASSERT_TRUE(zones->Find(1));
  EXPECT_NEAR(zones->Find(1)->lat, 40.691831, 1e-9);
  EXPECT_FALSE(zones->Find(264));
  EXPECT_FALSE(zones->Find(-3));
  EXPECT_FALSE(ZoneCentroids::Parse("a,b\n1,2\n", "x.csv").ok());
}

}  // namespace
}  // namespace traffic::geo

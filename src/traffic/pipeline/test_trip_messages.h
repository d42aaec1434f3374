// Test support for the Kafka worker's tests: taxi-trips messages of hand-made trips.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "traffic/codec/message_key.h"
#include "traffic/codec/trip_message.h"
#include "traffic/core/time.h"
#include "traffic/geo/grid.h"
#include "traffic/kafka/producer.h"

namespace traffic::pipeline::test_trips {

inline constexpr int64_t kTripsBase = 1451912400;  // 2016-01-04 13:00:00 UTC

// Trips number [first, first + count): one every 10 s from kTripsBase, 10 minutes and ~2 miles
// each (valid for every cleaning rule), in 6 cells, keyed and partitioned as the producer does.
inline void ProduceTrips(const kafka::ClientConfig& config, const std::string& topic, int32_t partitions, int first,
                         int count) {
  auto producer = kafka::Producer::Open(config);
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  const geo::Grid grid;
  std::string key, value;
  for (int i = first; i < first + count; ++i) {
    const geo::CellId cell{static_cast<int16_t>(28 + i % 2), static_cast<int16_t>(25 + i % 3)};
    const auto [lat, lon] = grid.Centre(cell);
    trip::Trip t;
    t.pickup_time = core::FromEpochSeconds(kTripsBase + i * 10);
    t.dropoff_time = t.pickup_time + std::chrono::seconds(600);
    t.pickup_lat = lat;
    t.pickup_lon = lon;
    t.dropoff_lat = lat + 0.01;
    t.dropoff_lon = lon;
    t.distance_mi = 2.0 + 0.01 * (i % 7);
    t.event_id = 1000 + static_cast<uint64_t>(i);
    key.clear();
    value.clear();
    codec::AppendCellKey(cell, &key);
    codec::AppendTripMessage(t, cell, true, &value);
    ASSERT_TRUE((*producer)->Produce(topic, key, value, codec::PartitionForCell(cell, partitions)).ok());
  }
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(30)).ok());
}

}  // namespace traffic::pipeline::test_trips

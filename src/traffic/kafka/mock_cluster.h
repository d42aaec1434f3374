// librdkafka's in-process mock cluster, for unit tests of code that talks to Kafka without a
// broker (kafka/client_test.cc lists what the 2.0.2 mock supports and what it does not). Test
// support only: a failure to set the mock up is a bug in the test and aborts.
#pragma once

#include <string>

#include "traffic/kafka/client.h"

namespace traffic::kafka {

class MockCluster {
 public:
  explicit MockCluster(int brokers = 3);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstraps() const;
  // Aborts when the mock refuses (a bad name or partition count).
  void CreateTopic(const std::string& name, int partitions);
  // The 2.0.2 mock speaks a Metadata version without AllowAutoTopicCreation and creates every
  // topic it is asked about; this makes it answer "unknown topic" for `name` instead.
  void MarkMissing(const std::string& name);
  // A client configuration that reaches the mock.
  ClientConfig Config() const;

 private:
  void* rk_ = nullptr;    // rd_kafka_t
  void* mock_ = nullptr;  // rd_kafka_mock_cluster_t
};

}  // namespace traffic::kafka

#include "traffic/kafka/mock_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdio>
#include <cstdlib>

namespace traffic::kafka {
namespace {

rd_kafka_mock_cluster_t* Mock(void* m) { return static_cast<rd_kafka_mock_cluster_t*>(m); }

}  // namespace

MockCluster::MockCluster(int brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    std::fprintf(stderr, "mock cluster: %s\n", err);
    std::abort();
  }
  rk_ = rk;
  mock_ = rd_kafka_mock_cluster_new(rk, brokers);
  if (mock_ == nullptr) {
    std::fprintf(stderr, "mock cluster: rd_kafka_mock_cluster_new failed\n");
    std::abort();
  }
}

MockCluster::~MockCluster() {
  rd_kafka_mock_cluster_destroy(Mock(mock_));
  rd_kafka_destroy(static_cast<rd_kafka_t*>(rk_));
}

std::string MockCluster::bootstraps() const { return rd_kafka_mock_cluster_bootstraps(Mock(mock_)); }

void MockCluster::CreateTopic(const std::string& name, int partitions) {
  rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(Mock(mock_), name.c_str(), partitions, 1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "mock cluster: create topic %s: %s\n", name.c_str(), rd_kafka_err2str(e));
    std::abort();
  }
}

void MockCluster::MarkMissing(const std::string& name) {
  rd_kafka_mock_topic_set_error(Mock(mock_), name.c_str(), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
}

ClientConfig MockCluster::Config() const {
  ClientConfig c;
  c.brokers = bootstraps();
  c.connect_timeout = std::chrono::seconds(10);
  // The mock cannot honour "false" (see MarkMissing) and would warn about it on every request.
  c.properties = {{"allow.auto.create.topics", "true"}};
  return c;
}

}  // namespace traffic::kafka

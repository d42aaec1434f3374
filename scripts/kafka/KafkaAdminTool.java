// Small admin helper for scripts/kafka.sh, compiled at install time against the broker's own jars
// (kafka-clients). One JVM does the readiness probe or creates every topic, instead of one
// kafka-topics.sh JVM per topic.
//
//   KafkaAdminTool ready BOOTSTRAP TIMEOUT_MS
//       exit 0 once the broker answers a DescribeCluster request, 1 if it does not within the time.
//   KafkaAdminTool create-topics BOOTSTRAP NAME:PARTITIONS ...
//       creates each missing topic with replication factor 1; an existing topic is left as it is
//       (its partition count is reported, and a warning printed if it differs). Exit 0 on success.
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

public final class KafkaAdminTool {
  private KafkaAdminTool() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: KafkaAdminTool ready BOOTSTRAP TIMEOUT_MS"
          + " | create-topics BOOTSTRAP NAME:PARTITIONS...");
      System.exit(2);
    }
    String command = args[0];
    String bootstrap = args[1];
    switch (command) {
      case "ready":
        System.exit(ready(bootstrap, Long.parseLong(args.length > 2 ? args[2] : "30000")));
        break;
      case "create-topics":
        List<String> specs = new ArrayList<>();
        for (int i = 2; i < args.length; i++) specs.add(args[i]);
        System.exit(createTopics(bootstrap, specs));
        break;
      default:
        System.err.println("KafkaAdminTool: unknown command " + command);
        System.exit(2);
    }
  }

  private static Admin open(String bootstrap, int requestTimeoutMs) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(requestTimeoutMs, 15000));
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "smart-city-traffic-kafka-sh");
    return Admin.create(props);
  }

  private static int ready(String bootstrap, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    String last = "no answer";
    try (Admin admin = open(bootstrap, 5000)) {
      while (System.nanoTime() < deadline) {
        try {
          int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
              .nodes().get(6, TimeUnit.SECONDS).size();
          if (nodes > 0) return 0;
          last = "cluster has no live broker yet";
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          last = String.valueOf(e.getCause() != null ? e.getCause() : e);
        }
        Thread.sleep(300);
      }
    }
    System.err.println("KafkaAdminTool: broker at " + bootstrap + " not ready: " + last);
    return 1;
  }

  private static int createTopics(String bootstrap, List<String> specs) throws Exception {
    try (Admin admin = open(bootstrap, 15000)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> wanted = new ArrayList<>();
      for (String spec : specs) {
        int colon = spec.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("topic spec must be NAME:PARTITIONS: " + spec);
        String name = spec.substring(0, colon);
        int partitions = Integer.parseInt(spec.substring(colon + 1));
        if (existing.contains(name)) {
          reportExisting(admin, name, partitions);
        } else {
          wanted.add(new NewTopic(name, partitions, (short) 1));
        }
      }
      int failures = 0;
      if (!wanted.isEmpty()) {
        Map<String, org.apache.kafka.common.KafkaFuture<Void>> results =
            admin.createTopics(wanted).values();
        for (NewTopic topic : wanted) {
          try {
            results.get(topic.name()).get(30, TimeUnit.SECONDS);
            System.out.println("created topic " + topic.name() + " (partitions "
                + topic.numPartitions() + ", replication 1)");
          } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
              reportExisting(admin, topic.name(), topic.numPartitions());
            } else {
              System.err.println("KafkaAdminTool: cannot create topic " + topic.name() + ": "
                  + e.getCause());
              failures++;
            }
          }
        }
      }
      return failures == 0 ? 0 : 1;
    }
  }

  private static void reportExisting(Admin admin, String name, int wantedPartitions)
      throws Exception {
    TopicDescription description = admin.describeTopics(Collections.singleton(name))
        .allTopicNames().get(30, TimeUnit.SECONDS).get(name);
    int partitions = description.partitions().size();
    System.out.println("topic " + name + " exists (partitions " + partitions + ")");
    if (partitions != wantedPartitions) {
      System.err.println("warning: topic " + name + " has " + partitions
          + " partitions, " + wantedPartitions + " wanted; left as it is"
          + " (scripts/kafka.sh reset wipes all data)");
    }
  }
}

#!/usr/bin/env bash
# A real single-node Apache Kafka broker for development and tests: KRaft mode (no ZooKeeper),
# one process that is both broker and controller, run from the Maven Central jars with the
# machine's Java 17. Nothing is downloaded after `install`; `start` works offline.
#
# Usage: scripts/kafka.sh COMMAND
#   install        fetch the jars into .deps/kafka/lib with Maven (idempotent) and compile the helper
#   start          write server.properties, format the storage once, start in the background and
#                  wait until the broker answers; succeeds at once if it is already running
#   stop           SIGTERM, wait, SIGKILL after KAFKA_STOP_TIMEOUT seconds
#   restart        stop then start, keeping the data
#   status         print whether it runs, its pid and ports; exit 0 if running, 3 if not
#   create-topics  create the project's topics if missing (`traffic topics create`: the list, with
#                  partitions and configs, lives in src/traffic/pipeline/topics.cc only), then any
#                  KAFKA_EXTRA_TOPICS
#   reset          stop it if running and wipe its data directory (topics, offsets, logs)
#
# Environment (defaults in brackets):
#   KAFKA_PORT [9092]   client listener (PLAINTEXT) on KAFKA_HOST [127.0.0.1]
#   KAFKA_CONTROLLER_PORT [KAFKA_PORT + 1]
#   KAFKA_HOME [<repo>/.deps/kafka]  jars in $KAFKA_HOME/lib, helper in $KAFKA_HOME/classes
#   KAFKA_DATA_DIR [$KAFKA_HOME/data]  everything of one broker instance: kraft/ (log.dirs),
#                  logs/ (server.log, kafka.out), server.properties, kafka.pid
#   KAFKA_HEAP [512m]  KAFKA_START_TIMEOUT [90] s  KAFKA_STOP_TIMEOUT [30] s
#   KAFKA_NUM_PARTITIONS [4]  default for topics created without a count
#   KAFKA_AUTO_CREATE_TOPICS [false]  topics are created by create-topics, so a misspelt
#                  topic name fails instead of silently making a new topic
#   KAFKA_TOPIC_PARTITIONS [4]  partitions of the project's keyed topics (taxi-trips, traffic-predictions)
#   TRAFFIC_BIN [<repo>/build/release/traffic]  the binary create-topics runs; when it is not built,
#                  the project's topics are left to `traffic produce` / `traffic stream`, which create
#                  what they need
#   KAFKA_EXTRA_TOPICS  more topics for create-topics, space-separated NAME:PARTITIONS
#   KAFKA_EXTRA_PROPERTIES  extra server.properties lines (newline-separated key=value), appended last
#   KAFKA_CLUSTER_ID  cluster id used when the storage is first formatted [random]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
ASSETS_DIR="$SCRIPT_DIR/kafka"

KAFKA_VERSION=3.9.2   # keep equal to kafka.version in scripts/kafka/pom.xml
KAFKA_HOME="${KAFKA_HOME:-$REPO_DIR/.deps/kafka}"
KAFKA_LIB="$KAFKA_HOME/lib"
KAFKA_CLASSES="$KAFKA_HOME/classes"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$KAFKA_HOME/data}"
KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_NUM_PARTITIONS="${KAFKA_NUM_PARTITIONS:-4}"
KAFKA_AUTO_CREATE_TOPICS="${KAFKA_AUTO_CREATE_TOPICS:-false}"
KAFKA_TOPIC_PARTITIONS="${KAFKA_TOPIC_PARTITIONS:-4}"
TRAFFIC_BIN="${TRAFFIC_BIN:-$REPO_DIR/build/release/traffic}"

KRAFT_DIR="$KAFKA_DATA_DIR/kraft"
LOG_DIR="$KAFKA_DATA_DIR/logs"
SERVER_LOG="$LOG_DIR/server.log"
STDOUT_LOG="$LOG_DIR/kafka.out"
CONFIG_FILE="$KAFKA_DATA_DIR/server.properties"
PID_FILE="$KAFKA_DATA_DIR/kafka.pid"
MARKER_FILE="$KAFKA_LIB/.installed"
BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"

say() { echo "kafka: $*" >&2; }
die() { echo "kafka: error: $*" >&2; exit 1; }
# shellcheck source=lib/jvm_service.sh
source "$SCRIPT_DIR/lib/jvm_service.sh"

# ---------------------------------------------------------------------------------------------
# install

# What the installed jars were made from: the version, the pom and the helper's source.
install_fingerprint() {
  { echo "$KAFKA_VERSION"; cat "$ASSETS_DIR/pom.xml" "$ASSETS_DIR/KafkaAdminTool.java"; } \
    | sha256sum | cut -d' ' -f1
}

is_installed() {
  [ -f "$MARKER_FILE" ] && [ "$(cat "$MARKER_FILE")" = "$(install_fingerprint)" ] \
    && [ -f "$KAFKA_CLASSES/KafkaAdminTool.class" ] \
    && compgen -G "$KAFKA_LIB/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null
}


cmd_install() {
  if is_installed; then
    say "Kafka $KAFKA_VERSION already installed in $KAFKA_LIB"
    return 0
  fi
  check_java
  command -v mvn >/dev/null || die "mvn not found (Maven fetches the Kafka jars from Maven Central)"
  command -v javac >/dev/null || die "javac not found (a JDK is needed to compile the admin helper)"
  mkdir -p "$KAFKA_HOME"
  local tmp_lib="$KAFKA_HOME/lib.tmp.$$" tmp_classes="$KAFKA_HOME/classes.tmp.$$"
  rm -rf "$tmp_lib" "$tmp_classes"
  trap 'rm -rf "$tmp_lib" "$tmp_classes"' EXIT
  say "installing Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIB"
  mvn -B -q -Dstyle.color=never -f "$ASSETS_DIR/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp_lib" 2>&1 \
    | sed -u 's/\x1b\[[0-9;]*m//g' >&2 \
    || die "mvn could not fetch the Kafka jars (see the Maven output above)"
  [ -f "$tmp_lib/kafka_2.13-$KAFKA_VERSION.jar" ] || die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  mkdir -p "$tmp_classes"
  javac -nowarn -d "$tmp_classes" -cp "$tmp_lib/*" "$ASSETS_DIR/KafkaAdminTool.java" >&2 \
    || die "could not compile $ASSETS_DIR/KafkaAdminTool.java"
  rm -rf "$KAFKA_LIB" "$KAFKA_CLASSES"
  mv "$tmp_lib" "$KAFKA_LIB"
  mv "$tmp_classes" "$KAFKA_CLASSES"
  trap - EXIT
  install_fingerprint > "$MARKER_FILE"
  say "installed: $(ls "$KAFKA_LIB"/*.jar | wc -l) jars, $(du -sh "$KAFKA_LIB" | cut -f1) in $KAFKA_LIB"
}

ensure_installed() {
  if ! is_installed; then
    say "not installed yet; running install"
    cmd_install
  fi
}

# ---------------------------------------------------------------------------------------------
# process helpers

# Pid of the running broker of this data directory, or nothing.
running_pid() {
  [ -f "$PID_FILE" ] || return 0
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  # grep reads a process substitution, not a pipe: with pipefail, an early-exiting grep -q could
  # fail the pipeline through the writer's SIGPIPE.
  if kill -0 "$pid" 2>/dev/null \
      && grep -qF "kafka.Kafka $CONFIG_FILE" <(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null); then
    echo "$pid"
  fi
}


SERVER_LOG_OFFSET=0  # size of server.log before this start: older lines are not this start's

tail_logs() {
  if [ -s "$STDOUT_LOG" ]; then
    echo "----- last lines of $STDOUT_LOG -----" >&2
    tail -n 40 "$STDOUT_LOG" >&2
  fi
  if [ -s "$SERVER_LOG" ]; then
    echo "----- last lines of $SERVER_LOG -----" >&2
    tail -c "+$((SERVER_LOG_OFFSET + 1))" "$SERVER_LOG" | tail -n 40 >&2
  fi
}

helper() {  # runs KafkaAdminTool with quiet logging and a fast-starting small JVM
  java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j.configuration="file:$ASSETS_DIR/tools-log4j.properties" \
    -cp "$KAFKA_CLASSES:$KAFKA_LIB/*" KafkaAdminTool "$@"
}

# ---------------------------------------------------------------------------------------------
# start / stop

write_config() {
  local tmp="$CONFIG_FILE.tmp.$$"
  cat > "$tmp" <<EOF
# Written by scripts/kafka.sh start on every start; edit the script or KAFKA_EXTRA_PROPERTIES, not this.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KRAFT_DIR

num.partitions=$KAFKA_NUM_PARTITIONS
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=$KAFKA_AUTO_CREATE_TOPICS
delete.topic.enable=true

# One node: internal topics with one replica, so consumer groups and transactions
# (exactly-once) work; fewer partitions than the defaults (50) so they are created fast.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=8
group.initial.rebalance.delay.ms=0

# After a crash (SIGKILL) the restarted broker may register only once the controller has expired
# the old incarnation's session: 4 s here instead of the default 9 s, for faster fault tests.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000

num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=268435456
log.retention.check.interval.ms=300000
EOF
  if [ -n "${KAFKA_EXTRA_PROPERTIES:-}" ]; then
    printf '\n# KAFKA_EXTRA_PROPERTIES\n%s\n' "$KAFKA_EXTRA_PROPERTIES" >> "$tmp"
  fi
  mv "$tmp" "$CONFIG_FILE"
}

random_cluster_id() {  # 16 random bytes, URL-safe base64 without padding, as Kafka's Uuid prints
  head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

format_storage_once() {
  if [ -f "$KRAFT_DIR/meta.properties" ]; then
    return 0
  fi
  local cluster_id="${KAFKA_CLUSTER_ID:-$(random_cluster_id)}"
  say "formatting storage in $KRAFT_DIR (cluster id $cluster_id)"
  java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j.configuration="file:$ASSETS_DIR/tools-log4j.properties" \
    -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$CONFIG_FILE" --ignore-formatted >&2 \
    || die "formatting $KRAFT_DIR failed"
}

cmd_start() {
  local pid
  pid="$(running_pid)"
  if [ -n "$pid" ]; then
    say "already running (pid $pid, $BOOTSTRAP)"
    return 0
  fi
  ensure_installed
  check_java
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$KAFKA_HOST" "$port"; then
      die "port $KAFKA_HOST:$port is already in use by another process" \
          "(not the broker of $KAFKA_DATA_DIR); set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
    fi
  done
  mkdir -p "$KRAFT_DIR" "$LOG_DIR"
  rm -f "$PID_FILE"
  write_config
  format_storage_once

  local started_at
  started_at="$(date +%s.%N)"
  SERVER_LOG_OFFSET=0
  [ -f "$SERVER_LOG" ] && SERVER_LOG_OFFSET="$(stat -c %s "$SERVER_LOG")"
  # setsid: the broker is a service, it outlives this script and the caller's process group.
  # bash -c writes its own pid then execs java, so the pid file names the JVM itself. It closes
  # every descriptor above stderr first: a broker started from a test that inherited the pipe of
  # its caller's `| tee` kept that pipe open, and the caller waited for its end for ever.
  setsid bash -c 'echo $$ > "$1"; shift
    for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null
    exec "$@"' kafka-start "$PID_FILE" \
    java -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$ASSETS_DIR/log4j.properties" -Dkafka.logs.dir="$LOG_DIR" \
      -cp "$KAFKA_LIB/*" kafka.Kafka "$CONFIG_FILE" \
      > "$STDOUT_LOG" 2>&1 < /dev/null 9>&- &
  local launcher=$!

  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  pid=""
  while [ $SECONDS -lt $deadline ]; do
    [ -z "$pid" ] && [ -s "$PID_FILE" ] && pid="$(cat "$PID_FILE")"
    if [ -z "$pid" ] && ! kill -0 "$launcher" 2>/dev/null; then
      tail_logs
      die "the broker process could not be launched (logs above)"
    fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail_logs
      die "the broker exited during start-up (logs above)"
    fi
    if [ -n "$pid" ] && [ -f "$SERVER_LOG" ] \
        && grep -q 'Kafka Server started' <(tail -c "+$((SERVER_LOG_OFFSET + 1))" "$SERVER_LOG") \
        && port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      break
    fi
    sleep 0.2
  done
  if [ $SECONDS -ge $deadline ]; then
    tail_logs
    say "the broker did not start within ${KAFKA_START_TIMEOUT}s; stopping it"
    cmd_stop
    die "start failed (logs above; KAFKA_START_TIMEOUT=$KAFKA_START_TIMEOUT)"
  fi
  # The log line says the server started; a real request proves it serves clients.
  if ! helper ready "$BOOTSTRAP" 30000; then
    tail_logs
    cmd_stop
    die "the broker does not answer on $BOOTSTRAP (logs above)"
  fi
  local elapsed
  elapsed="$(awk -v a="$(date +%s.%N)" -v b="$started_at" 'BEGIN { printf "%.1f", a - b }')"
  say "started Kafka $KAFKA_VERSION (pid $pid) on $BOOTSTRAP in ${elapsed}s;" \
      "log $SERVER_LOG, data $KRAFT_DIR"
}

cmd_stop() {
  local pid
  pid="$(running_pid)"
  if [ -z "$pid" ]; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  stop_pid "$pid" "the broker" "$KAFKA_STOP_TIMEOUT"
  rm -f "$PID_FILE"
  say "stopped"
}

cmd_status() {
  local pid
  pid="$(running_pid)"
  if [ -n "$pid" ]; then
    echo "kafka: running, pid $pid, $BOOTSTRAP (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT)," \
         "data $KRAFT_DIR, log $SERVER_LOG"
    return 0
  fi
  echo "kafka: not running ($BOOTSTRAP, data $KAFKA_DATA_DIR)"
  return 3
}

cmd_create_topics() {
  [ -n "$(running_pid)" ] || die "not running; run scripts/kafka.sh start first"
  ensure_installed
  # The project's topics come from the binary, so the list (names, partitions, the compacted
  # state topic's configs) is kept in one place, src/traffic/pipeline/topics.cc.
  if [ -x "$TRAFFIC_BIN" ]; then
    "$TRAFFIC_BIN" topics create --brokers "$BOOTSTRAP" --partitions "$KAFKA_TOPIC_PARTITIONS" >/dev/null \
      || die "creating the project's topics on $BOOTSTRAP failed ($TRAFFIC_BIN topics create)"
  else
    say "$TRAFFIC_BIN is not built: the project's topics are created by traffic produce / stream when they start"
  fi
  local extra_topics=()
  read -ra extra_topics <<<"${KAFKA_EXTRA_TOPICS:-}"
  if [ "${#extra_topics[@]}" -gt 0 ]; then
    helper create-topics "$BOOTSTRAP" "${extra_topics[@]}" || die "creating topics on $BOOTSTRAP failed"
  fi
}

cmd_reset() {
  cmd_stop
  case "$KAFKA_DATA_DIR" in
    ""|"/"|"$HOME"|"$REPO_DIR") die "refusing to wipe KAFKA_DATA_DIR=$KAFKA_DATA_DIR" ;;
  esac
  rm -rf "$KAFKA_DATA_DIR"
  say "wiped $KAFKA_DATA_DIR"
}

# Commands that change state take a lock, so that concurrent callers (tests run in parallel) do
# not start two brokers or format twice; the broker itself does not inherit it (9>&- above).
lock() { service_lock "$KAFKA_HOME" kafka.sh; }

case "${1:-}" in
  install) lock; cmd_install ;;
  start) lock; cmd_start ;;
  stop) lock; cmd_stop ;;
  restart) lock; cmd_stop; cmd_start ;;
  status) cmd_status ;;
  create-topics) cmd_create_topics ;;
  reset) lock; cmd_reset ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

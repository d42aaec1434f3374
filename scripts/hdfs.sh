#!/usr/bin/env bash
# A real single-node Apache HDFS for development and tests: one NameNode and one DataNode, each a
# JVM run straight from the Maven Central jars (no Hadoop tarball) with the machine's Java 17,
# everything bound to 127.0.0.1, WebHDFS on, permissions on, replication 1. Nothing is downloaded
# after `install`; `start` works offline.
#
# Usage: scripts/hdfs.sh COMMAND
#   install   fetch the jars into .deps/hdfs/lib with Maven (idempotent), the daemons' web
#             applications into .deps/hdfs/web
#   start     write the config, format the NameNode once (first start), start the NameNode and the
#             DataNode in the background and wait until HDFS is healthy: the NameNode out of safe
#             mode with a live DataNode that has capacity, and the DataNode registered with it (both
#             asked over their JMX HTTP endpoints with curl); succeeds at once if both already run
#             and HDFS is healthy
#   stop      stop the DataNode then the NameNode: SIGTERM, wait, SIGKILL after HDFS_STOP_TIMEOUT s
#   restart   stop then start, keeping the data
#   status    print whether the daemons run, their pids and ports, safe mode, live DataNodes and
#             capacity; exit 0 if healthy, 3 if neither daemon runs, 4 if running but not healthy
#   reset     stop it if running and wipe its data directory (namespace, blocks, logs)
#
# Endpoints (defaults): fs.defaultFS hdfs://127.0.0.1:9000, WebHDFS http://127.0.0.1:9870/webhdfs/v1
# (it redirects reads and writes to the DataNode on 127.0.0.1:9864). Permissions are checked: the
# user that runs this script is the HDFS superuser; WebHDFS callers name themselves with user.name=.
#
# Environment (defaults in brackets):
#   HDFS_HOST [127.0.0.1]  the address every daemon binds to and advertises
#   HDFS_NAMENODE_PORT [9000]  NameNode RPC (fs.defaultFS)
#   HDFS_NAMENODE_HTTP_PORT [9870]  NameNode web UI, JMX and WebHDFS
#   HDFS_DATANODE_PORT [9866]  DataNode data transfer
#   HDFS_DATANODE_HTTP_PORT [9864]  DataNode HTTP (WebHDFS reads and writes are redirected here)
#   HDFS_DATANODE_IPC_PORT [9867]  DataNode IPC
#   HDFS_HOME [<repo>/.deps/hdfs]  jars in $HDFS_HOME/lib, web applications in $HDFS_HOME/web
#   HDFS_DATA_DIR [$HDFS_HOME/data]  everything of one HDFS instance: conf/ (core-site.xml,
#             hdfs-site.xml, log4j.properties, written on every start), name/ (NameNode metadata),
#             datanode/ (blocks), tmp/, logs/ (namenode.log, datanode.log, hdfs-audit.log, *.out),
#             namenode.pid, datanode.pid
#   HDFS_NAMENODE_HEAP [384m]  HDFS_DATANODE_HEAP [384m]
#   HDFS_START_TIMEOUT [120] s  HDFS_STOP_TIMEOUT [30] s
#   HDFS_CLUSTER_ID [CID-smart-city-traffic]  cluster id given to the NameNode format (first start)
#   HDFS_EXTRA_PROPERTIES  extra configuration (newline-separated key=value), added to hdfs-site.xml
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
ASSETS_DIR="$SCRIPT_DIR/hdfs"

HADOOP_VERSION=3.4.2   # keep equal to hadoop.version in scripts/hdfs/pom.xml
HDFS_HOME="${HDFS_HOME:-$REPO_DIR/.deps/hdfs}"
HDFS_LIB="$HDFS_HOME/lib"
HDFS_WEB="$HDFS_HOME/web"   # holds webapps/ (the daemons' web applications), on the classpath
HDFS_DATA_DIR="${HDFS_DATA_DIR:-$HDFS_HOME/data}"
HDFS_HOST="${HDFS_HOST:-127.0.0.1}"
HDFS_NAMENODE_PORT="${HDFS_NAMENODE_PORT:-9000}"
HDFS_NAMENODE_HTTP_PORT="${HDFS_NAMENODE_HTTP_PORT:-9870}"
HDFS_DATANODE_PORT="${HDFS_DATANODE_PORT:-9866}"
HDFS_DATANODE_HTTP_PORT="${HDFS_DATANODE_HTTP_PORT:-9864}"
HDFS_DATANODE_IPC_PORT="${HDFS_DATANODE_IPC_PORT:-9867}"
HDFS_NAMENODE_HEAP="${HDFS_NAMENODE_HEAP:-384m}"
HDFS_DATANODE_HEAP="${HDFS_DATANODE_HEAP:-384m}"
HDFS_START_TIMEOUT="${HDFS_START_TIMEOUT:-120}"
HDFS_STOP_TIMEOUT="${HDFS_STOP_TIMEOUT:-30}"
HDFS_CLUSTER_ID="${HDFS_CLUSTER_ID:-CID-smart-city-traffic}"

CONF_DIR="$HDFS_DATA_DIR/conf"
NAME_DIR="$HDFS_DATA_DIR/name"
DATANODE_DIR="$HDFS_DATA_DIR/datanode"
TMP_DIR="$HDFS_DATA_DIR/tmp"
LOG_DIR="$HDFS_DATA_DIR/logs"
MARKER_FILE="$HDFS_LIB/.installed"
FS_URI="hdfs://$HDFS_HOST:$HDFS_NAMENODE_PORT"
NAMENODE_JMX="http://$HDFS_HOST:$HDFS_NAMENODE_HTTP_PORT/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState"
DATANODE_JMX="http://$HDFS_HOST:$HDFS_DATANODE_HTTP_PORT/jmx?qry=Hadoop:service=DataNode,name=DataNodeInfo"

NAMENODE_CLASS=org.apache.hadoop.hdfs.server.namenode.NameNode
DATANODE_CLASS=org.apache.hadoop.hdfs.server.datanode.DataNode

say() { echo "hdfs: $*" >&2; }
die() { echo "hdfs: error: $*" >&2; exit 1; }
# shellcheck source=lib/jvm_service.sh
source "$SCRIPT_DIR/lib/jvm_service.sh"

# ---------------------------------------------------------------------------------------------
# install

# What the installed jars were made from: the version and the pom.
install_fingerprint() {
  { echo "$HADOOP_VERSION"; cat "$ASSETS_DIR/pom.xml"; } | sha256sum | cut -d' ' -f1
}

is_installed() {
  [ -f "$MARKER_FILE" ] && [ "$(cat "$MARKER_FILE")" = "$(install_fingerprint)" ] \
    && [ -f "$HDFS_LIB/hadoop-hdfs-$HADOOP_VERSION.jar" ] \
    && [ -f "$HDFS_LIB/hadoop-common-$HADOOP_VERSION.jar" ] \
    && [ -f "$HDFS_WEB/webapps/hdfs/WEB-INF/web.xml" ] && [ -f "$HDFS_WEB/webapps/datanode/WEB-INF/web.xml" ]
}


cmd_install() {
  if is_installed; then
    say "Hadoop $HADOOP_VERSION already installed in $HDFS_LIB"
    return 0
  fi
  check_java
  command -v mvn >/dev/null || die "mvn not found (Maven fetches the Hadoop jars from Maven Central)"
  command -v unzip >/dev/null || command -v jar >/dev/null \
    || die "neither unzip nor jar found (one extracts the web applications from the tests jar)"
  mkdir -p "$HDFS_HOME"
  local tmp_lib="$HDFS_HOME/lib.tmp.$$" tmp_web="$HDFS_HOME/web.tmp.$$"
  rm -rf "$tmp_lib" "$tmp_web"
  trap 'rm -rf "$tmp_lib" "$tmp_web"' EXIT
  say "installing Hadoop $HADOOP_VERSION (HDFS) jars from Maven Central into $HDFS_LIB"
  mvn -B -q -Dstyle.color=never -f "$ASSETS_DIR/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp_lib" 2>&1 \
    | sed -u 's/\x1b\[[0-9;]*m//g' >&2 \
    || die "mvn could not fetch the Hadoop jars (see the Maven output above)"
  local jar
  for jar in hadoop-hdfs hadoop-hdfs-client hadoop-common hadoop-auth; do
    [ -f "$tmp_lib/$jar-$HADOOP_VERSION.jar" ] || die "$jar-$HADOOP_VERSION.jar missing after mvn"
  done
  # webapps/ only, out of the tests jar (see scripts/hdfs/pom.xml); the jar itself goes.
  local tests_jar="$tmp_lib/hadoop-hdfs-$HADOOP_VERSION-tests.jar"
  [ -f "$tests_jar" ] || die "hadoop-hdfs-$HADOOP_VERSION-tests.jar missing after mvn"
  tests_jar="$(cd "$tmp_lib" && pwd)/${tests_jar##*/}"
  mkdir -p "$tmp_web"
  if command -v unzip >/dev/null; then
    unzip -q "$tests_jar" 'webapps/*' -d "$tmp_web" >&2
  else
    (cd "$tmp_web" && jar xf "$tests_jar" webapps) >&2
  fi || die "could not extract webapps/ from $tests_jar"
  [ -f "$tmp_web/webapps/hdfs/WEB-INF/web.xml" ] || die "no webapps/hdfs in $tests_jar"
  rm -f "$tests_jar"
  rm -rf "$HDFS_LIB" "$HDFS_WEB"
  mv "$tmp_lib" "$HDFS_LIB"
  mv "$tmp_web" "$HDFS_WEB"
  trap - EXIT
  install_fingerprint > "$MARKER_FILE"
  say "installed: $(ls "$HDFS_LIB"/*.jar | wc -l) jars, $(du -sh "$HDFS_LIB" | cut -f1) in $HDFS_LIB;" \
      "web applications, $(du -sh "$HDFS_WEB" | cut -f1), in $HDFS_WEB"
}

ensure_installed() {
  if ! is_installed; then
    say "not installed yet; running install"
    cmd_install
  fi
}

# ---------------------------------------------------------------------------------------------
# process helpers

role_class() { if [ "$1" = namenode ]; then echo "$NAMENODE_CLASS"; else echo "$DATANODE_CLASS"; fi; }
role_name() { if [ "$1" = namenode ]; then echo NameNode; else echo DataNode; fi; }
pid_file() { echo "$HDFS_DATA_DIR/$1.pid"; }

# Pid of the running daemon ROLE (namenode, datanode) of this data directory, or nothing.
running_pid() {
  local file pid
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 0
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  # The JVM of this data directory and role: each argument in cmdline is followed by a space.
  kill -0 "$pid" 2>/dev/null || return 0
  local cmdline
  cmdline="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)"
  if [[ "$cmdline" == *" -Dhdfs.sh.instance=$HDFS_DATA_DIR "*" $(role_class "$1") "* ]]; then
    echo "$pid"
  fi
}


check_ports_free() {  # role port...: fail if another process listens on one of them
  local role="$1" port
  shift
  for port in "$@"; do
    if port_open "$HDFS_HOST" "$port"; then
      die "port $HDFS_HOST:$port, needed by the $(role_name "$role"), is already in use by another" \
          "process (not the HDFS of $HDFS_DATA_DIR); set the HDFS_*_PORT variables"
    fi
  done
}

declare -A LOG_OFFSET=()  # size of each log before this start: older lines are not this start's

note_log_offsets() {
  local f
  for f in namenode.log namenode.out datanode.log datanode.out; do
    LOG_OFFSET[$f]=0
    if [ -f "$LOG_DIR/$f" ]; then LOG_OFFSET[$f]="$(stat -c %s "$LOG_DIR/$f")"; fi
  done
}

tail_logs() {
  local f
  for f in namenode.out namenode.log datanode.out datanode.log; do
    if [ -s "$LOG_DIR/$f" ]; then
      echo "----- last lines of $LOG_DIR/$f -----" >&2
      # cut: the start-up banner has the whole classpath on one line.
      tail -c "+$((${LOG_OFFSET[$f]:-0} + 1))" "$LOG_DIR/$f" | tail -n 30 | cut -c1-400 >&2
    fi
  done
}

jmx() {  # url: the JSON of a JMX query on one line, or nothing when nothing answers
  command -v curl >/dev/null || die "curl not found (it asks the daemons' JMX whether HDFS is healthy)"
  curl -sf --noproxy '*' --max-time 3 "$1" 2>/dev/null | tr -d '\n' || true
}

# What the daemons say, as "FSSTATE LIVE_DATANODES CAPACITY_TOTAL CAPACITY_REMAINING ACTOR_STATE":
# the NameNode's FSNamesystemState (FSState is "safeMode" or "Operational"), and the state of the
# DataNode's link to the NameNode (RUNNING once registered; "unknown" when the DataNode does not
# answer or is not asked yet). Nothing when the NameNode does not answer.
hdfs_state() {
  local json state live total remaining actor=""
  json="$(jmx "$NAMENODE_JMX")"
  state="$(sed -n 's/.*"FSState" *: *"\([^"]*\)".*/\1/p' <<<"$json")"
  [ -n "$state" ] || return 0
  live="$(sed -n 's/.*"NumLiveDataNodes" *: *\([0-9]*\).*/\1/p' <<<"$json")"
  total="$(sed -n 's/.*"CapacityTotal" *: *\([0-9]*\).*/\1/p' <<<"$json")"
  remaining="$(sed -n 's/.*"CapacityRemaining" *: *\([0-9]*\).*/\1/p' <<<"$json")"
  # BPServiceActorInfo is a JSON string inside the JSON: its quotes are escaped. Asked only once the
  # NameNode sees a DataNode: before it registers, the DataNode logs a stack trace for each query.
  if [ "$state" = Operational ] && [ "${live:-0}" -ge 1 ]; then
    actor="$(jmx "$DATANODE_JMX" | sed -n 's/.*ActorState[\\"]*:[\\"]*\([A-Z_]*\).*/\1/p')"
  fi
  echo "$state ${live:-0} ${total:-0} ${remaining:-0} ${actor:-unknown}"
}

# Healthy: out of safe mode (FSState Operational), at least one live DataNode with some capacity,
# and our DataNode registered (the NameNode counts a DataNode that just stopped as live for ~50 s).
state_healthy() {  # "FSSTATE LIVE TOTAL REMAINING ACTOR_STATE"
  local state live total remaining actor
  read -r state live total remaining actor <<<"$1"
  [ "${state:-}" = Operational ] && [ "${live:-0}" -ge 1 ] && [ "${total:-0}" -gt 0 ] \
    && [ "${actor:-}" = RUNNING ]
}

# ---------------------------------------------------------------------------------------------
# config

xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' <<<"$1"; }

prop() {  # name value: one <property> of a Hadoop configuration file
  printf '  <property><name>%s</name><value>%s</value></property>\n' "$1" "$(xml_escape "$2")"
}

write_config() {
  mkdir -p "$CONF_DIR"
  if [ ! -s "$CONF_DIR/http-signature-secret" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 > "$CONF_DIR/http-signature-secret")
  fi
  local h="$HDFS_HOST" tmp
  tmp="$CONF_DIR/core-site.xml.tmp.$$"
  {
    echo '<?xml version="1.0"?>'
    echo '<!-- Written by scripts/hdfs.sh start on every start; edit the script or HDFS_EXTRA_PROPERTIES, not this. -->'
    echo '<configuration>'
    prop fs.defaultFS "$FS_URI"
    prop hadoop.tmp.dir "$TMP_DIR"
    prop hadoop.security.authentication simple
    # The secret that signs the HTTP servers' auth cookies (else a random one, with a warning).
    prop hadoop.http.authentication.signature.secret.file "$CONF_DIR/http-signature-secret"
    echo '</configuration>'
  } > "$tmp"
  mv "$tmp" "$CONF_DIR/core-site.xml"

  tmp="$CONF_DIR/hdfs-site.xml.tmp.$$"
  {
    echo '<?xml version="1.0"?>'
    echo '<!-- Written by scripts/hdfs.sh start on every start; edit the script or HDFS_EXTRA_PROPERTIES, not this. -->'
    echo '<configuration>'
    prop dfs.namenode.name.dir "file://$NAME_DIR"
    prop dfs.datanode.data.dir "file://$DATANODE_DIR"
    prop dfs.replication 1
    prop dfs.permissions.enabled true
    prop dfs.webhdfs.enabled true
    prop dfs.http.policy HTTP_ONLY
    echo '  <!-- Every endpoint on HDFS_HOST, at fixed ports; the unused HTTPS and secondary ones too. -->'
    prop dfs.namenode.rpc-address "$h:$HDFS_NAMENODE_PORT"
    prop dfs.namenode.http-address "$h:$HDFS_NAMENODE_HTTP_PORT"
    prop dfs.namenode.https-address "$h:0"
    prop dfs.namenode.secondary.http-address "$h:0"
    prop dfs.namenode.secondary.https-address "$h:0"
    prop dfs.namenode.backup.address "$h:0"
    prop dfs.namenode.backup.http-address "$h:0"
    prop dfs.datanode.address "$h:$HDFS_DATANODE_PORT"
    prop dfs.datanode.http.address "$h:$HDFS_DATANODE_HTTP_PORT"
    prop dfs.datanode.https.address "$h:0"
    prop dfs.datanode.ipc.address "$h:$HDFS_DATANODE_IPC_PORT"
    echo '  <!-- The DataNode registers as HDFS_HOST, not the machine name: WebHDFS redirects and'
    echo '       clients go to that address. -->'
    prop dfs.datanode.hostname "$h"
    prop dfs.client.use.datanode.hostname false
    prop dfs.datanode.use.datanode.hostname false
    prop dfs.namenode.datanode.registration.ip-hostname-check false
    echo '  <!-- One node: no safe-mode extension after the blocks are reported; a dead DataNode is'
    echo '       noticed in about 50 s instead of 10.5 min. -->'
    prop dfs.namenode.safemode.extension 0
    prop dfs.namenode.heartbeat.recheck-interval 10000
    prop dfs.namenode.handler.count 10
    prop dfs.datanode.handler.count 5
    # The shipped default (1000) makes the DataNode warn at every start that it ignores it.
    prop dfs.datanode.directoryscan.throttle.limit.ms.per.sec -1
    if [ -n "${HDFS_EXTRA_PROPERTIES:-}" ]; then
      echo '  <!-- HDFS_EXTRA_PROPERTIES -->'
      local line
      while IFS= read -r line; do
        [ -z "${line// /}" ] && continue
        [[ "$line" == *=* ]] || die "HDFS_EXTRA_PROPERTIES: '$line' is not key=value"
        prop "${line%%=*}" "${line#*=}"
      done <<<"$HDFS_EXTRA_PROPERTIES"
    fi
    echo '</configuration>'
  } > "$tmp"
  mv "$tmp" "$CONF_DIR/hdfs-site.xml"

  tmp="$CONF_DIR/log4j.properties.tmp.$$"
  cat > "$tmp" <<'EOF'
# Written by scripts/hdfs.sh start. Each daemon logs to ${hadoop.log.dir}/${hadoop.log.file}
# (namenode.log, datanode.log); the NameNode's audit log (every namespace operation, with its user
# and whether it was allowed) goes to hdfs-audit.log.
hadoop.root.logger=INFO,RFA
log4j.rootLogger=${hadoop.root.logger}
log4j.appender.RFA=org.apache.log4j.RollingFileAppender
log4j.appender.RFA.File=${hadoop.log.dir}/${hadoop.log.file}
log4j.appender.RFA.MaxFileSize=20MB
log4j.appender.RFA.MaxBackupIndex=3
log4j.appender.RFA.layout=org.apache.log4j.PatternLayout
log4j.appender.RFA.layout.ConversionPattern=%d{ISO8601} %p %c: %m%n

log4j.logger.org.apache.hadoop.hdfs.server.namenode.FSNamesystem.audit=INFO,RFAAUDIT
log4j.additivity.org.apache.hadoop.hdfs.server.namenode.FSNamesystem.audit=false
log4j.appender.RFAAUDIT=org.apache.log4j.RollingFileAppender
log4j.appender.RFAAUDIT.File=${hadoop.log.dir}/hdfs-audit.log
log4j.appender.RFAAUDIT.MaxFileSize=20MB
log4j.appender.RFAAUDIT.MaxBackupIndex=3
log4j.appender.RFAAUDIT.layout=org.apache.log4j.PatternLayout
log4j.appender.RFAAUDIT.layout.ConversionPattern=%d{ISO8601} %m%n

# No native libhadoop here (the jars come from Maven): the pure-Java code is used, said once at WARN.
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
# Per-block and per-request lines, quiet unless something goes wrong.
log4j.logger.BlockStateChange=WARN
log4j.logger.org.apache.hadoop.hdfs.server.datanode.DataNode.clienttrace=WARN
log4j.logger.org.apache.hadoop.hdfs.server.datanode.webhdfs.WebHdfsHandler=WARN
log4j.logger.org.apache.hadoop.metrics2=WARN
EOF
  mv "$tmp" "$CONF_DIR/log4j.properties"
  # No metrics sinks; the file only keeps the metrics system from warning that it has none.
  echo "# Written by scripts/hdfs.sh start: no metrics sinks (JMX stays on)." > "$CONF_DIR/hadoop-metrics2.properties"
}

# ---------------------------------------------------------------------------------------------
# start / stop

# Hadoop 3.4 is built for Java 8 and 11; on 17 some of its libraries reach into the JDK's internals
# and fail unless these packages are opened: without java.lang, every WebHDFS call on the NameNode
# fails with 500 (Jersey's WADL generation through jaxb-impl 2.2: "Unable to make ...
# ClassLoader.defineClass accessible"). The rest are those Hadoop's own Java 17 builds open.
JAVA17_OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"

java_opts() {  # heap: the JVM options of a daemon
  echo "-Xms64m -Xmx$1 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true"
  echo "-Djava.net.preferIPv4Stack=true $JAVA17_OPENS -Dhdfs.sh.instance=$HDFS_DATA_DIR"
}

format_once() {
  if [ -f "$NAME_DIR/current/VERSION" ]; then
    return 0
  fi
  mkdir -p "$LOG_DIR"
  if [ -e "$DATANODE_DIR" ]; then
    say "no formatted namespace in $NAME_DIR: removing the DataNode storage of the old one"
    rm -rf "$DATANODE_DIR"
  fi
  say "formatting the NameNode in $NAME_DIR (cluster id $HDFS_CLUSTER_ID)"
  # -force: a half-made name directory (no current/VERSION) is formatted over without a prompt.
  if ! java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true \
        -Dhadoop.log.dir="$LOG_DIR" -Dhadoop.log.file=format.log -Dhadoop.home.dir="$HDFS_HOME" \
        -Dlog4j.configuration="file:$CONF_DIR/log4j.properties" \
        -cp "$CONF_DIR:$HDFS_WEB:$HDFS_LIB/*" "$NAMENODE_CLASS" \
        -format -force -nonInteractive -clusterid "$HDFS_CLUSTER_ID" \
        > "$LOG_DIR/format.out" 2>&1 < /dev/null; then
    tail -n 30 "$LOG_DIR/format.out" "$LOG_DIR/format.log" >&2 2>/dev/null || true
    die "formatting the NameNode in $NAME_DIR failed (logs above)"
  fi
  [ -f "$NAME_DIR/current/VERSION" ] || die "the NameNode format left no $NAME_DIR/current/VERSION"
}

launch() {  # role heap: start the daemon in the background, its pid in its pid file
  local role="$1" heap="$2" file
  file="$(pid_file "$role")"
  rm -f "$file"
  # setsid: a daemon is a service, it outlives this script and the caller's process group. bash -c
  # writes its own pid then execs java, so the pid file names the JVM itself. It closes every
  # descriptor above stderr first, so a daemon started from a test does not hold the pipe of its
  # caller's `| tee` open (see scripts/kafka.sh).
  # shellcheck disable=SC2046
  setsid bash -c 'echo $$ > "$1"; shift
    for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null
    exec "$@"' hdfs-start "$file" \
    java $(java_opts "$heap") \
      -Dhadoop.log.dir="$LOG_DIR" -Dhadoop.log.file="$role.log" -Dhadoop.home.dir="$HDFS_HOME" \
      -Dhadoop.id.str="$(id -un)" -Dlog4j.configuration="file:$CONF_DIR/log4j.properties" \
      -cp "$CONF_DIR:$HDFS_WEB:$HDFS_LIB/*" "$(role_class "$role")" \
      > "$LOG_DIR/$role.out" 2>&1 < /dev/null 9>&- &
  LAUNCHER=$!
}

# Waits until the pid file of ROLE names a process; fails if the launcher or the JVM died.
wait_pid() {  # role launcher
  local role="$1" launcher="$2" file pid=""
  file="$(pid_file "$role")"
  while [ -z "$pid" ]; do
    [ -s "$file" ] && pid="$(cat "$file")"
    if [ -z "$pid" ] && ! kill -0 "$launcher" 2>/dev/null; then
      tail_logs
      die "the $(role_name "$role") could not be launched (logs above)"
    fi
    [ -n "$pid" ] || sleep 0.1
  done
  echo "$pid"
}

STARTED_NN="" STARTED_DN=""

abort_start() {  # message: stop what this start launched, show the logs, fail
  tail_logs
  if [ -n "$STARTED_DN$STARTED_NN" ]; then
    say "stopping what this start launched"
    if [ -n "$STARTED_DN" ]; then stop_role datanode; fi
    if [ -n "$STARTED_NN" ]; then stop_role namenode; fi
  fi
  die "$* (logs above; HDFS_START_TIMEOUT=$HDFS_START_TIMEOUT)"
}

cmd_start() {
  local nn dn state
  nn="$(running_pid namenode)"
  dn="$(running_pid datanode)"
  if [ -n "$nn" ] && [ -n "$dn" ]; then
    state="$(hdfs_state)"
    if state_healthy "$state"; then
      say "already running and healthy (NameNode pid $nn, DataNode pid $dn, $FS_URI)"
      return 0
    fi
  fi
  ensure_installed
  check_java
  command -v curl >/dev/null || die "curl not found (it asks the daemons' JMX whether HDFS is healthy)"
  mkdir -p "$LOG_DIR" "$TMP_DIR"
  note_log_offsets
  local started_at
  started_at="$(date +%s.%N)"
  local deadline=$((SECONDS + HDFS_START_TIMEOUT))

  [ -n "$nn" ] || check_ports_free namenode "$HDFS_NAMENODE_PORT" "$HDFS_NAMENODE_HTTP_PORT"
  [ -n "$dn" ] || check_ports_free datanode "$HDFS_DATANODE_PORT" "$HDFS_DATANODE_HTTP_PORT" "$HDFS_DATANODE_IPC_PORT"
  if [ -z "$nn" ] || [ -z "$dn" ]; then
    write_config
  fi
  if [ -z "$nn" ]; then
    format_once
    launch namenode "$HDFS_NAMENODE_HEAP"
    nn="$(wait_pid namenode "$LAUNCHER")"
    STARTED_NN=1
  else
    say "NameNode already running (pid $nn)"
  fi
  # The DataNode is launched at once, not when the NameNode answers: the two JVMs start up side by
  # side (about 3 s sooner on 2 cores), and the DataNode retries until the NameNode listens.
  if [ -z "$dn" ]; then
    launch datanode "$HDFS_DATANODE_HEAP"
    dn="$(wait_pid datanode "$LAUNCHER")"
    STARTED_DN=1
  else
    say "DataNode already running (pid $dn)"
  fi

  state=""
  while ! state_healthy "$state"; do
    if ! kill -0 "$nn" 2>/dev/null; then
      rm -f "$(pid_file namenode)"
      abort_start "the NameNode exited during start-up"
    fi
    if ! kill -0 "$dn" 2>/dev/null; then
      rm -f "$(pid_file datanode)"
      abort_start "the DataNode exited during start-up"
    fi
    if [ $SECONDS -ge $deadline ]; then
      abort_start "HDFS did not become healthy within ${HDFS_START_TIMEOUT}s" \
                  "(last NameNode state: ${state:-no answer on $NAMENODE_JMX})"
    fi
    sleep 0.5
    state="$(hdfs_state)"
  done
  local elapsed
  elapsed="$(awk -v a="$(date +%s.%N)" -v b="$started_at" 'BEGIN { printf "%.1f", a - b }')"
  say "started HDFS (Hadoop $HADOOP_VERSION) in ${elapsed}s: NameNode pid $nn on $FS_URI" \
      "(http $HDFS_HOST:$HDFS_NAMENODE_HTTP_PORT), DataNode pid $dn (http $HDFS_HOST:$HDFS_DATANODE_HTTP_PORT);" \
      "WebHDFS http://$HDFS_HOST:$HDFS_NAMENODE_HTTP_PORT/webhdfs/v1, logs $LOG_DIR"
}

stop_role() {  # role
  local role="$1" pid name
  name="$(role_name "$role")"
  pid="$(running_pid "$role")"
  if [ -z "$pid" ]; then
    rm -f "$(pid_file "$role")"
    say "$name not running"
    return 0
  fi
  stop_pid "$pid" "the $name" "$HDFS_STOP_TIMEOUT"
  rm -f "$(pid_file "$role")"
  say "$name stopped"
}

cmd_stop() {
  stop_role datanode
  stop_role namenode
}

human_bytes() {
  awk -v b="$1" 'BEGIN { split("B KiB MiB GiB TiB", u); i = 1
    while (b >= 1024 && i < 5) { b /= 1024; i++ } printf (i == 1 ? "%d %s" : "%.1f %s"), b, u[i] }'
}

cmd_status() {
  local nn dn state
  nn="$(running_pid namenode)"
  dn="$(running_pid datanode)"
  if [ -n "$nn" ]; then
    echo "hdfs: NameNode running, pid $nn, rpc $FS_URI, http $HDFS_HOST:$HDFS_NAMENODE_HTTP_PORT"
  else
    echo "hdfs: NameNode not running ($FS_URI)"
  fi
  if [ -n "$dn" ]; then
    echo "hdfs: DataNode running, pid $dn, data $HDFS_HOST:$HDFS_DATANODE_PORT," \
         "http $HDFS_HOST:$HDFS_DATANODE_HTTP_PORT, ipc $HDFS_HOST:$HDFS_DATANODE_IPC_PORT"
  else
    echo "hdfs: DataNode not running ($HDFS_HOST:$HDFS_DATANODE_PORT)"
  fi
  if [ -z "$nn" ] && [ -z "$dn" ]; then
    echo "hdfs: not running (data $HDFS_DATA_DIR)"
    return 3
  fi
  state="$([ -n "$nn" ] && hdfs_state || true)"
  if [ -n "$state" ]; then
    local fs live total remaining actor
    read -r fs live total remaining actor <<<"$state"
    echo "hdfs: safe mode $([ "$fs" = Operational ] && echo off || echo "on ($fs)"), $live live DataNode(s)," \
         "capacity $(human_bytes "$total"), remaining $(human_bytes "$remaining")," \
         "DataNode link to the NameNode: $actor"
  elif [ -n "$nn" ]; then
    echo "hdfs: the NameNode does not answer on $NAMENODE_JMX"
  fi
  echo "hdfs: data $HDFS_DATA_DIR, logs $LOG_DIR"
  if [ -n "$nn" ] && [ -n "$dn" ] && state_healthy "$state"; then
    echo "hdfs: healthy"
    return 0
  fi
  echo "hdfs: running but not healthy"
  return 4
}

cmd_reset() {
  cmd_stop
  case "$HDFS_DATA_DIR" in
    ""|"/"|"$HOME"|"$REPO_DIR"|"$HDFS_HOME") die "refusing to wipe HDFS_DATA_DIR=$HDFS_DATA_DIR" ;;
  esac
  rm -rf "$HDFS_DATA_DIR"
  say "wiped $HDFS_DATA_DIR"
}

# Commands that change state take a lock, so that concurrent callers (tests run in parallel) do
# not start two NameNodes or format twice; the daemons do not inherit it (9>&- above).
lock() { service_lock "$HDFS_HOME" hdfs.sh; }

case "${1:-}" in
  install) lock; cmd_install ;;
  start) lock; cmd_start ;;
  stop) lock; cmd_stop ;;
  restart) lock; cmd_stop; cmd_start ;;
  status) cmd_status ;;
  reset) lock; cmd_reset ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

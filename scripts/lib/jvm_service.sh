# Shared by scripts/kafka.sh and scripts/hdfs.sh (sourced after each defines say and die): the
# checks and the lock every one of their single-node JVM services needs.

check_java() {
  command -v java >/dev/null || die "java not found (Java 17 or newer is needed)"
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [ -n "$major" ] && [ "${major%%.*}" -ge 17 ] 2>/dev/null \
    || die "Java 17 or newer is needed, found java.specification.version=${major:-unknown}"
}

port_open() {  # host port: true if something accepts TCP connections there
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

service_lock() {  # dir script-name: one command of that script at a time on that install (fd 9)
  mkdir -p "$1"
  exec 9>"$1/.$2.lock"
  flock -w 300 9 || die "another scripts/$2 has held $1/.$2.lock for 300 s"
}

stop_pid() {  # pid what timeout-s: SIGTERM, wait, SIGKILL after the timeout; returns once it is gone
  local pid=$1 what=$2 timeout=$3
  say "stopping $what (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$what still runs after ${timeout}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
}

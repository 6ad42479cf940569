# Sourced by bench/compare, bench/latency, bench/loop-scaling and bench/guard: start a server under
# test on 127.0.0.1, wait until it answers, and stop everything started here on exit. Every start
# records its pids; `stop_started` (run by the EXIT trap the caller sets) ends them by pid, TERM
# then KILL after 10 s. Nothing here touches processes it did not start.
#
# After start_<server>, SERVER_PIDS is a comma list of the server's processes (for --server-pid)
# and SUB_URL_FANOUT / PUB_URL_FANOUT / SUB_URL_DIRECT / PUB_URL_DIRECT / PUB_BODY are its bench
# templates. After start_server, SUB_FLAGS holds the bench flags its subscribers need (halley-h2:
# --http2, so they are HTTP/2 streams by prior knowledge, h2c being on there; empty otherwise), for unquoted expansion;
# FANOUT_TRANSPORT is the fan-out transport the server is measured with, or empty for the
# caller's choice (halley-ws: ws, halley-pusher: pusher; bench/compare's connect run uses it too),
# and PUB_ARGS the extra bench arguments its publishes need (halley-pusher: --pusher-app).

STARTED_PIDS=()
HALLEY_JAR=${HALLEY_JAR:-target/halley.jar}

stop_pids() {
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

# Ends every process started here, newest first, and forgets them.
stop_started() {
  local i
  for (( i=${#STARTED_PIDS[@]}-1; i>=0; i-- )); do stop_pids "${STARTED_PIDS[$i]}"; done
  STARTED_PIDS=()
}

# The process and all its descendants, as a comma list.
pid_tree() {
  local all=("$1") kids k
  kids=$(pgrep -P "$1" || true)
  for k in $kids; do all+=("$(pid_tree "$k")"); done
  local IFS=,
  echo "${all[*]}"
}

wait_port() {  # host port seconds what
  local _
  for _ in $(seq 1 $(( $3 * 10 ))); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$4 did not listen on $1:$2 within $3 s" >&2
  return 1
}

nchan_module() {
  local f
  if [ -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then echo /usr/lib/nginx/modules/ngx_nchan_module.so; return; fi
  f=$(grep -ho '/[^ ;]*ngx_nchan_module\.so' /usr/share/nginx/modules-available/* 2>/dev/null | head -1)
  [ -n "$f" ] && echo "$f"
}

# start_halley PORT LOG [server options...]
start_halley() {
  local port=$1 log=$2
  shift 2
  # bin/halley: the JVM flags of bin/jvm.options, or JAVA_OPTS when the caller set it.
  HALLEY_JAR=$HALLEY_JAR "$(dirname "${BASH_SOURCE[0]}")/../bin/halley" server --bind 127.0.0.1 --port "$port" --sse-heartbeat 10m "$@" >"$log" 2>&1 &
  STARTED_PIDS+=($!)
  SERVER_PIDS=$!
  wait_port 127.0.0.1 "$port" 60 "halley (log: $log)" || return 1
  SUB_URL_FANOUT="http://127.0.0.1:$port/sub/channel/{channel}"
  PUB_URL_FANOUT="http://127.0.0.1:$port/pub/channel/{channel}"
  SUB_URL_DIRECT="http://127.0.0.1:$port/sub/client/{id}"
  PUB_URL_DIRECT="http://127.0.0.1:$port/pub/client/{id}"
  PUB_BODY='{payload}'
}

# nginx_http_common DIR: the http-block lines every nginx here shares: no access log, temp files in DIR.
nginx_http_common() {
  cat <<EOF
  access_log off;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
EOF
}

# start_nchan PORT DIR: nginx + nchan from a temporary config in DIR; 2 workers, ~19,000 connections each.
start_nchan() {
  local port=$1 dir=$2 module
  module=$(nchan_module) || true
  [ -n "$module" ] || { echo "the nchan module is not installed (apt-get install nginx libnginx-mod-nchan)" >&2; return 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  cat >"$dir/nginx.conf" <<EOF
load_module $module;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
worker_processes 2;
worker_rlimit_nofile 19000;
events { worker_connections 19000; }
http {
$(nginx_http_common "$dir")
  server {
    listen 127.0.0.1:$port backlog=4096;
    location = /sub { nchan_subscriber; nchan_channel_id \$arg_id; nchan_subscriber_first_message oldest; }
    location = /pub { nchan_publisher; nchan_channel_id \$arg_id; }
  }
}
EOF
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  STARTED_PIDS+=($!)
  local master=$!
  wait_port 127.0.0.1 "$port" 15 "nginx+nchan (log: $dir/error.log)" || return 1
  sleep 0.5
  SERVER_PIDS=$(pid_tree "$master")
  SUB_URL_FANOUT="http://127.0.0.1:$port/sub?id={channel}"
  PUB_URL_FANOUT="http://127.0.0.1:$port/pub?id={channel}"
  SUB_URL_DIRECT="http://127.0.0.1:$port/sub?id={id}"
  PUB_URL_DIRECT="http://127.0.0.1:$port/pub?id={id}"
  PUB_BODY='{payload}'
}

# start_pushpin PORT DIR: pushpin (condure, zurl, proxy, handler) on PORT, its control API on PORT+60,
# and a one-worker nginx on PORT+1 as the origin that answers every /sub with Grip-Hold: stream
# and Grip-Channel: <id>. Publishing uses the HTTP control API (POST /publish/, JSON items).
start_pushpin() {
  local port=$1 dir=$2 origin=$(( $1 + 1 )) control=$(( $1 + 61 ))
  command -v pushpin >/dev/null || { echo "pushpin is not installed (apt-get install pushpin)" >&2; return 1; }
  mkdir -p "$dir/run" "$dir/log"
  dir=$(cd "$dir" && pwd)
  cat >"$dir/origin.conf" <<EOF
daemon off;
pid $dir/origin.pid;
error_log $dir/origin-error.log;
worker_processes 1;
events { worker_connections 4096; }
http {
$(nginx_http_common "$dir")
  server {
    listen 127.0.0.1:$origin backlog=4096;
    location = /sub {
      add_header Grip-Hold stream;
      add_header Grip-Channel \$arg_id;
      default_type text/event-stream;
      return 200 ":ok\n\n";
    }
  }
}
EOF
  # Ports: control API 5561 + port_offset = PORT+61 (and 5560, 5562, 5563 beside it).
  cat >"$dir/pushpin.conf" <<EOF
[global]
include={libdir}/internal.conf
rundir=$dir/run
ipc_prefix=pushpin-
port_offset=$(( control - 5561 ))
stats_connection_ttl=120
[runner]
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=127.0.0.1:$port
logdir=$dir/log
log_level=2
client_buffer_size=8192
client_maxconn=19000
condure_bin=condure
zurl_bin=zurl
[proxy]
zurl_out_specs=ipc://{rundir}/{ipc_prefix}zurl-in
zurl_out_stream_specs=ipc://{rundir}/{ipc_prefix}zurl-in-stream
zurl_in_specs=ipc://{rundir}/{ipc_prefix}zurl-out
routesfile=$dir/routes
debug=false
auto_cross_origin=false
accept_x_forwarded_protocol=false
set_x_forwarded_protocol=proto-only
x_forwarded_for=
x_forwarded_for_trusted=
orig_headers_need_mark=
accept_pushpin_route=false
log_from=false
log_user_agent=false
sig_iss=pushpin
sig_key=changeme
upstream_key=
sockjs_url=
updates_check=off
organization_name=
[handler]
push_in_spec=tcp://127.0.0.1:5560
push_in_sub_specs=tcp://127.0.0.1:5562
push_in_sub_connect=false
push_in_http_addr=127.0.0.1
push_in_http_port=5561
push_in_http_max_headers_size=10000
push_in_http_max_body_size=1000000
stats_spec=ipc://{rundir}/{ipc_prefix}stats
command_spec=tcp://127.0.0.1:5563
message_rate=1000000
message_hwm=1000000
message_wait=5000
id_cache_ttl=60
connection_subscription_max=20
subscription_linger=60
stats_subscription_ttl=60
stats_report_interval=10
stats_format=tnetstring
EOF
  echo "* 127.0.0.1:$origin" >"$dir/routes"
  nginx -c "$dir/origin.conf" -p "$dir" -e "$dir/origin-error.log" >"$dir/origin-stdout.log" 2>&1 &
  STARTED_PIDS+=($!)
  local origin_master=$!
  pushpin --config "$dir/pushpin.conf" >"$dir/pushpin.log" 2>&1 &
  STARTED_PIDS+=($!)
  local runner=$!
  wait_port 127.0.0.1 "$origin" 15 "pushpin's origin nginx (log: $dir/origin-error.log)" || return 1
  wait_port 127.0.0.1 "$port" 30 "pushpin (log: $dir/pushpin.log)" || return 1
  wait_port 127.0.0.1 "$control" 30 "pushpin's control API (log: $dir/log/)" || return 1
  sleep 1
  SERVER_PIDS="$(pid_tree "$runner"),$(pid_tree "$origin_master")"
  SUB_URL_FANOUT="http://127.0.0.1:$port/sub?id={channel}"
  PUB_URL_FANOUT="http://127.0.0.1:$control/publish/"
  SUB_URL_DIRECT="http://127.0.0.1:$port/sub?id={id}"
  PUB_URL_DIRECT="http://127.0.0.1:$control/publish/"
  # One template for both: the bench fills {channel} for fanout and {id} for direct, the other empty.
  PUB_BODY='{"items":[{"channel":"{channel}{id}","formats":{"http-stream":{"content":"data: {payload}\n\n"}}}]}'
}

# start_halley_pusher PORT LOG [server options...]: Halley with one Pusher app; fan-out over the
# Pusher WebSocket, published through the signed Pusher HTTP API.
start_halley_pusher() {
  local port=$1 log=$2 app=bench-app:bench-key:bench-secret-0123456789
  shift 2
  start_halley "$port" "$log" --pusher-app "$app" "$@" || return 1
  SUB_URL_FANOUT="http://127.0.0.1:$port/app/bench-key?protocol=7&channel={channel}"
  SUB_URL_DIRECT="http://127.0.0.1:$port/app/bench-key?protocol=7&channel={id}"
  PUB_URL_FANOUT="http://127.0.0.1:$port/apps/bench-app/events"
  FANOUT_TRANSPORT=pusher
  PUB_ARGS=(--pusher-app "$app")
}

# start_server NAME PORT DIR LOG [halley options...]
start_server() {
  local name=$1 port=$2 dir=$3 log=$4
  shift 4
  SUB_FLAGS="" FANOUT_TRANSPORT="" PUB_ARGS=()
  case "$name" in
    halley) start_halley "$port" "$log" "$@" ;;
    # HTTP/2 off altogether (the default already has h2c off, so plain connects take the lean path).
    halley-h1) start_halley "$port" "$log" --no-http2 "$@" ;;
    # h2c on; the bench's subscribers are h2c streams, publishing stays HTTP/1.1.
    halley-h2) start_halley "$port" "$log" --h2c "$@" && SUB_FLAGS="--http2" ;;
    halley-ws) start_halley "$port" "$log" "$@" && FANOUT_TRANSPORT=ws ;;
    halley-pusher) start_halley_pusher "$port" "$log" "$@" ;;
    nchan) start_nchan "$port" "$dir" ;;
    pushpin) start_pushpin "$port" "$dir" ;;
    *) echo "unknown server $name (halley, halley-h1, halley-h2, halley-ws, halley-pusher, nchan, pushpin)" >&2; return 2 ;;
  esac
}

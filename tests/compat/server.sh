# Sourced by the compat runners (s3-tests.sh, minio-py.sh, minio-go.sh):
# start kura, or MinIO as the baseline, on a free loopback port, wait until
# it answers, and stop it on exit. Not a program of its own.
#
# The runner sets python, repo, work and https (0 or 1) before it calls
# start_server, and server_log (where the server's log is copied when it
# stops) before it installs stop_server in its exit trap. kura_args (an
# array, empty unless the runner sets it) adds flags to "kura server".

rand_hex() { "$python" -c "import secrets, sys; print(secrets.token_hex(int(sys.argv[1])))" "$1"; }
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

server_pid=
server_log=
kura_args=()

# stop_server ends the server (TERM, then KILL after 30 s), keeps its log
# in $server_log and removes $work.
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [ -n "$server_log" ] && [ -f "$work/server.log" ] && cp "$work/server.log" "$server_log"
  rm -rf "$work"
}

# wait_ready URL: until URL answers 200, or the server has exited, or
# 60 s have passed.
wait_ready() {
  for _ in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || return 1
    if "$python" -c 'import ssl, sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1, context=ssl._create_unverified_context())' \
      "$1" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# start_server MINIO ROOT_KEY ROOT_SECRET KMS_KEY starts kura (MINIO empty;
# KURA_BIN, or a build of $repo) or the MinIO binary MINIO, with those root
# credentials, over HTTPS when https=1, its data in $work/data. MinIO gets
# the KMS key KMS_KEY for SSE-S3 and an openssl certificate; kura has its
# own KMS and a self-signed certificate. It sets addr, scheme, server_pid,
# kura (the binary, for kura) and cert (the certificate to trust over
# HTTPS), or exits 1 when the server does not come up.
start_server() {
  local minio=$1 root_key=$2 root_secret=$3 kms_key=$4 name=kura ready_path=/health/ready
  addr="127.0.0.1:$(free_port)"
  scheme=http
  [ "$https" = 1 ] && scheme=https
  mkdir -p "$work/data"
  if [ -z "$minio" ]; then
    if [ -n "${KURA_BIN:-}" ]; then
      kura=$KURA_BIN
    else
      kura="$work/kura"
      echo "building kura"
      (cd "$repo" && go build -o "$kura" ./cmd/kura)
    fi
    local tls_args=()
    [ "$https" = 1 ] && tls_args=(--tls-self-signed)
    KURA_ROOT_USER=$root_key KURA_ROOT_PASSWORD=$root_secret \
      "$kura" server --address "$addr" "${tls_args[@]}" "${kura_args[@]}" "$work/data" >"$work/server.log" 2>&1 &
    server_pid=$!
    cert="$work/data/tls/public.crt"
  else
    name=minio
    ready_path=/minio/health/ready
    local certs=()
    cert="$work/certs/public.crt"
    if [ "$https" = 1 ]; then
      mkdir -p "$work/certs"
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$work/certs/private.key" -out "$cert" 2>/dev/null
      certs=(--certs-dir "$work/certs")
    fi
    MINIO_ROOT_USER=$root_key MINIO_ROOT_PASSWORD=$root_secret MINIO_BROWSER=off MINIO_UPDATE=off \
      MINIO_KMS_SECRET_KEY="$kms_key:$("$python" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
      "$minio" server --quiet --address "$addr" --console-address "127.0.0.1:$(free_port)" \
      "${certs[@]}" "$work/data" >"$work/server.log" 2>&1 &
    server_pid=$!
  fi
  if ! wait_ready "$scheme://$addr$ready_path"; then
    echo "$name did not start on $addr; its log:" >&2
    tail -n 30 "$work/server.log" >&2 || true
    exit 1
  fi
  echo "$name ready on $scheme://$addr (pid $server_pid)"
}

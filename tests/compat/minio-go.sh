#!/usr/bin/env bash
# Run the MinIO Go client's functional suite (minio-go functional_tests.go,
# the program mint runs) against a fresh kura, or a fresh MinIO, and sum up
# the results. See README.md next to this.
#
# Usage: tests/compat/minio-go.sh [flags] MINIO_GO_CHECKOUT [OUTPUT_DIR]
#
#   MINIO_GO_CHECKOUT  a minio-go git checkout (tested with tag v7.3.0)
#   OUTPUT_DIR         where the results go (default /tmp): minio-go-NAME.log,
#                      minio-go-NAME-failures.txt and minio-go-NAME-server.log,
#                      NAME being kura or minio, with -https appended over
#                      HTTPS
#   --https            serve over HTTPS with a self-signed certificate and run
#                      the suite with ENABLE_HTTPS=1, which adds the SSE-C
#                      tests; the client trusts the certificate through
#                      SSL_CERT_FILE
#   --minio PATH       run MinIO (this binary) instead of kura
#
# Environment:
#   KURA_BIN            use this kura binary instead of building one
#   MINIO_GO_TIMEOUT    seconds for the whole suite (default 3600)
#   MINIO_GO_MODE       MINT_MODE (default full; core runs two tests)
#   PYTHON              interpreter for the summary (default /usr/bin/python3)
#
# Exit status: 0 when the suite ran, whatever its failures; non-zero when the
# server or the suite could not be built or started, or the server exited
# during the run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() {
  sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

https=0
minio=
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --https) https=1 ;;
    --minio) minio=$2; shift ;;
    --minio=*) minio=${1#--minio=} ;;
    -h | --help) usage ;;
    -*) echo "unknown flag: $1" >&2; usage ;;
    *) args+=("$1") ;;
  esac
  shift
done
[ ${#args[@]} -ge 1 ] && [ ${#args[@]} -le 2 ] || usage
checkout=$(cd "${args[0]}" && pwd)
outdir=${args[1]:-/tmp}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
if [ ! -f "$checkout/functional_tests.go" ] || [ ! -f "$checkout/go.mod" ]; then
  echo "$checkout does not look like a minio-go checkout (no functional_tests.go)" >&2
  exit 2
fi
if [ -n "$minio" ]; then
  minio=$(cd "$(dirname "$minio")" && pwd)/$(basename "$minio")
  [ -x "$minio" ] || { echo "$minio is not an executable" >&2; exit 2; }
fi
python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || { echo "no python3 at $python (set PYTHON)" >&2; exit 2; }
suite_timeout=${MINIO_GO_TIMEOUT:-3600}
mode=${MINIO_GO_MODE:-full}

name=kura
[ -n "$minio" ] && name=minio
[ "$https" = 1 ] && name="$name-https"

work=$(mktemp -d "${TMPDIR:-/tmp}/kura-minio-go.XXXXXX")
. "$here/server.sh"
server_log="$outdir/minio-go-$name-server.log"
trap stop_server EXIT
trap 'exit 130' INT TERM

# --- the suite: mint builds functional_tests.go as a program of its own,
# against the checkout's module (naming the file ignores its "mint" build tag) ---
rev=$(git -C "$checkout" describe --tags --always 2>/dev/null || echo unknown)
echo "building minio-go functional tests ($rev)"
(cd "$checkout" && GOFLAGS=-buildvcs=false go build -o "$work/minio-go-functional" functional_tests.go)

access_key="AK$(rand_hex 9 | tr a-f A-F)"
secret_key=$(rand_hex 20)
start_server "$minio" "$access_key" "$secret_key" minio-go-key
cert_env=()
[ "$https" = 1 ] && cert_env=(SSL_CERT_FILE="$cert")

# --- data files, named and sized as mint makes them. Their bytes are those
# the suite generates itself when MINT_DATA_DIR is unset (math/rand seeded
# with the size), which the checksums it hardcodes (testCopyObjectWithChecksums)
# are of. ---
mkdir -p "$work/data-files" "$work/gen"
cat >"$work/gen/main.go" <<'GO'
package main

import (
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	for _, arg := range os.Args[2:] {
		name, size, _ := strings.Cut(arg, ":")
		n, err := strconv.ParseInt(size, 10, 64)
		if err != nil {
			panic(err)
		}
		f, err := os.Create(filepath.Join(os.Args[1], "datafile-"+name))
		if err != nil {
			panic(err)
		}
		if _, err := io.Copy(f, io.LimitReader(rand.New(rand.NewSource(n)), n)); err != nil {
			panic(err)
		}
		if err := f.Close(); err != nil {
			panic(err)
		}
	}
}
GO
(cd "$work/gen" && GOFLAGS= GO111MODULE=off go run main.go "$work/data-files" \
  0-b:0 1-b:1 1-kB:1024 10-kB:10240 33-kB:33792 100-kB:102400 1.03-MB:1081344 \
  1-MB:1048576 5-MB:5242880 6-MB:6291456 11-MB:11534336 65-MB:68157440 129-MB:135266304)

# --- the run ---
log="$outdir/minio-go-$name.log"
echo "running minio-go functional tests ($rev, MINT_MODE=$mode) against $name; log: $log"
set +e
(
  cd "$work" &&
    env SERVER_ENDPOINT="$addr" ACCESS_KEY="$access_key" SECRET_KEY="$secret_key" "${cert_env[@]}" \
      ENABLE_HTTPS=$https MINT_MODE="$mode" RUN_ON_FAIL=1 MINT_DATA_DIR="$work/data-files" \
      timeout --kill-after=30 "$suite_timeout" "$work/minio-go-functional"
) >"$log" 2>"$work/stderr"
rc=$?
set -e
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  echo "warning: the suite did not finish within ${suite_timeout}s; results are partial" >&2
elif [ "$rc" != 0 ]; then
  echo "warning: the suite exited with status $rc; results are partial; its last words:" >&2
  tail -n 20 "$work/stderr" >&2 || true
fi
# The suite's stderr (panics, traces) goes after its log.
cat "$work/stderr" >>"$log"

crashed=0
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "the server exited during the run; its log: $outdir/minio-go-$name-server.log" >&2
  crashed=1
fi

# --- the summary: one JSON object per check, "status" PASS, FAIL or NA ---
failures="$outdir/minio-go-$name-failures.txt"
"$python" - "$log" "$failures" <<'EOF'
import json, sys
log, out = sys.argv[1:]
counts = {"PASS": 0, "FAIL": 0, "NA": 0}
failed, skipped = [], []
tests = {}  # test function -> its worst status
with open(log, errors="replace") as f:
    for line in f:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        status = rec.get("status")
        if status not in counts:
            continue
        counts[status] += 1
        test = rec.get("name", "").removeprefix("minio-go: ")
        fn = rec.get("function", "")
        if status == "FAIL" or tests.get(test) != "FAIL":
            tests[test] = status
        if status == "FAIL":
            detail = rec.get("message", "")
            if rec.get("error"):
                detail += ": " + str(rec["error"])
            failed.append("%s\t%s\t%s" % (test, fn, " ".join(detail.split())[:400]))
        elif status == "NA":
            skipped.append("%s\t%s\tNA: %s" % (test, fn, rec.get("alert", "")))
with open(out, "w") as f:
    for l in failed + skipped:
        f.write(l + "\n")
print("failures (then the NA checks): %s" % out)
by = {k: sum(1 for v in tests.values() if v == k) for k in counts}
print("test functions: %d with a failure, %d passed, %d only NA" % (by["FAIL"], by["PASS"], by["NA"]))
print("%d passed, %d failed, %d skipped" % (counts["PASS"], counts["FAIL"], counts["NA"]))
EOF
[ "$crashed" = 0 ] || exit 3

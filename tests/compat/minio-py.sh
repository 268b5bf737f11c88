#!/usr/bin/env bash
# Run the MinIO Python client's functional suite (minio-py tests/functional)
# against a fresh kura and sum up the results. See README.md next to this.
#
# Usage: tests/compat/minio-py.sh [--install] [--https] [--minio PATH] MINIO_PY_CHECKOUT [OUTPUT_DIR]
#
#   MINIO_PY_CHECKOUT  a minio-py git checkout (tested with tag 7.2.15)
#   OUTPUT_DIR         where minio-py-failures.txt, minio-py.log and
#                      minio-py-kura.log go (default /tmp)
#   --install          apt-get the Debian packages the suite needs
#   --https            serve kura over HTTPS (--tls-self-signed) and run the
#                      suite with ENABLE_HTTPS=1, which adds the SSE-C tests;
#                      the client trusts the certificate via SSL_CERT_FILE
#   --minio PATH       run the suite against MinIO (this binary) instead of
#                      kura, the baseline of RESULTS.md (its own KMS key for
#                      SSE-S3, an openssl certificate for --https)
#
# Environment:
#   KURA_BIN               use this kura binary instead of building one
#   PYTHON                 interpreter (default /usr/bin/python3)
#   MINIO_PY_TIMEOUT       seconds for the whole suite (default 1800)
#   MINIO_PY_TEST_TIMEOUT  seconds for one test (default 300)
#
# Exit status: 0 when the suite ran, whatever its failures; non-zero when
# kura could not be built or started, crashed during the run, or the
# prerequisites are missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() {
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

install=0
https=0
minio=
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --install) install=1 ;;
    --https) https=1 ;;
    --minio) minio=${2:?--minio needs a path}; shift ;;
    --minio=*) minio=${1#--minio=} ;;
    -h | --help) usage ;;
    -*) echo "unknown flag: $1" >&2; usage ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [ -n "$minio" ]; then
  minio=$(cd "$(dirname "$minio")" && pwd)/$(basename "$minio")
  [ -x "$minio" ] || { echo "$minio is not an executable" >&2; exit 2; }
fi
[ ${#args[@]} -ge 1 ] && [ ${#args[@]} -le 2 ] || usage
checkout=$(cd "${args[0]}" && pwd)
outdir=${args[1]:-/tmp}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
tests_py="$checkout/tests/functional/tests.py"
if [ ! -f "$tests_py" ] || [ ! -d "$checkout/minio" ]; then
  echo "$checkout does not look like a minio-py checkout (no tests/functional/tests.py)" >&2
  exit 2
fi

python=${PYTHON:-/usr/bin/python3}
suite_timeout=${MINIO_PY_TIMEOUT:-1800}
export MINIO_PY_TEST_TIMEOUT=${MINIO_PY_TEST_TIMEOUT:-300}

# --- prerequisites: Debian's python3 and the client's dependencies ---
debs=(python3-urllib3 python3-certifi python3-argon2 python3-pycryptodome python3-typing-extensions)
have_deps() {
  [ -x "$python" ] && "$python" -c 'import urllib3, certifi, argon2, Cryptodome, typing_extensions' 2>/dev/null
}
if ! have_deps; then
  if [ "$install" = 1 ]; then
    echo "installing: python3 ${debs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 "${debs[@]}" >/dev/null
  fi
  if ! have_deps; then
    echo "$python cannot import the minio-py dependencies. Install them with" >&2
    echo "  apt-get install python3 ${debs[*]}" >&2
    echo "or run this script with --install." >&2
    exit 2
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kura-minio-py.XXXXXX")
. "$here/server.sh"
server_log="$outdir/minio-py-kura.log"
trap stop_server EXIT
trap 'exit 130' INT TERM

# Debian names pycryptodome's package Cryptodome; minio-py imports Crypto.
mkdir -p "$work/pylib"
cryptodome=$("$python" -c 'import Cryptodome, os; print(os.path.dirname(Cryptodome.__file__))')
ln -s "$cryptodome" "$work/pylib/Crypto"

# --- the server: kura, or MinIO as the baseline ---
server=kura
[ -n "$minio" ] && server=minio
access_key="AK$(rand_hex 9 | tr a-f A-F)"
secret_key=$(rand_hex 20)
start_server "$minio" "$access_key" "$secret_key" minio-py-key
cert_env=()
if [ "$https" = 1 ]; then
  cert_env=(SSL_CERT_FILE="$cert")
fi

# --- data files: the suite uses DATA_DIR when both files are there ---
mkdir -p "$work/data-files" "$work/cwd"
head -c $((1 << 20)) /dev/urandom >"$work/data-files/datafile-1-MB"
head -c $((11 << 20)) /dev/urandom >"$work/data-files/datafile-11-MB"

# --- the suite ---
log="$outdir/minio-py.log"
echo "running minio-py functional tests ($(git -C "$checkout" describe --tags 2>/dev/null || echo unknown version)); log: $log"
set +e
(
  cd "$work/cwd" &&
    env PYTHONPATH="$work/pylib:$checkout" PYTHONDONTWRITEBYTECODE=1 \
      SERVER_ENDPOINT="$addr" ACCESS_KEY="$access_key" SECRET_KEY="$secret_key" "${cert_env[@]}" \
      ENABLE_HTTPS=$https MINT_MODE=full DATA_DIR="$work/data-files" MINT_DATA_DIR="$work/data-files" \
      timeout --kill-after=30 "$suite_timeout" "$python" "$here/minio_py_driver.py" run "$tests_py"
) >"$log" 2>&1
rc=$?
set -e
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  echo "warning: the suite did not finish within ${suite_timeout}s; results are partial" >&2
elif [ "$rc" != 0 ]; then
  echo "warning: the driver exited with status $rc; see $log" >&2
fi

crashed=0
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "$server exited during the run; its log: $outdir/minio-py-kura.log" >&2
  crashed=1
fi

failures="$outdir/minio-py-failures.txt"
"$python" "$here/minio_py_driver.py" summarize "$log" "$failures" >"$work/summary"
echo "failures and errors: $failures"
cat "$work/summary"
[ "$crashed" = 0 ] || exit 3

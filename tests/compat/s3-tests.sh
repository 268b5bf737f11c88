#!/usr/bin/env bash
# Run ceph/s3-tests (s3tests/functional/test_s3.py, the generic selection)
# against a fresh kura, or a fresh MinIO, and sum up the results. See
# README.md next to this.
#
# Usage: tests/compat/s3-tests.sh [flags] S3TESTS_CHECKOUT [OUTPUT_DIR] [-- PYTEST_ARGS...]
#
#   S3TESTS_CHECKOUT  a ceph/s3-tests git checkout
#   OUTPUT_DIR        where the results go (default /tmp): s3-tests-NAME.log,
#                     s3-tests-NAME-failures.txt, s3-tests-NAME.xml and
#                     s3-tests-NAME-server.log, NAME being kura or minio,
#                     with -https appended over HTTPS
#   PYTEST_ARGS       more pytest arguments, e.g. -k test_bucket_list_empty
#   --install         apt-get the Debian packages the suite needs
#   --lifecycle       run the lifecycle tests instead (markers lifecycle,
#                     lifecycle_expiration, lifecycle_transition and
#                     cloud_transition) against a kura whose lifecycle day
#                     is the suite's lc_debug_interval, with two directory
#                     tiers and an S3 tier on a second kura; NAME gets
#                     -lifecycle appended
#   --select          run s3tests/functional/test_s3select.py (S3 Select)
#                     instead, with the markers s3select and not
#                     fails_on_aws; NAME gets -select appended
#   --https           serve over HTTPS with a self-signed certificate, so
#                     that the SSE-C and SSE-KMS tests run
#   --minio PATH      run MinIO (this binary) instead of kura
#   --minio-py PATH   a minio-py checkout, whose MinioAdmin creates MinIO's
#                     users (default /tmp/minio-py); without it MinIO's root
#                     user plays all three users
#
# Environment:
#   KURA_BIN               use this kura binary instead of building one
#   PYTHON                 interpreter (default /usr/bin/python3)
#   S3TESTS_JOBS           pytest-xdist workers (default 2 when xdist is
#                          installed; 0 runs serially)
#   S3TESTS_TEST_TIMEOUT   seconds for one test (default 120, 900 with
#                          --lifecycle; needs pytest-timeout)
#   S3TESTS_TIMEOUT        seconds for the whole run (default 5400)
#   S3TESTS_MARKERS        the -m selection (default: the generic one, or
#                          the lifecycle one with --lifecycle, or the
#                          select one with --select)
#   S3TESTS_SELECT_STRICT  with --select, 1 loads s3select_strict.py (next
#                          to this), which rewrites the suite's queries
#                          from RGW's dialect to S3 Select's and makes its
#                          result assertion compare; NAME gets -strict
#   S3TESTS_LC_INTERVAL    with --lifecycle, the suite's lc_debug_interval
#                          and kura's --lifecycle-day, in seconds (default
#                          10, the suite's own default)
#   S3TESTS_LC_MIN_SIZE    with --lifecycle, a value of the header
#                          x-amz-transition-default-minimum-object-size
#                          that every PutBucketLifecycleConfiguration of the
#                          suite then carries (varies_by_storage_class lets
#                          its small objects transition; unset, the suite
#                          sends none and S3's default minimum, 128 KiB,
#                          keeps them where they are)
#
# Exit status: 0 when the suite ran, whatever its failures; non-zero when the
# server could not be built or started, crashed during the run, or the
# prerequisites are missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() {
  sed -n '2,59p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

install=0
lifecycle=0
select=0
https=0
minio=
minio_py=/tmp/minio-py
args=()
pytest_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --install) install=1 ;;
    --lifecycle) lifecycle=1 ;;
    --select) select=1 ;;
    --https) https=1 ;;
    --minio) minio=$2; shift ;;
    --minio=*) minio=${1#--minio=} ;;
    --minio-py) minio_py=$2; shift ;;
    --minio-py=*) minio_py=${1#--minio-py=} ;;
    -h | --help) usage ;;
    --) shift; pytest_extra=("$@"); break ;;
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
if [ ! -f "$checkout/s3tests/functional/test_s3.py" ]; then
  echo "$checkout does not look like an s3-tests checkout (no s3tests/functional/test_s3.py)" >&2
  exit 2
fi
if [ -n "$minio" ]; then
  minio=$(cd "$(dirname "$minio")" && pwd)/$(basename "$minio")
  [ -x "$minio" ] || { echo "$minio is not an executable" >&2; exit 2; }
fi
if [ "$lifecycle" = 1 ] && [ "$select" = 1 ]; then
  echo "--lifecycle and --select each choose the tests to run: give one" >&2
  exit 2
fi
if [ -n "$minio" ] && [ "$lifecycle" = 1 ]; then
  echo "--lifecycle runs against kura only (MinIO's tiers are set up otherwise)" >&2
  exit 2
fi

python=${PYTHON:-/usr/bin/python3}
suite_timeout=${S3TESTS_TIMEOUT:-5400}
generic_markers='not fails_on_aws and not lifecycle_expiration and not lifecycle_transition and not cloud_transition and not cloud_restore and not bucket_logging and not iam_account and not iam_user and not iam_role and not iam_tenant and not test_of_sts and not webidentity_test and not sns'
# The lifecycle selection keeps the tests marked fails_on_aws: most of the
# expiration and transition tests are, because they need days of a few
# seconds, which AWS cannot be told to use.
lifecycle_markers='lifecycle or lifecycle_expiration or lifecycle_transition or cloud_transition'
select_markers='s3select and not fails_on_aws'
lc_interval=${S3TESTS_LC_INTERVAL:-10}
if [ "$lifecycle" = 1 ]; then
  test_timeout=${S3TESTS_TEST_TIMEOUT:-900}
  markers=${S3TESTS_MARKERS:-$lifecycle_markers}
elif [ "$select" = 1 ]; then
  test_timeout=${S3TESTS_TEST_TIMEOUT:-120}
  markers=${S3TESTS_MARKERS:-$select_markers}
else
  test_timeout=${S3TESTS_TEST_TIMEOUT:-120}
  markers=${S3TESTS_MARKERS:-$generic_markers}
fi

# --- prerequisites: Debian's python3 and the suite's dependencies ---
debs=(python3-pytest python3-boto3 python3-munch python3-isodate python3-requests python3-tz
  python3-httplib2 python3-lxml python3-gevent python3-yaml python3-pytest-timeout python3-pytest-xdist)
have_deps() {
  [ -x "$python" ] && "$python" -c 'import pytest, boto3, munch, isodate, requests, pytz, httplib2, lxml, gevent, yaml' 2>/dev/null
}
if ! have_deps; then
  if [ "$install" = 1 ]; then
    echo "installing: python3 ${debs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 "${debs[@]}" >/dev/null
  fi
  if ! have_deps; then
    echo "$python cannot import the s3-tests dependencies. Install them with" >&2
    echo "  apt-get install python3 ${debs[*]}" >&2
    echo "or run this script with --install." >&2
    exit 2
  fi
fi
has_module() { "$python" -c "import $1" 2>/dev/null; }

name=kura
[ -n "$minio" ] && name=minio
[ "$https" = 1 ] && name="$name-https"
[ "$lifecycle" = 1 ] && name="$name-lifecycle"
[ "$select" = 1 ] && name="$name-select"
select_strict=0
if [ "$select" = 1 ] && [ "${S3TESTS_SELECT_STRICT:-0}" = 1 ]; then
  select_strict=1
  name="$name-strict"
fi
suite_file=s3tests/functional/test_s3.py
[ "$select" = 1 ] && suite_file=s3tests/functional/test_s3select.py

work=$(mktemp -d "${TMPDIR:-/tmp}/kura-s3-tests.XXXXXX")
. "$here/server.sh"
server_log="$outdir/s3-tests-$name-server.log"
cloud_pid=
# stop_all stops the cloud tier's kura (with --lifecycle), keeping its log,
# then the server under test.
stop_all() {
  if [ -n "$cloud_pid" ] && kill -0 "$cloud_pid" 2>/dev/null; then
    kill -TERM "$cloud_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$cloud_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$cloud_pid" 2>/dev/null || true
    wait "$cloud_pid" 2>/dev/null || true
  fi
  [ -f "$work/cloud.log" ] && cp "$work/cloud.log" "$outdir/s3-tests-$name-cloud.log"
  stop_server
}
trap stop_all EXIT
trap 'exit 130' INT TERM

root_key="AK$(rand_hex 9 | tr a-f A-F)"
root_secret=$(rand_hex 20)

# The three users of the suite, each with the canned readwrite policy
# (s3:* on every resource). kura, like MinIO, has one account: its users are
# IAM users of that account, not separate accounts, so alt and tenant can
# reach main's buckets where the suite expects another account's refusal.
main_key="MAIN$(rand_hex 8 | tr a-f A-F)"
main_secret=$(rand_hex 20)
alt_key="ALT$(rand_hex 8 | tr a-f A-F)"
alt_secret=$(rand_hex 20)
tenant_key="TENANT$(rand_hex 7 | tr a-f A-F)"
tenant_secret=$(rand_hex 20)

# --- with --lifecycle: the tiers the suite's storage classes name ---
# The suite's storage_classes are two directory tiers of the server under
# test; its cloud storage class is an S3 tier on a bucket of a second kura,
# which the suite reads back directly as [s3 cloud].
lc_classes=(LUKEWARM FROZEN)
cloud_class=CLOUDTIER
cloud_bucket=kura-cloud-tier
cloud_key="CLOUD$(rand_hex 8 | tr a-f A-F)"
cloud_secret=$(rand_hex 20)
cloud_addr=
setup_lifecycle_tiers() {
  local c
  for c in "${lc_classes[@]}"; do
    mkdir -p "$work/tier-$c"
    admin tier add dir "$c" --path "$work/tier-$c"
  done
  if [ "$https" = 1 ]; then
    echo "the cloud tier's kura serves HTTP only: no cloud tier with --https" >&2
    return 0
  fi
  cloud_addr="127.0.0.1:$(free_port)"
  mkdir -p "$work/cloud"
  KURA_ROOT_USER=$cloud_key KURA_ROOT_PASSWORD=$cloud_secret \
    "$kura" server --address "$cloud_addr" "$work/cloud" >"$work/cloud.log" 2>&1 &
  cloud_pid=$!
  local tested_pid=$server_pid
  server_pid=$cloud_pid # wait_ready watches $server_pid
  if ! wait_ready "http://$cloud_addr/health/ready"; then
    echo "the cloud tier's kura did not start on $cloud_addr; its log:" >&2
    tail -n 30 "$work/cloud.log" >&2 || true
    server_pid=$tested_pid
    exit 1
  fi
  server_pid=$tested_pid
  "$python" - "http://$cloud_addr" "$cloud_key" "$cloud_secret" "$cloud_bucket" <<'EOF'
import sys, boto3
from botocore.client import Config
c = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],
                 aws_secret_access_key=sys.argv[3], region_name="us-east-1",
                 config=Config(signature_version="s3v4"))
c.create_bucket(Bucket=sys.argv[4])
EOF
  # The tier's flags (--endpoint, --access-key, --secret-key) shadow the
  # admin's: the server is named with --server, its keys come from the
  # environment.
  KURA_ACCESS_KEY=$root_key KURA_SECRET_KEY=$root_secret \
    "$kura" admin --server "$addr" tier add s3 "$cloud_class" --endpoint "http://$cloud_addr" \
    --bucket "$cloud_bucket" --access-key "$cloud_key" --secret-key "$cloud_secret" >/dev/null
  echo "tiers: ${lc_classes[*]} (directories), $cloud_class (kura on $cloud_addr, bucket $cloud_bucket)"
}

if [ -z "$minio" ]; then
  # The suite assumes buckets with ACLs enabled, as RGW's are.
  kura_args=(--default-object-ownership ObjectWriter)
  [ "$lifecycle" = 1 ] && kura_args+=(--lifecycle-day "${lc_interval}s")
  start_server "" "$root_key" "$root_secret" ""
  admin() {
    local secure=()
    [ "$https" = 1 ] && secure=(--secure)
    SSL_CERT_FILE="$work/data/tls/public.crt" \
      "$kura" admin --endpoint "$addr" --access-key "$root_key" --secret-key "$root_secret" "${secure[@]}" "$@" >/dev/null
  }
  admin user add "$main_key" "$main_secret" --email main@example.com
  admin policy attach readwrite --user "$main_key"
  admin user add "$alt_key" "$alt_secret" --email alt@example.com
  admin policy attach readwrite --user "$alt_key"
  admin user add "$tenant_key" "$tenant_secret" --email tenant@example.com
  admin policy attach readwrite --user "$tenant_key"
  # The suite's default SSE-KMS key ids.
  admin kms key create testkey-1
  admin kms key create testkey-2
  [ "$lifecycle" = 1 ] && setup_lifecycle_tiers
else
  start_server "$minio" "$root_key" "$root_secret" testkey-1
  if [ -f "$minio_py/minio/minioadmin.py" ] && "$python" -c 'import urllib3, certifi, argon2, Cryptodome' 2>/dev/null; then
    # minio-py imports Crypto; Debian names pycryptodome Cryptodome.
    mkdir -p "$work/pylib"
    ln -s "$("$python" -c 'import Cryptodome, os; print(os.path.dirname(Cryptodome.__file__))')" "$work/pylib/Crypto"
    PYTHONPATH="$work/pylib:$minio_py" "$python" - "$addr" "$https" "$root_key" "$root_secret" \
      "$main_key" "$main_secret" "$alt_key" "$alt_secret" "$tenant_key" "$tenant_secret" <<'EOF'
import sys, urllib3
from minio.minioadmin import MinioAdmin
from minio.credentials import StaticProvider
addr, https, rk, rs, mk, ms, ak, as_, tk, ts = sys.argv[1:]
urllib3.disable_warnings()
http = urllib3.PoolManager(cert_reqs="CERT_NONE")
adm = MinioAdmin(addr, StaticProvider(rk, rs), secure=https == "1", cert_check=False, http_client=http)
for k, s in ((mk, ms), (ak, as_), (tk, ts)):
    adm.user_add(k, s)
for k in (mk, ak, tk):
    adm.policy_set("readwrite", user=k)
EOF
  else
    echo "no minio-py checkout with its dependencies at $minio_py: MinIO's root user plays main, alt and tenant" >&2
    main_key=$root_key main_secret=$root_secret
    alt_key=$root_key alt_secret=$root_secret
    tenant_key=$root_key tenant_secret=$root_secret
  fi
fi

# --- the configuration: each user's canonical id and display name are what
# the server reports as the owner of the user's buckets ---
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_DEFAULT_REGION=us-east-1
owner() { # KEY SECRET -> "id<TAB>display name", empty when the user may not list
  "$python" - "$scheme://$addr" "$1" "$2" <<'EOF' 2>/dev/null || true
import sys, boto3, urllib3
from botocore.client import Config
urllib3.disable_warnings()
c = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],
                 aws_secret_access_key=sys.argv[3], verify=False, region_name="us-east-1",
                 config=Config(signature_version="s3v4"))
o = c.list_buckets().get("Owner", {})
print("%s\t%s" % (o.get("ID", ""), o.get("DisplayName", "")))
EOF
}
IFS=$'\t' read -r main_id main_name <<<"$(owner "$main_key" "$main_secret")" || true
IFS=$'\t' read -r alt_id alt_name <<<"$(owner "$alt_key" "$alt_secret")" || true
IFS=$'\t' read -r tenant_id tenant_name <<<"$(owner "$tenant_key" "$tenant_secret")" || true
[ -n "${main_id:-}" ] || { echo "the main user cannot list buckets" >&2; exit 1; }
: "${main_name:=$main_key}" "${alt_id:=$alt_key}" "${alt_name:=$alt_key}" "${tenant_id:=$tenant_key}" "${tenant_name:=$tenant_key}"

conf="$work/s3tests.conf"
cat >"$conf" <<EOF
[DEFAULT]
host = 127.0.0.1
port = ${addr##*:}
is_secure = $([ "$https" = 1 ] && echo True || echo False)
ssl_verify = False

[fixtures]
bucket prefix = s3t-{random}-

[s3 main]
display_name = $main_name
user_id = $main_id
email = main@example.com
api_name = us-east-1
access_key = $main_key
secret_key = $main_secret
$(if [ "$lifecycle" = 1 ]; then
  echo "lc_debug_interval = $lc_interval"
  echo "storage_classes = ${lc_classes[*]}"
fi)

[s3 alt]
display_name = $alt_name
user_id = $alt_id
email = alt@example.com
access_key = $alt_key
secret_key = $alt_secret

[s3 tenant]
display_name = $tenant_name
user_id = $tenant_id
email = tenant@example.com
access_key = $tenant_key
secret_key = $tenant_secret
tenant = testx

[iam]
email = iam@example.com
user_id = iam-unused
access_key = IAMUNUSED0000000000
secret_key = iam-unused-secret-0000000000000000000000
display_name = iam-unused

[iam root]
access_key = IAMROOTUNUSED000000
secret_key = iam-root-unused-secret-00000000000000000
user_id = iam-root-unused
email = iamroot@example.com

[iam alt root]
access_key = IAMALTROOTUNUSED000
secret_key = iam-alt-root-unused-secret-000000000000
user_id = iam-alt-root-unused
email = iamaltroot@example.com
EOF
if [ "$lifecycle" = 1 ] && [ -n "$cloud_addr" ]; then
  # kura keeps a transitioned object listed, under the tier's class, and
  # reads it through from the tier: RGW's retain_head_object and
  # allow_read_through. storage_class is the directory tier the tests
  # that chain a transition to it and one to the cloud use.
  cat >>"$conf" <<EOF

[s3 cloud]
host = 127.0.0.1
port = ${cloud_addr##*:}
is_secure = False
access_key = $cloud_key
secret_key = $cloud_secret
cloud_storage_class = $cloud_class
storage_class = ${lc_classes[0]}
target_path = $cloud_bucket
target_storage_class = STANDARD
retain_head_object = true
allow_read_through = true
EOF
fi

# --- the suite ---
jobs=${S3TESTS_JOBS:-2}
parallel=()
if [ "$jobs" != 0 ] && has_module xdist; then
  parallel=(-n "$jobs")
fi
timeout_args=()
if has_module pytest_timeout; then
  timeout_args=(--timeout "$test_timeout")
fi
log="$outdir/s3-tests-$name.log"
xml="$outdir/s3-tests-$name.xml"
rev=$(git -C "$checkout" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
echo "running s3-tests $rev against $name ${parallel[*]}; log: $log"
# A few tests post forms with requests and no verify= argument, and
# test_100_continue opens its own TLS socket with Python's default
# context; over HTTPS they trust the server's certificate through these.
suite_env=()
[ "$https" = 1 ] && suite_env=(REQUESTS_CA_BUNDLE="$cert" SSL_CERT_FILE="$cert")
plugin_args=()
if [ "$lifecycle" = 1 ] && [ -n "${S3TESTS_LC_MIN_SIZE:-}" ]; then
  # A pytest plugin that adds the header to the suite's clients: S3's
  # default keeps objects under 128 KiB from transitioning, and the suite's
  # objects are a few bytes, written for RGW, which has no such minimum.
  mkdir -p "$work/plugins"
  cat >"$work/plugins/kura_lc_min_size.py" <<'EOF'
import os
import botocore.session

_header = "x-amz-transition-default-minimum-object-size"
_value = os.environ["S3TESTS_LC_MIN_SIZE"]
_create_client = botocore.session.Session.create_client


def _add_header(request, **kwargs):
    request.headers[_header] = _value


def create_client(self, *args, **kwargs):
    client = _create_client(self, *args, **kwargs)
    client.meta.events.register("before-sign.s3.PutBucketLifecycleConfiguration", _add_header)
    client.meta.events.register("before-sign.s3.PutBucketLifecycle", _add_header)
    return client


botocore.session.Session.create_client = create_client
EOF
  plugin_args=(-p kura_lc_min_size)
  suite_env+=(PYTHONPATH="$work/plugins" S3TESTS_LC_MIN_SIZE="$S3TESTS_LC_MIN_SIZE")
  echo "every lifecycle configuration put carries x-amz-transition-default-minimum-object-size: $S3TESTS_LC_MIN_SIZE"
fi
if [ "$select_strict" = 1 ]; then
  plugin_args+=(-p s3select_strict)
  suite_env+=(PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}")
fi
set +e
(
  cd "$checkout" &&
    env S3TEST_CONF="$conf" PYTHONDONTWRITEBYTECODE=1 "${suite_env[@]}" \
      timeout --kill-after=30 "$suite_timeout" "$python" -m pytest -p no:cacheprovider \
      "${parallel[@]}" "${timeout_args[@]}" "${plugin_args[@]}" -rfE -q --junitxml "$xml" \
      -m "$markers" "$suite_file" "${pytest_extra[@]}"
) >"$log" 2>&1
rc=$?
set -e
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  echo "warning: the suite did not finish within ${suite_timeout}s; results are partial" >&2
elif [ "$rc" -gt 1 ]; then
  echo "warning: pytest exited with status $rc; see $log" >&2
fi

crashed=0
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "the server exited during the run; its log: $outdir/s3-tests-$name-server.log" >&2
  crashed=1
fi

failures="$outdir/s3-tests-$name-failures.txt"
"$python" - "$xml" "$failures" <<'EOF'
import sys, xml.etree.ElementTree as ET
xml, out = sys.argv[1:]
try:
    root = ET.parse(xml).getroot()
except (OSError, ET.ParseError) as e:
    print("no results (%s)" % e)
    print("0 passed, 0 failed, 0 skipped")
    sys.exit(0)
passed, failed, skipped = 0, [], 0
results = {}
for tc in root.iter("testcase"):
    tid = tc.get("name")
    kinds = [c.tag for c in tc if c.tag in ("failure", "error", "skipped")]
    msg = ""
    for c in tc:
        if c.tag in ("failure", "error"):
            msg = (c.get("message") or "").splitlines()[0:1]
            msg = msg[0] if msg else ""
            break
    prev = results.get(tid)
    if "failure" in kinds or "error" in kinds:
        results[tid] = ("failed", msg)
    elif "skipped" in kinds:
        if prev is None:
            results[tid] = ("skipped", "")
    elif prev is None:
        results[tid] = ("passed", "")
counts = {"passed": 0, "failed": 0, "skipped": 0}
with open(out, "w") as f:
    for tid in sorted(results):
        state, msg = results[tid]
        counts[state] += 1
        if state == "failed":
            f.write("%s\t%s\n" % (tid, msg[:300]))
print("failures: %s" % out)
print("%d passed, %d failed, %d skipped" % (counts["passed"], counts["failed"], counts["skipped"]))
EOF
[ "$crashed" = 0 ] || exit 3

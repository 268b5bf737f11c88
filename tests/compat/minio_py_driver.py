#!/usr/bin/env python3
"""Drive minio-py's functional suite against a running server, and sum up.

minio-py's tests/functional/tests.py runs its tests in sequence and exits at
the first failure. This driver loads that file as a module and wraps its
per-test runner so that a failing test is logged and the run goes on, then
calls the suite's own main() so the list of tests stays the suite's.

  minio_py_driver.py run TESTS_PY
      Runs the suite; one JSON object per test on stdout, as the suite logs
      them. Configured by the suite's own environment variables
      (SERVER_ENDPOINT, ACCESS_KEY, SECRET_KEY, ENABLE_HTTPS, MINT_MODE,
      DATA_DIR) plus MINIO_PY_TEST_TIMEOUT, seconds allowed per test
      (default 300).

  minio_py_driver.py summarize LOG FAILURES_FILE
      Reads the JSON lines of LOG, writes each failure and its error to
      FAILURES_FILE and prints "N passed, N failed, N skipped".
"""

import importlib.util
import json
import os
import signal
import sys


class TestTimeout(Exception):
    """A test ran past MINIO_PY_TEST_TIMEOUT."""


def _on_alarm(signum, frame):
    raise TestTimeout("test exceeded %s seconds" %
                      os.environ.get("MINIO_PY_TEST_TIMEOUT", "300"))


def run(tests_py):
    spec = importlib.util.spec_from_file_location("minio_py_functional", tests_py)
    suite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(suite)

    timeout = int(os.environ.get("MINIO_PY_TEST_TIMEOUT", "300"))
    signal.signal(signal.SIGALRM, _on_alarm)
    call_test = suite._call_test

    def keep_going(func, *args, **kwargs):
        # The suite's runner logs the result, then raises TestFailed on a
        # failure; swallow that so the next test runs. A timeout raised
        # inside the test is caught and logged by the suite as a FAIL.
        signal.alarm(timeout)
        try:
            call_test(func, *args, **kwargs)
        except suite.TestFailed:
            pass
        finally:
            signal.alarm(0)
        sys.stdout.flush()

    suite._call_test = keep_going
    try:
        suite.main()
    except Exception as exc:  # pylint: disable=broad-except
        # Setup failed outside any test: log it as a failure of its own.
        print(json.dumps({"name": "minio-py:main", "status": "FAIL",
                          "message": "%s: %s" % (type(exc).__name__, exc)}))
        return 1
    return 0


def summarize(log_path, failures_path):
    passed, failed, skipped = 0, [], []
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            status = entry.get("status")
            if status == "PASS":
                passed += 1
            elif status == "FAIL":
                failed.append(entry)
            elif status == "NA":
                skipped.append(entry)

    os.makedirs(os.path.dirname(os.path.abspath(failures_path)), exist_ok=True)
    with open(failures_path, "w", encoding="utf-8") as out:
        for entry in failed:
            args = entry.get("args")
            out.write("FAIL %s" % entry.get("name", "?"))
            if entry.get("function"):
                out.write("  [%s]" % entry["function"])
            out.write("\n")
            if args:
                out.write("  args: %s\n" % json.dumps(args, sort_keys=True))
            out.write("  message: %s\n" % entry.get("message", ""))
            error = entry.get("error")
            if error:
                out.write("".join("    " + l + "\n" for l in error.rstrip().splitlines()))
            out.write("\n")
        for entry in skipped:
            out.write("NA   %s: %s\n" % (entry.get("name", "?"), entry.get("alert", "")))
    print("%d passed, %d failed, %d skipped" % (passed, len(failed), len(skipped)))
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "run":
        return run(argv[2])
    if len(argv) == 4 and argv[1] == "summarize":
        return summarize(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""A pytest plugin for ceph/s3-tests' test_s3select.py (s3-tests.sh --select
with S3TESTS_SELECT_STRICT=1).

The file is written for RGW's s3select engine: its queries use RGW's
dialect, and its s3select_assert_result(a, b) checks only that a and b are
not empty, while run_s3select returns a refused query's error message as
its result, so a test whose queries are all refused passes. This plugin
rewrites each query into S3 Select's dialect as AWS documents it and makes
s3select_assert_result compare its operands, so that a pass means the
server computed what the test expects:

- int(x), RGW's conversion function, becomes CAST(x AS INT) (INT is a
  reserved keyword of S3 Select, not a function);
- FROM stdin becomes FROM s3object;
- "double quoted" text becomes a 'string literal' (double quotes delimit
  identifiers in S3 Select);
- == becomes =;
- a trailing semicolon goes (AWS's documentation shows none).

A refused query (its error message as the result) fails the comparison.
"""
import re
import sys

import botocore.session

_INT_CALL = re.compile(r"(?<![A-Za-z0-9_])int\(", re.IGNORECASE)


def _rewrite_int(query):
    out, i = [], 0
    while True:
        m = _INT_CALL.search(query, i)
        if not m:
            out.append(query[i:])
            return "".join(out)
        out.append(query[i:m.start()])
        j, depth = m.end(), 1
        while depth and j < len(query):
            if query[j] == "(":
                depth += 1
            elif query[j] == ")":
                depth -= 1
            j += 1
        out.append("CAST(" + _rewrite_int(query[m.end():j - 1]) + " AS INT)")
        i = j


def to_aws_dialect(query):
    query = _rewrite_int(query)
    query = re.sub(r"\bfrom\s+stdin\b", "from s3object", query, flags=re.IGNORECASE)
    query = re.sub(r'"([^"]*)"', lambda m: "'" + m.group(1).replace("'", "''") + "'", query)
    query = query.replace("==", "=")
    return re.sub(r";\s*$", "", query)


_create_client = botocore.session.Session.create_client


def _create_client_aws_dialect(self, *args, **kwargs):
    client = _create_client(self, *args, **kwargs)
    select = client.select_object_content

    def select_aws_dialect(**params):
        params["Expression"] = to_aws_dialect(params["Expression"])
        return select(**params)

    client.select_object_content = select_aws_dialect
    return client


botocore.session.Session.create_client = _create_client_aws_dialect


def _assert_equal(a, b):
    for v in (a, b):
        assert not (isinstance(v, str) and v.startswith("An error occurred")), v
    if isinstance(a, str) and isinstance(b, str):
        assert a.strip() == b.strip()
    else:
        assert a == b


def pytest_collection_modifyitems(session, config, items):
    module = sys.modules.get("s3tests.functional.test_s3select")
    if module is not None:
        module.s3select_assert_result = _assert_equal

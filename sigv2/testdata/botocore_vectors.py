#!/usr/bin/env python3
"""Writes botocore.txt: requests signed by botocore's Signature Version 2
signers (HmacV1Auth for headers, HmacV1QueryAuth for presigned URLs),
an implementation independent of kura's, for sigv2's known-answer test.

Run with a Python that has botocore: python3 botocore_vectors.py > botocore.txt
Each case is a block: "case NAME", "method M", "url U", "header K: V"
lines, "now UNIX", and a blank line. The signed Authorization header or
query is part of the url/headers; the test verifies the request as is.
"""
import email.utils
from unittest import mock

from botocore.auth import HmacV1Auth, HmacV1QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NOW = 1795000000  # 2026-11-18T...Z, the clock every case is signed at
creds = Credentials("AKIAKURATEST", "kura/secret+key==", None)
token_creds = Credentials("ASIAKURATEMP", "temp/secret", "session-token-xyz")


def date():
    return email.utils.formatdate(NOW, usegmt=True)


def emit(name, req, headers=True):
    print("case", name)
    print("method", req.method)
    print("url", req.url)
    for k, v in req.headers.items() if headers else ():
        print("header %s: %s" % (k, v))
    print("now", NOW)
    print()


def header_case(name, method, url, headers=None, c=creds, auth_path=None):
    req = AWSRequest(method=method, url=url, headers=headers or {})
    if auth_path:
        req.auth_path = auth_path
    with mock.patch("botocore.auth.formatdate", return_value=date()), \
         mock.patch.object(HmacV1Auth, "_get_date", lambda self: date()):
        HmacV1Auth(c).add_auth(req)
    emit(name, req)


def query_case(name, method, url, headers=None, c=creds):
    req = AWSRequest(method=method, url=url, headers=headers or {})
    with mock.patch("time.time", return_value=NOW):
        HmacV1QueryAuth(c, expires=3600).add_auth(req)
    # A presigned URL is used as it is, without the signer's headers.
    emit(name, req, headers=False)


E = "http://127.0.0.1:9000"
header_case("get-object", "GET", E + "/bucket/photos/puppy.jpg")
header_case("key-with-space-and-unicode", "GET", E + "/bucket/a%20b/%C3%A9t%C3%A9.txt")
header_case("put-with-metadata", "PUT", E + "/bucket/k",
            {"Content-Type": "text/plain", "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==",
             "x-amz-meta-Color": "blue", "X-Amz-Acl": "private"})
header_case("bucket-acl", "GET", E + "/bucket?acl")
header_case("list-v2", "GET", E + "/bucket?list-type=2&prefix=a%2Fb&max-keys=10")
header_case("upload-part", "PUT", E + "/bucket/big?partNumber=3&uploadId=abc-123")
header_case("object-lock", "GET", E + "/bucket?object-lock")
header_case("tagging", "PUT", E + "/bucket/k?tagging")
header_case("delete-objects", "POST", E + "/bucket?delete", {"Content-MD5": "abc="})
header_case("session-token", "GET", E + "/bucket/k", c=token_creds)
header_case("virtual-host", "GET", "http://bucket.s3.kura.test:9000/photos/puppy.jpg",
            auth_path="/bucket/photos/puppy.jpg")
query_case("presigned-get", "GET", E + "/bucket/photos/puppy.jpg")
query_case("presigned-get-overrides", "GET",
           E + "/bucket/k?response-content-type=text%2Fplain&response-content-disposition=attachment")
query_case("presigned-put-metadata", "PUT", E + "/bucket/k",
           {"Content-Type": "image/png", "x-amz-meta-a": "1"})
query_case("presigned-session-token", "GET", E + "/bucket/k", c=token_creds)

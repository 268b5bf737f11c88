"""Server access logging through boto3: PutBucketLogging and
GetBucketLogging, then the delivered log objects, their names and their
records' fields in order. Prints OK when every check holds."""
import json
import os
import re
import time

from s3session import client, code

endpoint, s3 = client()

src, logs = "alsrc", "allogs"
s3.create_bucket(Bucket=src)
s3.create_bucket(Bucket=logs)

enable = {"LoggingEnabled": {
    "TargetBucket": logs, "TargetPrefix": "access/",
    "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}},
}}
# The target must exist and permit delivery.
missing = {"LoggingEnabled": {"TargetBucket": "no-such-target", "TargetPrefix": ""}}
assert code(s3.put_bucket_logging, Bucket=src, BucketLoggingStatus=missing) == "InvalidTargetBucketForLogging"
assert code(s3.put_bucket_logging, Bucket=src, BucketLoggingStatus=enable) == "InvalidTargetBucketForLogging"

s3.put_bucket_policy(Bucket=logs, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "S3ServerAccessLogsPolicy", "Effect": "Allow",
    "Principal": {"Service": "logging.s3.amazonaws.com"},
    "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::%s/access/*" % logs,
    "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::%s" % src}},
}]}))
s3.put_bucket_logging(Bucket=src, BucketLoggingStatus=enable)
# Through several gateways, a configuration change reaches the others
# within a second; requests before that are not logged (as on S3, where
# a new logging status takes effect after a while).
if int(os.environ.get("KURA_TEST_GATEWAYS") or "1") > 1:
    time.sleep(1.5)
got = s3.get_bucket_logging(Bucket=src)["LoggingEnabled"]
assert got["TargetBucket"] == logs and got["TargetPrefix"] == "access/", got
assert got["TargetObjectKeyFormat"]["PartitionedPrefix"]["PartitionDateSource"] == "EventTime", got

s3.put_object(Bucket=src, Key="photos/a b.jpg", Body=b"0123456789")
assert s3.get_object(Bucket=src, Key="photos/a b.jpg", Range="bytes=0-3")["Body"].read() == b"0123"
s3.head_object(Bucket=src, Key="photos/a b.jpg")
assert code(s3.get_object, Bucket=src, Key="missing") == "NoSuchKey"
s3.list_objects_v2(Bucket=src)

records, names = [], []
deadline = time.time() + 60
while time.time() < deadline:
    listed = s3.list_objects_v2(Bucket=logs, Prefix="access/").get("Contents", [])
    names = [o["Key"] for o in listed]
    records = []
    for name in names:
        body = s3.get_object(Bucket=logs, Key=name)["Body"].read().decode()
        records += body.splitlines()
    if len(records) >= 6:
        break
    time.sleep(0.5)

field = re.compile(r'\[[^\]]*\]|"(?:[^"\\]|\\.)*"|\S+')
rows = [field.findall(r) for r in records]
assert all(len(r) == 26 for r in rows), rows
ops = [(r[6], r[7], r[9], r[10]) for r in rows]
assert ops == [
    ("REST.GET.LOGGING_STATUS", "-", "200", "-"),
    ("REST.PUT.OBJECT", "photos/a%20b.jpg", "200", "-"),
    ("REST.GET.OBJECT", "photos/a%20b.jpg", "206", "-"),
    ("REST.HEAD.OBJECT", "photos/a%20b.jpg", "200", "-"),
    ("REST.GET.OBJECT", "missing", "404", "NoSuchKey"),
    ("REST.GET.BUCKET", "-", "200", "-"),
], ops
put, get = rows[1], rows[2]
assert put[1] == src and put[3] == "127.0.0.1" and put[12] == "10", put
assert get[11] == "4" and get[12] == "10", get
assert put[8].startswith('"PUT /%s/photos/a%%20b.jpg' % src), put[8]
assert "Boto3" in put[16] or "botocore" in put[16], put[16]
assert put[19] == "SigV4" and put[21] == "AuthHeader", put
assert re.match(r"\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\]$", put[2]), put[2]
for name in names:
    assert re.match(r"access/\w{12}/us-east-1/%s/\d{4}/\d\d/\d\d/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$" % src, name), name

s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={})
assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=src)
print("OK")

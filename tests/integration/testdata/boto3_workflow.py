"""boto3 against a running kura: bucket, put, get, range, list 1,100 keys, delete.

Usage: boto3_workflow.py ENDPOINT ACCESS_KEY SECRET_KEY
Prints OK on success; any failure raises.
"""
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, ak, sk = sys.argv[1:4]
s3 = boto3.client(
    "s3", endpoint_url=endpoint, aws_access_key_id=ak, aws_secret_access_key=sk,
    region_name="us-east-1", config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
)
bucket = "boto3-bucket"
s3.create_bucket(Bucket=bucket)
assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]

big = bytes((i * 13 + i // 7) % 256 for i in range(3 * 1024 * 1024 + 5))
s3.put_object(Bucket=bucket, Key="big", Body=big, Metadata={"color": "blue"}, ContentType="text/x-kura")
s3.put_object(Bucket=bucket, Key="small", Body=b"hello")
got = s3.get_object(Bucket=bucket, Key="big")
assert got["Body"].read() == big
assert got["Metadata"] == {"color": "blue"}, got["Metadata"]
assert got["ContentType"] == "text/x-kura"
assert s3.get_object(Bucket=bucket, Key="big", Range="bytes=1000-1999")["Body"].read() == big[1000:2000]
assert s3.get_object(Bucket=bucket, Key="big", Range="bytes=-10")["Body"].read() == big[-10:]
assert s3.head_object(Bucket=bucket, Key="small")["ContentLength"] == 5

keys = sorted(f"many/d{i % 4}/k{i:04d}" for i in range(1100))
for k in keys:
    s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
paginator = s3.get_paginator("list_objects_v2")
listed = [o["Key"] for page in paginator.paginate(Bucket=bucket, Prefix="many/") for o in page.get("Contents", [])]
assert listed == keys, len(listed)
prefixes = [p["Prefix"] for page in paginator.paginate(Bucket=bucket, Prefix="many/", Delimiter="/")
            for p in page.get("CommonPrefixes", [])]
assert prefixes == ["many/d0/", "many/d1/", "many/d2/", "many/d3/"], prefixes
v1 = [o["Key"] for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, Prefix="many/")
      for o in page.get("Contents", [])]
assert v1 == keys, len(v1)

# Keys that need encoding-type=url (botocore asks for it and decodes).
special = sorted(["special/a b+c", "special/é/ü", "special/percent%20", "special/amp&lt;", "special/../dots", "special//slash"])
for k in special:
    s3.put_object(Bucket=bucket, Key=k, Body=b"s")
listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="special/")["Contents"]]
assert listed == special, listed
listed = [o["Key"] for o in s3.list_objects(Bucket=bucket, Prefix="special/")["Contents"]]
assert listed == special, listed
for k in special:
    assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == b"s", k
    s3.delete_object(Bucket=bucket, Key=k)

try:
    s3.delete_bucket(Bucket=bucket)
    raise AssertionError("deleted a non-empty bucket")
except ClientError as e:
    assert e.response["Error"]["Code"] == "BucketNotEmpty", e.response

for i in range(0, len(keys), 1000):
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]]})
    assert not resp.get("Errors"), resp.get("Errors")
s3.delete_object(Bucket=bucket, Key="big")
s3.delete_object(Bucket=bucket, Key="small")
try:
    s3.get_object(Bucket=bucket, Key="small")
    raise AssertionError("deleted object still readable")
except ClientError as e:
    assert e.response["Error"]["Code"] == "NoSuchKey", e.response
assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
s3.delete_bucket(Bucket=bucket)
print("OK")

"""boto3 against a kura serving us-east-1 that holds buckets of other
regions, as AWS's global endpoint creates them.

A client of eu-central-1 creates a bucket there and uses it; a client of
eu-west-2 signs for the wrong region, is told the bucket's (the <Region>
element and x-amz-bucket-region), and boto3's region redirector signs
again for it. Requests without a bucket keep the server's region.

Usage: boto3_regions.py ENDPOINT ACCESS_KEY SECRET_KEY
Prints OK on success; any failure raises.
"""
import sys
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, ak, sk = sys.argv[1:4]


def client(region):
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ak, aws_secret_access_key=sk, region_name=region,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


eu, elsewhere, home = client("eu-central-1"), client("eu-west-2"), client("us-east-1")
bucket = "boto3-eu-bucket"
eu.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
assert eu.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "eu-central-1"
assert home.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "eu-central-1"
head = eu.head_bucket(Bucket=bucket)
assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-central-1", head
assert head.get("BucketRegion") == "eu-central-1", head
listed = {b["Name"]: b.get("BucketRegion") for b in home.list_buckets()["Buckets"]}
assert listed[bucket] == "eu-central-1", listed

eu.put_object(Bucket=bucket, Key="k", Body=b"from eu-central-1")
assert eu.get_object(Bucket=bucket, Key="k")["Body"].read() == b"from eu-central-1"

# Signed for eu-west-2: refused with the bucket's region (the <Region>
# element, and x-amz-bucket-region), which boto3's redirector follows. The
# regions each attempt was signed for show the refusal and the retry.
signed = []


def record_region(request, **kwargs):
    auth = request.headers.get("Authorization", b"")
    auth = auth.decode() if isinstance(auth, bytes) else auth
    signed.append(auth.split("Credential=")[1].split("/")[2])


elsewhere.meta.events.register("before-send.s3", record_region)
elsewhere.put_object(Bucket=bucket, Key="k2", Body=b"redirected")
assert elsewhere.get_object(Bucket=bucket, Key="k2")["Body"].read() == b"redirected"
assert elsewhere.head_object(Bucket=bucket, Key="k")["ContentLength"] == len(b"from eu-central-1")
assert elsewhere.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
keys = [o["Key"] for o in elsewhere.list_objects_v2(Bucket=bucket)["Contents"]]
assert keys == ["k", "k2"], keys
# The first request was refused; from then on the bucket's region is
# used.
assert signed[:2] == ["eu-west-2", "eu-central-1"] and set(signed[2:]) == {"eu-central-1"}, signed
# Without a bucket, the server's region is expected, and the refusal
# names it (boto3 redirects only requests for a bucket).
try:
    elsewhere.list_buckets()
    raise AssertionError("ListBuckets signed for eu-west-2 was accepted by a us-east-1 server")
except ClientError as e:
    err = e.response["Error"]
    assert err["Code"] == "AuthorizationHeaderMalformed" and err.get("Region") == "us-east-1", e.response

# A presigned URL for the bucket's region works; for another it does not.
url = eu.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300)
assert urllib.request.urlopen(url).read() == b"from eu-central-1"
url = client("ap-south-1").generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300)
try:
    urllib.request.urlopen(url)
    raise AssertionError("a URL presigned for ap-south-1 was accepted")
except urllib.error.HTTPError as e:
    body = e.read().decode()
    assert e.code == 400 and "<Region>eu-central-1</Region>" in body, body

# CreateBucket signed for a third region is refused, naming the region
# of its LocationConstraint, and boto3 signs again for that.
west = client("us-west-2")
del signed[:]
west.meta.events.register("before-send.s3", record_region)
west.create_bucket(Bucket="boto3-from-west", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
assert signed == ["us-west-2", "eu-central-1"], signed
assert home.get_bucket_location(Bucket="boto3-from-west")["LocationConstraint"] == "eu-central-1"
west.delete_bucket(Bucket="boto3-from-west")
# An invalid constraint is refused.
try:
    home.create_bucket(Bucket="boto3-refused", CreateBucketConfiguration={"LocationConstraint": "not-a-region"})
    raise AssertionError("CreateBucket in not-a-region was accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidLocationConstraint", e.response

for k in ("k", "k2"):
    elsewhere.delete_object(Bucket=bucket, Key=k)
elsewhere.delete_bucket(Bucket=bucket)
print("OK")

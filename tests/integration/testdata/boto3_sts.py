"""STS AssumeRole through boto3 against kura: temporary credentials work
with their session token, and are refused without it or with another.
Prints OK when every check holds."""
import sys

import boto3
from botocore.client import Config
from botocore.exceptions import ClientError

endpoint, access, secret = sys.argv[1:4]
sts = boto3.client("sts", endpoint_url=endpoint, aws_access_key_id=access,
                   aws_secret_access_key=secret, region_name="us-east-1")
who = sts.get_caller_identity()
assert who["UserId"] == access, who
creds = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/any", RoleSessionName="test",
                        DurationSeconds=900)["Credentials"]


def s3_with(token):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=token,
                        region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))


s3 = s3_with(creds["SessionToken"])
s3.create_bucket(Bucket="from-sts")
assert "from-sts" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
for bad in (None, creds["SessionToken"][:-2] + "xx"):
    try:
        s3_with(bad).list_buckets()
        raise AssertionError("temporary credentials worked with token %r" % bad)
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidToken", e.response
try:
    sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/any", RoleSessionName="tt", DurationSeconds=43201)
    raise AssertionError("a session over 12 hours was issued")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ValidationError", e.response
# A session asking for more gets at most an hour, and no later than its own end.
chained = boto3.client("sts", endpoint_url=endpoint, aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
                       region_name="us-east-1")
try:
    chained.assume_role(RoleArn="arn:aws:iam::123456789012:role/any", RoleSessionName="chained", DurationSeconds=3601)
    raise AssertionError("a chained session over an hour was issued")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ValidationError", e.response
again = chained.assume_role(RoleArn="arn:aws:iam::123456789012:role/any", RoleSessionName="chained",
                            DurationSeconds=3600)["Credentials"]
assert again["Expiration"] <= creds["Expiration"], (again["Expiration"], creds["Expiration"])
print("OK")

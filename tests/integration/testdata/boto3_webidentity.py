"""boto3's assume_role_with_web_identity against kura's STS (an unsigned
call): the credentials read fed-allowed and are refused fed-other;
DurationSeconds past 43200 (boto3 itself refuses less than 900) and
a forged token are refused with
STS's errors.
Arguments: endpoint-url token forged-token."""
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

url, token, forged = sys.argv[1:4]
sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1", config=Config(signature_version=UNSIGNED))
role = "arn:kura:iam:::role/corp"
out = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="boto3", WebIdentityToken=token, DurationSeconds=900)
assert out["SubjectFromWebIdentityToken"] == "carol", out
assert out["AssumedRoleUser"]["Arn"] == role, out
c = out["Credentials"]
s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                  aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
assert s3.get_object(Bucket="fed-allowed", Key="a")["Body"].read() == b"fed-allowed/a"
try:
    s3.get_object(Bucket="fed-other", Key="a")
    raise AssertionError("fed-other readable")
except ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e


def refused(code, **kw):
    args = dict(RoleArn=role, RoleSessionName="boto3", WebIdentityToken=token)
    args.update(kw)
    try:
        sts.assume_role_with_web_identity(**args)
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, e
        return
    raise AssertionError(f"{kw} accepted")


refused("ValidationError", DurationSeconds=43201)
refused("InvalidIdentityToken", WebIdentityToken=forged)
print("OK")

"""boto3 signing with Signature Version 2 (signature_version "s3", which
botocore signs with HmacV1Auth) against kura: object and bucket calls,
a multipart upload, temporary credentials, a presigned GET and PUT, and
a browser POST upload whose policy botocore signs. Prints OK when every
check holds."""
import sys
import urllib.request
import uuid

import boto3
from botocore.client import Config
from botocore.exceptions import ClientError

if sys.argv[1] == "--check":
    # botocore before the fix of HmacV1Auth's resource for operations
    # whose URI template has a query (ListObjectsV2's "?list-type=2")
    # signs that query twice; AWS refuses those requests as kura does.
    import inspect
    import botocore.handlers
    fixed = "split('?')" in inspect.getsource(botocore.handlers.remove_bucket_from_url_paths_from_model)
    print("fixed" if fixed else "old botocore " + botocore.__version__)
    sys.exit(0)

endpoint, access, secret = sys.argv[1:4]
cfg = Config(signature_version="s3", s3={"addressing_style": "path"})
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access,
                  aws_secret_access_key=secret, region_name="us-east-1", config=cfg)

s3.create_bucket(Bucket="sigv2")

s3.put_object(Bucket="sigv2", Key="dir/a b+c.txt", Body=b"hello v2", ContentType="text/plain",
              Metadata={"color": "blue"})
got = s3.get_object(Bucket="sigv2", Key="dir/a b+c.txt")
assert got["Body"].read() == b"hello v2" and got["Metadata"] == {"color": "blue"}, got
assert s3.head_object(Bucket="sigv2", Key="dir/a b+c.txt")["ContentType"] == "text/plain"
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="sigv2", Prefix="dir/")["Contents"]]
assert keys == ["dir/a b+c.txt"], keys
s3.put_object_tagging(Bucket="sigv2", Key="dir/a b+c.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
assert s3.get_object_tagging(Bucket="sigv2", Key="dir/a b+c.txt")["TagSet"] == [{"Key": "k", "Value": "v"}]
s3.put_bucket_versioning(Bucket="sigv2", VersioningConfiguration={"Status": "Enabled"})
assert s3.get_bucket_versioning(Bucket="sigv2")["Status"] == "Enabled"
s3.copy_object(Bucket="sigv2", Key="copy", CopySource={"Bucket": "sigv2", "Key": "dir/a b+c.txt"})

mpu = s3.create_multipart_upload(Bucket="sigv2", Key="big")
part = b"x" * (5 << 20)
etags = [s3.upload_part(Bucket="sigv2", Key="big", UploadId=mpu["UploadId"], PartNumber=n, Body=part)["ETag"]
         for n in (1, 2)]
s3.complete_multipart_upload(Bucket="sigv2", Key="big", UploadId=mpu["UploadId"], MultipartUpload={
    "Parts": [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags)]})
assert s3.head_object(Bucket="sigv2", Key="big")["ContentLength"] == 10 << 20

s3.delete_objects(Bucket="sigv2", Delete={"Objects": [{"Key": "copy"}]})

# Presigned URLs, used without any credentials.
url = s3.generate_presigned_url("get_object", Params={"Bucket": "sigv2", "Key": "dir/a b+c.txt"}, ExpiresIn=300)
assert "AWSAccessKeyId=" in url and "Signature=" in url, url
assert urllib.request.urlopen(url).read() == b"hello v2"
url = s3.generate_presigned_url("put_object", Params={"Bucket": "sigv2", "Key": "presigned", "Metadata": {"m": "1"}},
                                ExpiresIn=300)
# Content-Type is signed (as empty here); urllib would add its own.
urllib.request.urlopen(urllib.request.Request(url, data=b"put by URL", method="PUT", headers={"Content-Type": ""}))
got = s3.get_object(Bucket="sigv2", Key="presigned")
assert got["Body"].read() == b"put by URL" and got["Metadata"] == {"m": "1"}, got

# A wrong secret is refused.
bad = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access,
                   aws_secret_access_key=secret + "x", region_name="us-east-1", config=cfg)
try:
    bad.list_objects_v2(Bucket="sigv2")
    raise SystemExit("a wrong secret was accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "SignatureDoesNotMatch", e.response

# A browser POST upload signed with Version 2.
post = s3.generate_presigned_post("sigv2", "posted/${filename}", Conditions=[["starts-with", "$key", "posted/"]])
assert "AWSAccessKeyId" in post["fields"] and "signature" in post["fields"], post
boundary = uuid.uuid4().hex
body = b""
for name, value in post["fields"].items():
    body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, name, value)).encode()
body += ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\n\r\n" % boundary).encode()
body += b"posted with v2\r\n--" + boundary.encode() + b"--\r\n"
req = urllib.request.Request(post["url"], data=body, method="POST",
                             headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
assert urllib.request.urlopen(req).status == 204
assert s3.get_object(Bucket="sigv2", Key="posted/f.txt")["Body"].read() == b"posted with v2"

# Temporary credentials sign with their session token.
sts = boto3.client("sts", endpoint_url=endpoint, aws_access_key_id=access,
                   aws_secret_access_key=secret, region_name="us-east-1")
creds = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/any", RoleSessionName="v2",
                        DurationSeconds=900)["Credentials"]


def temp(token):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=token,
                        region_name="us-east-1", config=cfg)


assert temp(creds["SessionToken"]).get_object(Bucket="sigv2", Key="presigned")["Body"].read() == b"put by URL"
try:
    temp(None).get_object(Bucket="sigv2", Key="presigned")
    raise SystemExit("temporary credentials without their token were accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidToken", e.response
print("OK")

"""Server-side encryption through boto3 over HTTPS: SSE-C, SSE-S3 and
SSE-KMS with single PUT, multipart, copy, ranged GET and a 0-byte object;
bucket default encryption; and the bad requests, each refused with nothing
stored. Arguments: endpoint access secret kms-key-name marker
control-marker (written unencrypted, for the caller's scan to find)."""
import base64
import hashlib
import os
import sys

from boto3.s3.transfer import TransferConfig
from s3session import client, code

endpoint, s3 = client()
kms_key, marker = sys.argv[4], sys.argv[5].encode()
bucket = "sse-boto3"
s3.create_bucket(Bucket=bucket)


def body(n):
    """n bytes with the marker every 4 KiB, so that a plaintext copy at
    rest would be found."""
    unit = (marker + os.urandom(4096))[:4096]
    return (unit * (n // 4096 + 1))[:n]


key_c = os.urandom(32)
sse_c = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": base64.b64encode(key_c).decode(),
         "SSECustomerKeyMD5": base64.b64encode(hashlib.md5(key_c).digest()).decode()}
# boto3 computes the key MD5 itself from SSECustomerKey given as bytes or str.
sse_c_boto = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key_c}
modes = {
    "sse-c": (sse_c_boto, sse_c_boto, None),
    "sse-s3": ({"ServerSideEncryption": "AES256"}, {}, "AES256"),
    "sse-kms": ({"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key}, {}, "aws:kms"),
}

for name, (put_args, get_args, header) in modes.items():
    for size in (0, 1, 100 << 10, 3 << 20):
        k = f"{name}/{size}"
        data = body(size)
        r = s3.put_object(Bucket=bucket, Key=k, Body=data, **put_args)
        if header:
            assert r["ServerSideEncryption"] == header, r
        else:
            assert r["SSECustomerAlgorithm"] == "AES256", r
        if name == "sse-kms":
            assert r["SSEKMSKeyId"] == kms_key, r
        got = s3.get_object(Bucket=bucket, Key=k, **get_args)
        assert got["Body"].read() == data, (k, "round trip")
        assert got["ETag"].strip('"') == hashlib.md5(data).hexdigest(), (k, "ETag")
        head = s3.head_object(Bucket=bucket, Key=k, **get_args)
        assert head["ContentLength"] == size
        if size:
            lo, hi = size // 3, min(size - 1, size // 3 + 70000)
            got = s3.get_object(Bucket=bucket, Key=k, Range=f"bytes={lo}-{hi}", **get_args)
            assert got["Body"].read() == data[lo:hi + 1], (k, "range")

    # Multipart through the transfer manager: 5 MiB parts.
    k = f"{name}/multipart"
    data = body(11 << 20)
    import io
    s3.upload_fileobj(io.BytesIO(data), bucket, k, ExtraArgs=put_args,
                      Config=TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20))
    head = s3.head_object(Bucket=bucket, Key=k, **get_args)
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]
    if header:
        assert head["ServerSideEncryption"] == header
    got = s3.get_object(Bucket=bucket, Key=k, Range="bytes=5242870-5242900", **get_args)
    assert got["Body"].read() == data[5242870:5242901], "range across parts"
    assert s3.get_object(Bucket=bucket, Key=k, **get_args)["Body"].read() == data

# Copies between every pair of modes.
src_data = body(200 << 10)
for src_name, (src_put, src_get, _) in modes.items():
    s3.put_object(Bucket=bucket, Key="copy-src", Body=src_data, **src_put)
    src_copy = {}
    if src_name == "sse-c":
        src_copy = {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key_c}
    for dst_name, (dst_put, dst_get, dst_header) in modes.items():
        r = s3.copy_object(Bucket=bucket, Key="copy-dst", CopySource={"Bucket": bucket, "Key": "copy-src"},
                           **dst_put, **src_copy)
        if dst_header:
            assert r["ServerSideEncryption"] == dst_header, (src_name, dst_name, r)
        got = s3.get_object(Bucket=bucket, Key="copy-dst", **dst_get)["Body"].read()
        assert got == src_data, (src_name, dst_name)

# SSE-C: a wrong key is 403, a missing key 400.
s3.put_object(Bucket=bucket, Key="c", Body=b"secret", **sse_c_boto)
other = os.urandom(32)
try:
    s3.get_object(Bucket=bucket, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=other)
    raise AssertionError("wrong SSE-C key accepted")
except s3.exceptions.ClientError as e:
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
try:
    s3.get_object(Bucket=bucket, Key="c")
    raise AssertionError("missing SSE-C key accepted")
except s3.exceptions.ClientError as e:
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response

# Bad input: each error, nothing stored.
assert code(s3.put_object, Bucket=bucket, Key="bad-kms", Body=b"x", ServerSideEncryption="aws:kms",
            SSEKMSKeyId="no-such-key") == "KMS.NotFoundException"
assert code(s3.put_object, Bucket=bucket, Key="bad-alg", Body=b"x", ServerSideEncryption="AES128") == "InvalidArgument"
assert code(s3.put_object, Bucket=bucket, Key="bad-both", Body=b"x", ServerSideEncryption="AES256",
            **sse_c_boto) == "InvalidArgument"
assert code(s3.put_object, Bucket=bucket, Key="bad-md5", Body=b"x", SSECustomerAlgorithm="AES256",
            SSECustomerKey=base64.b64encode(key_c).decode(),
            SSECustomerKeyMD5=base64.b64encode(hashlib.md5(b"other").digest()).decode()) == "InvalidArgument"
assert code(s3.put_object, Bucket=bucket, Key="bad-len", Body=b"x", SSECustomerAlgorithm="AES256",
            SSECustomerKey=os.urandom(16)) == "InvalidArgument"
assert code(s3.put_object, Bucket=bucket, Key="bad-kms-key-alone", Body=b"x", SSEKMSKeyId=kms_key) == "InvalidArgument"
for k in ("bad-kms", "bad-alg", "bad-both", "bad-md5", "bad-len", "bad-kms-key-alone"):
    assert code(s3.head_object, Bucket=bucket, Key=k) == "404", k

# Bucket default encryption.
default = "sse-default"
s3.create_bucket(Bucket=default)
assert code(s3.get_bucket_encryption, Bucket=default) == "ServerSideEncryptionConfigurationNotFoundError"
assert code(s3.put_bucket_encryption, Bucket=default, ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "missing"}}]}) == "KMS.NotFoundException"
s3.put_bucket_encryption(Bucket=default, ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key}}]})
rule = s3.get_bucket_encryption(Bucket=default)["ServerSideEncryptionConfiguration"]["Rules"][0]
assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == kms_key, rule
data = body(300 << 10)
s3.put_object(Bucket=default, Key="by-default", Body=data)
head = s3.head_object(Bucket=default, Key="by-default")
assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == kms_key, head
s3.put_object(Bucket=default, Key="small-by-default", Body=marker + b" inline")
s3.upload_fileobj(io.BytesIO(body(6 << 20)), default, "mp-by-default",
                  Config=TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20))
assert s3.head_object(Bucket=default, Key="mp-by-default")["ServerSideEncryption"] == "aws:kms"
s3.copy_object(Bucket=default, Key="copied-in", CopySource={"Bucket": bucket, "Key": "sse-s3/1"})
assert s3.head_object(Bucket=default, Key="copied-in")["ServerSideEncryption"] == "aws:kms"
# Explicit headers win over the default.
s3.put_object(Bucket=default, Key="explicit", Body=b"x", ServerSideEncryption="AES256")
assert s3.head_object(Bucket=default, Key="explicit")["ServerSideEncryption"] == "AES256"
s3.delete_bucket_encryption(Bucket=default)
s3.put_object(Bucket=default, Key="after-delete", Body=b"x")
assert "ServerSideEncryption" not in s3.head_object(Bucket=default, Key="after-delete")
# Control objects, unencrypted: the at-rest scan must find these.
control = sys.argv[6].encode()
s3.create_bucket(Bucket="plain")
s3.put_object(Bucket="plain", Key="small", Body=control)
s3.put_object(Bucket="plain", Key="large", Body=control + os.urandom(1 << 20))
print("OK")

"""boto3 writes objects without any checksum (a PUT, a multipart upload
created without an algorithm and completed from a part list without
checksums, a copy) and reads them back with checksum mode: each has S3's
default checksum, a FULL_OBJECT CRC64NVME of its data, which this script
computes itself. Where botocore can check CRC64NVME (it needs awscrt with
CRC64NVME), it must have checked the GET body against it. Prints OK and
whether botocore validated."""
import sys

import boto3
import botocore
from botocore import httpchecksum
from botocore.client import Config

endpoint, access, secret = sys.argv[1:4]

# Newer botocore checksums every upload unless told to only when required;
# older versions know no such option and send none anyway.
options = dict(signature_version="s3v4", s3={"addressing_style": "path"})
try:
    config = Config(request_checksum_calculation="when_required",
                    response_checksum_validation="when_supported", **options)
except TypeError:
    config = Config(**options)
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access,
                  aws_secret_access_key=secret, region_name="us-east-1", config=config)


def crc64nvme(data):
    """CRC-64/NVME: reflected polynomial 0x9A6C9329AC4BC9B5, all-ones
    initial value and final xor; base64 of the big-endian value."""
    import base64
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x9A6C9329AC4BC9B5 if c & 1 else c >> 1
        table.append(c)
    crc = 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFFFFFFFFFF
    return base64.b64encode(crc.to_bytes(8, "big")).decode()


assert crc64nvme(b"123456789") == "rosUhgp5mIg=", crc64nvme(b"123456789")

sent = []


def no_checksum_sent(request, **kwargs):
    sent.extend(k.lower() for k in request.headers.keys()
                if k.lower().startswith(("x-amz-checksum-", "x-amz-sdk-checksum", "x-amz-trailer"))
                and k.lower() != "x-amz-checksum-mode")


s3.meta.events.register("before-send.s3", no_checksum_sent)
can_validate = "crc64nvme" in getattr(httpchecksum, "_SUPPORTED_CHECKSUM_ALGORITHMS", [])


def header(resp, name):
    return resp["ResponseMetadata"]["HTTPHeaders"].get(name)


def check_read(key, data, want):
    """GET and HEAD with checksum mode report want; botocore checks the
    body against it when it can."""
    resp = s3.get_object(Bucket=b, Key=key, ChecksumMode="ENABLED")
    assert header(resp, "x-amz-checksum-crc64nvme") == want, resp["ResponseMetadata"]["HTTPHeaders"]
    assert header(resp, "x-amz-checksum-type") == "FULL_OBJECT", resp["ResponseMetadata"]["HTTPHeaders"]
    if can_validate:
        assert isinstance(resp["Body"], httpchecksum.StreamingChecksumBody), type(resp["Body"])
        assert resp["ChecksumCRC64NVME"] == want
    assert resp["Body"].read() == data  # botocore raises FlexibleChecksumError on a mismatch
    head = s3.head_object(Bucket=b, Key=key, ChecksumMode="ENABLED")
    assert header(head, "x-amz-checksum-crc64nvme") == want, head["ResponseMetadata"]["HTTPHeaders"]


b = "defaultsum"
s3.create_bucket(Bucket=b)

# A PUT without a checksum is answered with the default one.
data = bytes(range(256)) * 400
put = s3.put_object(Bucket=b, Key="put", Body=data)
want = crc64nvme(data)
assert header(put, "x-amz-checksum-crc64nvme") == want, put["ResponseMetadata"]["HTTPHeaders"]
assert header(put, "x-amz-checksum-type") == "FULL_OBJECT"
check_read("put", data, want)

# A multipart upload created without an algorithm, completed from a part
# list without checksums: the object's CRC64NVME is of the whole data.
parts = [b"a" * (5 << 20), bytes(range(256)) * 4 * 1024 + b"tail"]
mp = s3.create_multipart_upload(Bucket=b, Key="mp")
listed = []
for n, part in enumerate(parts, 1):
    up = s3.upload_part(Bucket=b, Key="mp", UploadId=mp["UploadId"], PartNumber=n, Body=part)
    assert header(up, "x-amz-checksum-crc64nvme") == crc64nvme(part), up["ResponseMetadata"]["HTTPHeaders"]
    listed.append({"PartNumber": n, "ETag": up["ETag"]})
done = s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=mp["UploadId"], MultipartUpload={"Parts": listed})
whole = b"".join(parts)
want = crc64nvme(whole)
if "ChecksumCRC64NVME" in s3.meta.service_model.shape_for("CompleteMultipartUploadOutput").members:
    assert done["ChecksumCRC64NVME"] == want and done["ChecksumType"] == "FULL_OBJECT", done
check_read("mp", whole, want)
attrs = s3.get_object_attributes(Bucket=b, Key="mp", ObjectAttributes=["Checksum"])
if "ChecksumCRC64NVME" in s3.meta.service_model.shape_for("Checksum").members:
    assert attrs["Checksum"]["ChecksumCRC64NVME"] == want, attrs

# A copy keeps it.
copied = s3.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "put"})
if "ChecksumCRC64NVME" in s3.meta.service_model.shape_for("CopyObjectResult").members:
    assert copied["CopyObjectResult"]["ChecksumCRC64NVME"] == crc64nvme(data), copied
check_read("copy", data, crc64nvme(data))

assert not sent, "boto3 sent checksum headers: %s" % sorted(set(sent))
print("OK; botocore %s %s the CRC64NVME of each GET" % (
    botocore.__version__, "validated" if can_validate else "cannot validate (no awscrt with CRC64NVME); the script checked"))

"""Drives the checksums S3 added in April 2026 through boto3: SHA512, which
botocore computes itself (flexible checksums), on PutObject, GET/HEAD with
checksum mode, a COMPOSITE multipart upload (UploadPart, ListParts,
CompleteMultipartUpload, GetObjectAttributes) and CopyObject; MD5 as an
x-amz-checksum-md5 value the caller computes. Prints OK when every check
holds, or SKIP when this botocore does not know SHA512."""
import base64
import hashlib

from botocore import httpchecksum

from s3session import client, code

endpoint, s3 = client()
enum = s3.meta.service_model.shape_for("ChecksumAlgorithm").enum
if "SHA512" not in enum or "sha512" not in httpchecksum._SUPPORTED_CHECKSUM_ALGORITHMS:
    print("SKIP: botocore without SHA512 checksums")
    raise SystemExit(0)


def b64(digest):
    return base64.b64encode(digest).decode()


def sha512(data):
    return b64(hashlib.sha512(data).digest())


b = "sums"
s3.create_bucket(Bucket=b)
data = b"checksummed by botocore " * 1000

# PutObject: botocore computes SHA512 and sends it; kura verifies and
# stores it, and returns it on HEAD and GET (which botocore validates).
r = s3.put_object(Bucket=b, Key="one", Body=data, ChecksumAlgorithm="SHA512")
assert r.get("ChecksumSHA512") == sha512(data), r
h = s3.head_object(Bucket=b, Key="one", ChecksumMode="ENABLED")
assert h.get("ChecksumSHA512") == sha512(data) and h.get("ChecksumType") == "FULL_OBJECT", h
g = s3.get_object(Bucket=b, Key="one", ChecksumMode="ENABLED")
assert g["Body"].read() == data and g.get("ChecksumSHA512") == sha512(data), g

# A value for other data is refused and stores nothing.
assert code(s3.put_object, Bucket=b, Key="bad", Body=data, ChecksumSHA512=sha512(b"other")) == "BadDigest"
assert code(s3.head_object, Bucket=b, Key="bad") == "404"

# x-amz-checksum-md5 beside Content-MD5: both checked, each on its own.
md5 = b64(hashlib.md5(data).digest())
r = s3.put_object(Bucket=b, Key="md5", Body=data, ChecksumMD5=md5, ContentMD5=md5)
assert r.get("ChecksumMD5") == md5 and r["ETag"] == '"%s"' % hashlib.md5(data).hexdigest(), r
assert s3.head_object(Bucket=b, Key="md5", ChecksumMode="ENABLED").get("ChecksumMD5") == md5
assert code(s3.put_object, Bucket=b, Key="md5-bad", Body=data, ChecksumMD5=b64(hashlib.md5(b"x").digest())) == "BadDigest"

# Multipart with SHA512: COMPOSITE, the SHA-512 of the parts' digests.
parts_data = [b"a" * (5 << 20), b"tail"]
assert code(s3.create_multipart_upload, Bucket=b, Key="mp", ChecksumAlgorithm="SHA512",
            ChecksumType="FULL_OBJECT") == "InvalidRequest"
up = s3.create_multipart_upload(Bucket=b, Key="mp", ChecksumAlgorithm="SHA512")
parts = []
for n, chunk in enumerate(parts_data, 1):
    r = s3.upload_part(Bucket=b, Key="mp", UploadId=up["UploadId"], PartNumber=n, Body=chunk,
                       ChecksumAlgorithm="SHA512")
    assert r.get("ChecksumSHA512") == sha512(chunk), r
    parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumSHA512": r["ChecksumSHA512"]})
listed = s3.list_parts(Bucket=b, Key="mp", UploadId=up["UploadId"])["Parts"]
assert [p.get("ChecksumSHA512") for p in listed] == [p["ChecksumSHA512"] for p in parts], listed
done = s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up["UploadId"],
                                    MultipartUpload={"Parts": parts})
composite = b64(hashlib.sha512(b"".join(hashlib.sha512(c).digest() for c in parts_data)).digest()) + "-2"
assert done.get("ChecksumSHA512") == composite and done.get("ChecksumType") == "COMPOSITE", done
attrs = s3.get_object_attributes(Bucket=b, Key="mp", ObjectAttributes=["Checksum", "ObjectParts"])
assert attrs["Checksum"].get("ChecksumSHA512") == composite[:-2], attrs  # without "-2", as AWS answers
assert [p.get("ChecksumSHA512") for p in attrs["ObjectParts"]["Parts"]] == [p["ChecksumSHA512"] for p in parts], attrs

# CopyObject asking for SHA512 gives the copy a full-object SHA512.
r = s3.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "md5"}, ChecksumAlgorithm="SHA512")
assert r["CopyObjectResult"].get("ChecksumSHA512") == sha512(data), r
print("OK")

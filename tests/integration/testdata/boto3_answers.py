"""Checks, through boto3, answers tools rely on: CompleteMultipartUpload's
absolute Location, the checksum algorithm and type of every listing and of
CreateMultipartUpload, and a part read of an object written whole. Prints
OK when every check holds."""
from s3session import client, code

endpoint, s3 = client()
b = "answers"
s3.create_bucket(Bucket=b)

# CompleteMultipartUpload names the object by its absolute URL, on the
# host and scheme the request used, path-style as this client addresses.
key = "dir/a b"
up = s3.create_multipart_upload(Bucket=b, Key=key, ChecksumAlgorithm="SHA256")
assert up["ChecksumAlgorithm"] == "SHA256", up
assert up["ChecksumType"] == "COMPOSITE", up
part = s3.upload_part(Bucket=b, Key=key, UploadId=up["UploadId"], PartNumber=1, Body=b"part one", ChecksumAlgorithm="SHA256")
uploads = s3.list_multipart_uploads(Bucket=b)["Uploads"]
assert [(u["ChecksumAlgorithm"], u["ChecksumType"]) for u in uploads] == [("SHA256", "COMPOSITE")], uploads
done = s3.complete_multipart_upload(Bucket=b, Key=key, UploadId=up["UploadId"], MultipartUpload={
    "Parts": [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumSHA256": part["ChecksumSHA256"]}]})
assert done["Location"] == endpoint + "/answers/dir/a%20b", done["Location"]

# Every listing names each object's checksum algorithm and type.
s3.put_object(Bucket=b, Key="whole", Body=b"0123456789")
head = s3.head_object(Bucket=b, Key="whole", ChecksumMode="ENABLED")
whole_alg = [k[len("Checksum"):] for k in head if k.startswith("Checksum") and k != "ChecksumType"]
assert len(whole_alg) == 1, head
want = {key: (["SHA256"], "COMPOSITE"), "whole": (whole_alg, "FULL_OBJECT")}
for name, entries in [
    ("v1", s3.list_objects(Bucket=b)["Contents"]),
    ("v2", s3.list_objects_v2(Bucket=b)["Contents"]),
    ("versions", s3.list_object_versions(Bucket=b)["Versions"]),
]:
    got = {e["Key"]: (e.get("ChecksumAlgorithm"), e.get("ChecksumType")) for e in entries}
    assert got == want, (name, got, want)

# Part 1 of an object written whole is the whole object, as a 206 with
# its Content-Range and without a parts count; part 2 is past the last.
for op in (s3.get_object, s3.head_object):
    r = op(Bucket=b, Key="whole", PartNumber=1)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206, (op.__name__, r["ResponseMetadata"])
    assert r["ContentRange"] == "bytes 0-9/10", (op.__name__, r.get("ContentRange"))
    assert "PartsCount" not in r, (op.__name__, r)
assert s3.get_object(Bucket=b, Key="whole", PartNumber=1)["Body"].read() == b"0123456789"
assert code(s3.get_object, Bucket=b, Key="whole", PartNumber=2) == "InvalidPartNumber"
assert code(s3.head_object, Bucket=b, Key="whole", PartNumber=2) == "416"
mp = s3.head_object(Bucket=b, Key=key, PartNumber=1)
assert mp["ResponseMetadata"]["HTTPStatusCode"] == 206 and mp["PartsCount"] == 1, mp

print("OK")

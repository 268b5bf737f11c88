"""Drives kura's object API beyond the core through boto3: bucket
configuration documents, CORS, presigned URLs of every method, copies,
tags and multipart checksums. Prints OK when every check holds."""
import json
import urllib.error
import urllib.request

from s3session import client, code

endpoint, s3 = client()


def http(method, url, headers=None, data=None):
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


b = "cfg"
s3.create_bucket(Bucket=b)

# Bucket policy: stored exactly, NoSuchBucketPolicy when absent, validated.
assert code(s3.get_bucket_policy, Bucket=b) == "NoSuchBucketPolicy"
policy = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject"],
    "Resource": ["arn:aws:s3:::cfg/*"]}]})
s3.put_bucket_policy(Bucket=b, Policy=policy)
assert s3.get_bucket_policy(Bucket=b)["Policy"] == policy
bad = policy.replace("arn:aws:s3:::cfg/*", "arn:aws:s3:::otherbucket/*")
assert code(s3.put_bucket_policy, Bucket=b, Policy=bad) == "MalformedPolicy"
assert code(s3.put_bucket_policy, Bucket=b, Policy="{not json") == "MalformedPolicy"
s3.delete_bucket_policy(Bucket=b)
assert code(s3.get_bucket_policy, Bucket=b) == "NoSuchBucketPolicy"

# Notification: empty by default, then what was set.
n = s3.get_bucket_notification_configuration(Bucket=b)
assert not n.get("QueueConfigurations") and not n.get("TopicConfigurations"), n
s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={
    "QueueConfigurations": [{"Id": "q1", "QueueArn": "arn:minio:sqs::1:webhook",
                             "Events": ["s3:ObjectCreated:*"],
                             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}]})
n = s3.get_bucket_notification_configuration(Bucket=b)
assert n["QueueConfigurations"][0]["QueueArn"] == "arn:minio:sqs::1:webhook", n
assert code(s3.put_bucket_notification_configuration, Bucket=b, NotificationConfiguration={
    "QueueConfigurations": [{"QueueArn": "arn:minio:sqs::1:webhook", "Events": ["s3:NoSuchEvent"]}]}) == "InvalidArgument"
# A destination that names no target of the server is refused too.
assert code(s3.put_bucket_notification_configuration, Bucket=b, NotificationConfiguration={
    "QueueConfigurations": [{"QueueArn": "arn:minio:sqs::2:webhook", "Events": ["s3:ObjectCreated:*"]}]}) == "InvalidArgument"

# Bucket tagging.
assert code(s3.get_bucket_tagging, Bucket=b) == "NoSuchTagSet"
s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "team", "Value": "kura"}]})
assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == [{"Key": "team", "Value": "kura"}]
s3.delete_bucket_tagging(Bucket=b)
assert code(s3.get_bucket_tagging, Bucket=b) == "NoSuchTagSet"

# CORS: stored, and really answered on preflight and on responses.
assert code(s3.get_bucket_cors, Bucket=b) == "NoSuchCORSConfiguration"
s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [{
    "AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["GET", "PUT"],
    "AllowedHeaders": ["x-amz-*", "content-type"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})
assert s3.get_bucket_cors(Bucket=b)["CORSRules"][0]["MaxAgeSeconds"] == 600
s3.put_object(Bucket=b, Key="page.html", Body=b"<p>hi</p>", ContentType="text/html")
status, headers, _ = http("OPTIONS", f"{endpoint}/{b}/page.html", {
    "Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "content-type, x-amz-meta-a"})
assert status == 200, status
assert headers.get("Access-Control-Allow-Origin") == "https://app.example.com", headers
assert headers.get("Access-Control-Max-Age") == "600", headers
status, _, _ = http("OPTIONS", f"{endpoint}/{b}/page.html", {
    "Origin": "https://evil.example.net", "Access-Control-Request-Method": "GET"})
assert status == 403, status
status, _, _ = http("OPTIONS", f"{endpoint}/{b}/page.html", {
    "Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"})
assert status == 403, status
url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "page.html"})
status, headers, body = http("GET", url, {"Origin": "https://app.example.com"})
assert status == 200, (status, body)
assert headers.get("Access-Control-Allow-Origin") == "https://app.example.com", headers
assert headers.get("Access-Control-Expose-Headers") == "ETag", headers
s3.delete_bucket_cors(Bucket=b)
status, _, _ = http("OPTIONS", f"{endpoint}/{b}/page.html", {
    "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"})
assert status == 403, status

# Presigned URLs of every method, with response-* overrides.
put_url = s3.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "p"})
assert http("PUT", put_url, data=b"presigned body")[0] == 200
get_url = s3.generate_presigned_url("get_object", Params={
    "Bucket": b, "Key": "p", "ResponseContentType": "text/x-override",
    "ResponseContentDisposition": "attachment; filename=p.txt"})
status, headers, body = http("GET", get_url)
assert status == 200 and body == b"presigned body", (status, body)
assert headers.get("Content-Type") == "text/x-override", headers
assert headers.get("Content-Disposition") == "attachment; filename=p.txt", headers
head_url = s3.generate_presigned_url("head_object", Params={"Bucket": b, "Key": "p"})
status, headers, _ = http("HEAD", head_url)
assert status == 200 and headers.get("Content-Length") == "14", (status, headers)
del_url = s3.generate_presigned_url("delete_object", Params={"Bucket": b, "Key": "p"})
assert http("DELETE", del_url)[0] == 204
assert code(s3.head_object, Bucket=b, Key="p") == "404"

# Copy with directives; tags on PUT; checksums kept.
s3.put_object(Bucket=b, Key="src", Body=b"copy me", Metadata={"a": "1"}, Tagging="k=v&x=y",
              ChecksumAlgorithm="SHA256")
s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src"})
h = s3.head_object(Bucket=b, Key="dst", ChecksumMode="ENABLED")
assert h["Metadata"] == {"a": "1"} and h.get("ChecksumSHA256"), h
assert len(s3.get_object_tagging(Bucket=b, Key="dst")["TagSet"]) == 2
s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src"},
               MetadataDirective="REPLACE", Metadata={"b": "2"}, TaggingDirective="REPLACE", Tagging="only=one")
h = s3.head_object(Bucket=b, Key="dst")
assert h["Metadata"] == {"b": "2"}, h
assert s3.get_object_tagging(Bucket=b, Key="dst")["TagSet"] == [{"Key": "only", "Value": "one"}]
assert code(s3.copy_object, Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src"},
            CopySourceIfNoneMatch=s3.head_object(Bucket=b, Key="src")["ETag"]) == "PreconditionFailed"

# Multipart with CRC32 checksums: composite and full-object.
part = b"p" * (5 << 20)
for kind in ("COMPOSITE", "FULL_OBJECT"):
    up = s3.create_multipart_upload(Bucket=b, Key="mp-" + kind, ChecksumAlgorithm="CRC32", ChecksumType=kind)
    parts = []
    for n, data in ((1, part), (2, b"tail")):
        r = s3.upload_part(Bucket=b, Key="mp-" + kind, UploadId=up["UploadId"], PartNumber=n, Body=data,
                           ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    listed = s3.list_parts(Bucket=b, Key="mp-" + kind, UploadId=up["UploadId"])["Parts"]
    assert [p["ChecksumCRC32"] for p in listed] == [p["ChecksumCRC32"] for p in parts], listed
    done = s3.complete_multipart_upload(Bucket=b, Key="mp-" + kind, UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": parts})
    h = s3.head_object(Bucket=b, Key="mp-" + kind, ChecksumMode="ENABLED")
    assert h.get("ChecksumCRC32") == done.get("ChecksumCRC32"), (h, done)
    assert h.get("ChecksumType") == kind, h
    assert h["ContentLength"] == len(part) + 4
    if kind == "COMPOSITE":
        assert h["ChecksumCRC32"].endswith("-2"), h
    else:
        import zlib, base64
        whole = zlib.crc32(part + b"tail").to_bytes(4, "big")
        assert h["ChecksumCRC32"] == base64.b64encode(whole).decode(), h

# A wrong part checksum is refused.
up = s3.create_multipart_upload(Bucket=b, Key="mp-bad", ChecksumAlgorithm="CRC32")
assert code(s3.upload_part, Bucket=b, Key="mp-bad", UploadId=up["UploadId"], PartNumber=1,
            Body=b"abc", ChecksumCRC32="AAAAAA==") in ("BadDigest", "InvalidRequest")
assert s3.list_parts(Bucket=b, Key="mp-bad", UploadId=up["UploadId"]).get("Parts", []) == []
s3.abort_multipart_upload(Bucket=b, Key="mp-bad", UploadId=up["UploadId"])
print("OK")

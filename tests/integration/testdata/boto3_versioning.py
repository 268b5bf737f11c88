"""Versioning and object lock through boto3. Prints OK when every check
holds."""
import datetime

from botocore.exceptions import ClientError

from s3session import client, code

endpoint, s3 = client()

b = "vers"
s3.create_bucket(Bucket=b)
assert "Status" not in s3.get_bucket_versioning(Bucket=b)
s3.put_object(Bucket=b, Key="k", Body=b"null version")
s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
assert v1 != v2 and v1 != "null"
assert s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read() == b"one"
assert s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read() == b"null version"
assert s3.head_object(Bucket=b, Key="k")["VersionId"] == v2
import urllib.request
url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "k", "VersionId": v1})
with urllib.request.urlopen(url) as resp:
    assert resp.read() == b"one" and resp.headers["x-amz-version-id"] == v1

d = s3.delete_object(Bucket=b, Key="k")
assert d["DeleteMarker"] is True and d["VersionId"], d
try:
    s3.get_object(Bucket=b, Key="k")
    raise AssertionError("GET behind a delete marker succeeded")
except ClientError as e:
    assert e.response["Error"]["Code"] == "NoSuchKey", e.response
    assert e.response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true", e.response
try:
    s3.get_object(Bucket=b, Key="k", VersionId=d["VersionId"])
    raise AssertionError("GET of a delete marker succeeded")
except ClientError as e:
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 405, e.response

vs = s3.list_object_versions(Bucket=b)
assert [m["VersionId"] for m in vs["DeleteMarkers"]] == [d["VersionId"]] and vs["DeleteMarkers"][0]["IsLatest"]
assert [v["VersionId"] for v in vs["Versions"]] == [v2, v1, "null"], vs["Versions"]
assert not any(v["IsLatest"] for v in vs["Versions"])
assert s3.list_objects_v2(Bucket=b).get("KeyCount") == 0

# Paging one version at a time walks the same list.
seen, kw = [], {}
while True:
    page = s3.list_object_versions(Bucket=b, MaxKeys=1, **kw)
    seen += [v["VersionId"] for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
    if not page["IsTruncated"]:
        break
    kw = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
assert seen == [d["VersionId"], v2, v1, "null"], seen

r = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k", "VersionId": d["VersionId"]}, {"Key": "other"}]})
by_key = {x["Key"]: x for x in r["Deleted"]}
assert by_key["k"]["DeleteMarker"] is True, r
assert by_key["other"]["DeleteMarker"] is True and by_key["other"]["DeleteMarkerVersionId"], r
assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"two"

s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
# A write to a suspended bucket makes the null version; like AWS, the answer
# names no version id.
assert "VersionId" not in s3.put_object(Bucket=b, Key="s", Body=b"a")
assert s3.get_object(Bucket=b, Key="s", VersionId="null")["Body"].read() == b"a"
assert code(s3.put_bucket_versioning, Bucket=b, VersioningConfiguration={"Status": "Off"}) == "MalformedXML"

# Object lock.
lb = "locked"
s3.create_bucket(Bucket=lb, ObjectLockEnabledForBucket=True)
assert s3.get_bucket_versioning(Bucket=lb)["Status"] == "Enabled"
assert code(s3.put_bucket_versioning, Bucket=lb, VersioningConfiguration={"Status": "Suspended"}) == "InvalidBucketState"
assert code(s3.get_object_lock_configuration, Bucket=b) == "ObjectLockConfigurationNotFoundError"
assert code(s3.put_object_lock_configuration, Bucket=b, ObjectLockConfiguration={
    "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}) == "InvalidBucketState"
s3.put_object_lock_configuration(Bucket=lb, ObjectLockConfiguration={
    "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
cfg = s3.get_object_lock_configuration(Bucket=lb)["ObjectLockConfiguration"]
assert cfg["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 1}, cfg

gv = s3.put_object(Bucket=lb, Key="g", Body=b"governed")["VersionId"]
ret = s3.get_object_retention(Bucket=lb, Key="g", VersionId=gv)["Retention"]
assert ret["Mode"] == "GOVERNANCE", ret
assert code(s3.delete_object, Bucket=lb, Key="g", VersionId=gv) == "AccessDenied"
s3.delete_object(Bucket=lb, Key="g", VersionId=gv, BypassGovernanceRetention=True)

until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
cv = s3.put_object(Bucket=lb, Key="c", Body=b"compliant", ObjectLockMode="COMPLIANCE",
                   ObjectLockRetainUntilDate=until)["VersionId"]
h = s3.head_object(Bucket=lb, Key="c")
assert h["ObjectLockMode"] == "COMPLIANCE", h
assert code(s3.delete_object, Bucket=lb, Key="c", VersionId=cv, BypassGovernanceRetention=True) == "AccessDenied"
assert code(s3.put_object_retention, Bucket=lb, Key="c", VersionId=cv, BypassGovernanceRetention=True,
            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until - datetime.timedelta(days=1)}) == "AccessDenied"
s3.put_object_retention(Bucket=lb, Key="c", VersionId=cv,
                        Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until + datetime.timedelta(days=1)})
assert s3.delete_object(Bucket=lb, Key="c")["DeleteMarker"] is True  # a marker hides it; the version stays
assert s3.get_object(Bucket=lb, Key="c", VersionId=cv)["Body"].read() == b"compliant"

hv = s3.put_object(Bucket=lb, Key="h", Body=b"held", ObjectLockLegalHoldStatus="ON",
                   ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)["VersionId"]
assert s3.get_object_legal_hold(Bucket=lb, Key="h", VersionId=hv)["LegalHold"]["Status"] == "ON"
assert code(s3.delete_object, Bucket=lb, Key="h", VersionId=hv, BypassGovernanceRetention=True) == "AccessDenied"
s3.put_object_legal_hold(Bucket=lb, Key="h", VersionId=hv, LegalHold={"Status": "OFF"})
r = s3.delete_objects(Bucket=lb, BypassGovernanceRetention=True, Delete={"Objects": [{"Key": "h", "VersionId": hv}, {"Key": "c", "VersionId": cv}]})
assert [x["Key"] for x in r.get("Deleted", [])] == ["h"], r
assert [x["Key"] for x in r.get("Errors", [])] == ["c"] and r["Errors"][0]["Code"] == "AccessDenied", r

assert code(s3.put_object_retention, Bucket=b, Key="k", Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until}) == "InvalidRequest"
assert code(s3.put_object, Bucket=lb, Key="bad", Body=b"x", ObjectLockMode="FOREVER", ObjectLockRetainUntilDate=until) == "InvalidArgument"
assert code(s3.put_object, Bucket=lb, Key="past", Body=b"x", ObjectLockMode="GOVERNANCE",
            ObjectLockRetainUntilDate=until - datetime.timedelta(days=30)) == "InvalidArgument"
# ACLs: the owner holds FULL_CONTROL of every version; only private ACLs
# are accepted, access is granted with policies.
acl = s3.get_object_acl(Bucket=b, Key="k", VersionId=v1)
assert acl["Grants"][0]["Permission"] == "FULL_CONTROL", acl
assert s3.get_bucket_acl(Bucket=b)["Grants"][0]["Permission"] == "FULL_CONTROL"
s3.put_object_acl(Bucket=b, Key="k", ACL="private")
assert code(s3.put_bucket_acl, Bucket=b, ACL="public-read") == "AccessControlListNotSupported"
assert code(s3.put_object, Bucket=b, Key="pub", Body=b"x", ACL="public-read") == "AccessControlListNotSupported"
s3.put_object(Bucket=b, Key="priv", Body=b"x", ACL="private")
print("OK")

"""Follows an app's upload path through boto3: in a bucket created with
ObjectWriter ownership, objects put and uploaded in parts with the
public-read ACL are readable at their URLs without credentials; a bucket
with ACLs disabled refuses the ACL; IgnorePublicAcls turns public access
off. Prints OK when every check holds."""
import urllib.error
import urllib.request

from s3session import client, code

endpoint, s3 = client()


def anonymous_get(bucket, key):
    try:
        with urllib.request.urlopen(f"{endpoint}/{bucket}/{key}") as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


b = "boto-uploads"
s3.create_bucket(Bucket=b, ObjectOwnership="ObjectWriter")
rules = s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"]
assert rules == [{"ObjectOwnership": "ObjectWriter"}], rules

s3.put_object(Bucket=b, Key="photo.jpg", Body=b"photo", ACL="public-read", ContentType="image/jpeg")
up = s3.create_multipart_upload(Bucket=b, Key="big.bin", ACL="public-read")
part = s3.upload_part(Bucket=b, Key="big.bin", UploadId=up["UploadId"], PartNumber=1, Body=b"parts")
s3.complete_multipart_upload(Bucket=b, Key="big.bin", UploadId=up["UploadId"],
                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
s3.put_object(Bucket=b, Key="private.txt", Body=b"secret")

for key, want in (("photo.jpg", b"photo"), ("big.bin", b"parts")):
    s3.head_object(Bucket=b, Key=key)
    status, body = anonymous_get(b, key)
    assert (status, body) == (200, want), (key, status, body)
status, _ = anonymous_get(b, "private.txt")
assert status == 403, status

acl = s3.get_object_acl(Bucket=b, Key="photo.jpg")
assert acl["Owner"]["DisplayName"] == "kura", acl
perms = sorted((g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"])
assert ("http://acs.amazonaws.com/groups/global/AllUsers", "READ") in perms, perms

# put_object_acl makes a private object public, and private again.
s3.put_object_acl(Bucket=b, Key="private.txt", ACL="public-read")
assert anonymous_get(b, "private.txt")[0] == 200
s3.put_object_acl(Bucket=b, Key="private.txt", ACL="private")
assert anonymous_get(b, "private.txt")[0] == 403

# ACLs disabled (the server's default ownership) refuse a public ACL.
s3.create_bucket(Bucket="boto-enforced")
assert code(s3.put_object, Bucket="boto-enforced", Key="a", Body=b"x", ACL="public-read") == "AccessControlListNotSupported"
assert code(s3.create_multipart_upload, Bucket="boto-enforced", Key="a", ACL="public-read") == "AccessControlListNotSupported"

# BlockPublicAcls refuses public ACLs; IgnorePublicAcls ignores them.
s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True})
assert code(s3.put_object, Bucket=b, Key="again", Body=b"x", ACL="public-read") == "AccessDenied"
status, _ = anonymous_get(b, "photo.jpg")
assert status == 403, status
s3.delete_public_access_block(Bucket=b)
assert anonymous_get(b, "photo.jpg")[0] == 200
print("OK")

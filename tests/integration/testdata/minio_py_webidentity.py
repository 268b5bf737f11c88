"""minio-py's WebIdentityProvider and ClientGrantsProvider against kura's
STS: the token (read from a file at each retrieval, as a provider would
fetch it) becomes temporary credentials that read fed-allowed and are
refused fed-other; a session policy narrows them.
Arguments: endpoint (host:port) token-file."""
import sys

from minio import Minio
from minio.credentials.providers import ClientGrantsProvider, WebIdentityProvider
from minio.error import S3Error

endpoint, token_file = sys.argv[1:3]
sts = "http://" + endpoint


def jwt():
    with open(token_file) as f:
        return {"access_token": f.read().strip(), "expires_in": "3600"}


def check(mc, readable, refused):
    for bucket, key in readable:
        mc.stat_object(bucket, key)
    for bucket, key in refused:
        try:
            mc.stat_object(bucket, key)
        except S3Error as e:
            assert e.code == "AccessDenied", e
        else:
            raise AssertionError(f"{bucket}/{key} readable")


web = WebIdentityProvider(jwt, sts)
creds = web.retrieve()
assert creds.access_key.startswith("ASIA") and creds.session_token, creds
check(Minio(endpoint, credentials=web, secure=False, region="us-east-1"), [("fed-allowed", "a"), ("fed-allowed", "b")], [("fed-other", "a")])

narrow = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::fed-allowed/a"}]}'
narrowed = WebIdentityProvider(jwt, sts, policy=narrow, role_arn="arn:kura:iam:::role/corp", role_session_name="py")
check(Minio(endpoint, credentials=narrowed, secure=False, region="us-east-1"), [("fed-allowed", "a")], [("fed-allowed", "b"), ("fed-other", "a")])

grants = ClientGrantsProvider(jwt, sts, duration_seconds=900)
check(Minio(endpoint, credentials=grants, secure=False, region="us-east-1"), [("fed-allowed", "a")], [("fed-other", "a")])
print("OK")

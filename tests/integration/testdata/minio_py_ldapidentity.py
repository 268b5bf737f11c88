"""minio-py's LdapIdentityProvider against kura's STS: a directory user's
login becomes temporary credentials that read fed-allowed (a policy
attached to the user's group) and are refused fed-other; a wrong password
is refused.
Arguments: endpoint (host:port) username password."""
import sys

from minio import Minio
from minio.credentials.providers import LdapIdentityProvider
from minio.error import S3Error

endpoint, username, password = sys.argv[1:4]
sts = "http://" + endpoint

ldap = LdapIdentityProvider(sts, username, password)
creds = ldap.retrieve()
assert creds.access_key.startswith("ASIA") and creds.session_token, creds
mc = Minio(endpoint, credentials=ldap, secure=False, region="us-east-1")
mc.stat_object("fed-allowed", "a")
mc.stat_object("fed-allowed", "b")
try:
    mc.stat_object("fed-other", "a")
except S3Error as e:
    assert e.code == "AccessDenied", e
else:
    raise AssertionError("fed-other/a readable")

try:
    LdapIdentityProvider(sts, username, password + "-wrong").retrieve()
except ValueError as e:  # minio-py tells only the status of STS refusals
    assert "status code 403" in str(e), e
else:
    raise AssertionError("a wrong password got credentials")
print("OK")

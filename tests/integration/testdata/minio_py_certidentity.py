"""minio-py's CertificateIdentityProvider against kura's STS over mTLS:
the client certificate (CN fed-read) becomes temporary credentials that
read fed-allowed and are refused fed-other; a certificate of another CA is
refused.
Arguments: endpoint (host:port) server-ca cert key foreign-cert foreign-key."""
import sys

import urllib3
from minio import Minio
from minio.credentials.providers import CertificateIdentityProvider
from minio.error import S3Error

endpoint, server_ca, cert, key, foreign_cert, foreign_key = sys.argv[1:7]
sts = "https://" + endpoint

provider = CertificateIdentityProvider(sts, cert_file=cert, key_file=key, ca_certs=server_ca)
creds = provider.retrieve()
assert creds.access_key.startswith("ASIA") and creds.session_token, creds
mc = Minio(endpoint, credentials=provider, secure=True, region="us-east-1",
           http_client=urllib3.PoolManager(ca_certs=server_ca))
mc.stat_object("fed-allowed", "a")
try:
    mc.stat_object("fed-other", "a")
except S3Error as e:
    assert e.code == "AccessDenied", e
else:
    raise AssertionError("fed-other/a readable")

try:
    CertificateIdentityProvider(sts, cert_file=foreign_cert, key_file=foreign_key, ca_certs=server_ca).retrieve()
except ValueError as e:  # minio-py tells only the status of STS refusals
    assert "status code 403" in str(e), e
else:
    raise AssertionError("a certificate of another CA got credentials")
print("OK")

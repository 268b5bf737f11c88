"""The spec's encryption calls through the real minio-py client over
HTTPS: SseCustomerKey, SseS3 and SseKMS with put_object (single and
multipart), get_object (whole and ranged), stat_object, copy_object,
compose_object, a 0-byte object, and set/get/delete_bucket_encryption.
Arguments: endpoint (host:port) access secret kms-key-name. The CA file is
in SSL_CERT_FILE."""
import io
import os
import sys

from minio import Minio
from minio.commonconfig import CopySource, ComposeSource
from minio.error import S3Error
from minio.sse import SseCustomerKey, SseKMS, SseS3
from minio.sseconfig import Rule, SSEConfig

endpoint, access, secret, kms_key = sys.argv[1:5]
mc = Minio(endpoint, access_key=access, secret_key=secret, secure=True)
bucket = "minio-py-sse"
mc.make_bucket(bucket)

ssec = SseCustomerKey(os.urandom(32))
modes = {"sse-c": (ssec, ssec), "sse-s3": (SseS3(), None), "sse-kms": (SseKMS(kms_key, {"app": "x"}), None)}
for name, (put_sse, read_sse) in modes.items():
    for size in (0, 1000, 6 << 20):
        data = os.urandom(size)
        key = f"{name}/{size}"
        # 6 MiB in 5 MiB parts is a multipart upload.
        mc.put_object(bucket, key, io.BytesIO(data), size, sse=put_sse, part_size=5 << 20)
        st = mc.stat_object(bucket, key, ssec=read_sse)
        assert st.size == size, (key, st.size)
        r = mc.get_object(bucket, key, ssec=read_sse)
        assert r.read() == data, key
        r.close()
        if size:
            r = mc.get_object(bucket, key, offset=size // 2, length=100, ssec=read_sse)
            assert r.read() == data[size // 2:size // 2 + 100], key
            r.close()
    if name != "sse-c":
        hdr = mc.stat_object(bucket, f"{name}/1000").metadata.get("x-amz-server-side-encryption")
        assert hdr == ("AES256" if name == "sse-s3" else "aws:kms"), hdr

big = f"sse-c/{6 << 20}"
src = CopySource(bucket, big, ssec=ssec)
mc.copy_object(bucket, "copy-kms", src, sse=SseKMS(kms_key, {}))
assert mc.stat_object(bucket, "copy-kms").size == 6 << 20
mc.compose_object(bucket, "composed", [ComposeSource(bucket, big, ssec=ssec), ComposeSource(bucket, "sse-s3/1000")], sse=SseS3())
assert mc.stat_object(bucket, "composed").size == (6 << 20) + 1000

try:
    mc.stat_object(bucket, big, ssec=SseCustomerKey(os.urandom(32)))
    raise AssertionError("a wrong SSE-C key was accepted")
except S3Error as e:
    assert e.response.status == 403, e.response.status

mc.set_bucket_encryption(bucket, SSEConfig(Rule.new_sse_kms_rule(kms_key)))
cfg = mc.get_bucket_encryption(bucket)
assert cfg.rule.sse_algorithm == "aws:kms" and cfg.rule.kms_master_key_id == kms_key
mc.put_object(bucket, "by-default", io.BytesIO(b"abc"), 3)
assert mc.stat_object(bucket, "by-default").metadata.get("x-amz-server-side-encryption") == "aws:kms"
mc.delete_bucket_encryption(bucket)
assert mc.get_bucket_encryption(bucket) is None
print("OK")

"""The spec's notification calls through the real minio-py client:
set/get/delete_bucket_notification with a webhook target the server was
started with (arn:minio:sqs::py:webhook), the refusal of an unknown ARN,
and listen_bucket_notification while objects are written. The test that
runs this checks what the webhook received.
Arguments: endpoint (host:port) access secret."""
import io
import sys
import threading
import time

from minio import Minio
from minio.error import S3Error
from minio.notificationconfig import NotificationConfig, PrefixFilterRule, QueueConfig

endpoint, access, secret = sys.argv[1:4]
mc = Minio(endpoint, access_key=access, secret_key=secret, secure=False)
bucket = "minio-py-notify"
mc.make_bucket(bucket)

arn = "arn:minio:sqs::py:webhook"
config = NotificationConfig(queue_config_list=[QueueConfig(
    arn, ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], config_id="py-1",
    prefix_filter_rule=PrefixFilterRule("py/"))])
mc.set_bucket_notification(bucket, config)
got = mc.get_bucket_notification(bucket)
q = got.queue_config_list
assert len(q) == 1 and q[0].queue == arn and q[0].config_id == "py-1", q
assert sorted(q[0].events) == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], q[0].events
assert q[0].prefix_filter_rule.value == "py/", q[0].prefix_filter_rule

try:
    mc.set_bucket_notification(bucket, NotificationConfig(queue_config_list=[
        QueueConfig("arn:minio:sqs::nosuch:webhook", ["s3:ObjectCreated:*"])]))
    raise AssertionError("an unknown ARN was accepted")
except S3Error as e:
    assert e.code == "InvalidArgument", e

heard = []


def listen():
    with mc.listen_bucket_notification(bucket, prefix="py/", events=["s3:ObjectCreated:*"]) as events:
        for event in events:
            for rec in event["Records"]:
                heard.append((rec["eventName"], rec["s3"]["object"]["key"]))
            if len(heard) >= 2:
                return


t = threading.Thread(target=listen, daemon=True)
t.start()
time.sleep(1)  # the listener is connected
for key in ("py/a", "other/b", "py/c d"):
    mc.put_object(bucket, key, io.BytesIO(b"data"), 4)
mc.remove_object(bucket, "py/a")
t.join(30)
assert heard == [("s3:ObjectCreated:Put", "py/a"), ("s3:ObjectCreated:Put", "py/c+d")], heard

mc.delete_bucket_notification(bucket)
got = mc.get_bucket_notification(bucket)
assert not got.queue_config_list, got.queue_config_list
mc.put_object(bucket, "py/after", io.BytesIO(b"data"), 4)
print("ok")

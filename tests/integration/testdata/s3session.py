"""What the boto3 test scripts share: a client for the kura under test,
from the command line (endpoint, access key, secret key), and an error-code
helper."""
import sys

import boto3
from botocore.client import Config
from botocore.exceptions import ClientError


def client():
    endpoint, access, secret = sys.argv[1:4]
    return endpoint, boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access,
        aws_secret_access_key=secret, region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def code(fn, *args, **kwargs):
    """Calls fn and returns the S3 error code it raised, or None."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None

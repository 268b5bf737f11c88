"""Put, get and delete a bucket website configuration through boto3,
with routing rules, and the errors AWS gives. Prints OK when every
check holds."""
import sys

import boto3
from botocore.client import Config
from botocore.exceptions import ClientError

endpoint, access, secret = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access,
                  aws_secret_access_key=secret, region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}))


def error_code(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "ok"


s3.create_bucket(Bucket="site")
assert error_code(s3.get_bucket_website, Bucket="site") == "NoSuchWebsiteConfiguration"
config = {
    "IndexDocument": {"Suffix": "index.html"},
    "ErrorDocument": {"Key": "404.html"},
    "RoutingRules": [
        {"Condition": {"KeyPrefixEquals": "docs/"},
         "Redirect": {"ReplaceKeyPrefixWith": "documents/", "HttpRedirectCode": "302"}},
        {"Condition": {"HttpErrorCodeReturnedEquals": "404"},
         "Redirect": {"HostName": "example.com", "Protocol": "https"}},
    ],
}
s3.put_bucket_website(Bucket="site", WebsiteConfiguration=config)
got = s3.get_bucket_website(Bucket="site")
for name in ("IndexDocument", "ErrorDocument", "RoutingRules"):
    assert got[name] == config[name], (name, got[name])
assert "RedirectAllRequestsTo" not in got, got

many = dict(config, RoutingRules=[{"Redirect": {"HostName": "example.com"}}] * 51)
assert error_code(s3.put_bucket_website, Bucket="site", WebsiteConfiguration=many) == "InvalidRequest"
both = {"Redirect": {"ReplaceKeyWith": "a", "ReplaceKeyPrefixWith": "b/"}}
assert error_code(s3.put_bucket_website, Bucket="site",
                  WebsiteConfiguration=dict(config, RoutingRules=[both])) == "InvalidRequest"
assert error_code(s3.put_bucket_website, Bucket="site", WebsiteConfiguration={}) == "InvalidArgument"
assert s3.get_bucket_website(Bucket="site")["RoutingRules"] == config["RoutingRules"]

s3.put_bucket_website(Bucket="site", WebsiteConfiguration={
    "RedirectAllRequestsTo": {"HostName": "example.org", "Protocol": "https"}})
got = s3.get_bucket_website(Bucket="site")
assert got["RedirectAllRequestsTo"] == {"HostName": "example.org", "Protocol": "https"}, got

s3.delete_bucket_website(Bucket="site")
assert error_code(s3.get_bucket_website, Bucket="site") == "NoSuchWebsiteConfiguration"
assert error_code(s3.get_bucket_website, Bucket="nothing") == "NoSuchBucket"
print("OK")

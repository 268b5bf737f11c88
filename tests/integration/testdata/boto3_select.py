"""S3 Select through boto3: select_object_content and its event stream."""
import gzip
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, access_key, secret_key = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access_key,
                  aws_secret_access_key=secret_key, region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="sel")
people = b"id,name,age\n1,Ann,34\n2,Bob,27\n3,Cy,41\n"
s3.put_object(Bucket="sel", Key="people.csv", Body=people)
s3.put_object(Bucket="sel", Key="people.csv.gz", Body=gzip.compress(people))
s3.put_object(Bucket="sel", Key="people.jsonl", Body=b'{"id":1,"name":"Ann"}\n{"id":2,"name":"Bob"}\n')
bad = b"n\n" + b"".join(b"%d\n" % i for i in range(1, 100000)) + b"x\n"
s3.put_object(Bucket="sel", Key="bad.csv", Body=bad)

CSV_USE = {"CSV": {"FileHeaderInfo": "USE"}}


def select(key, expr, inp, out=None, **kw):
    resp = s3.select_object_content(Bucket="sel", Key=key, Expression=expr, ExpressionType="SQL",
                                    InputSerialization=inp, OutputSerialization=out or {"CSV": {}}, **kw)
    records, events = b"", []
    for ev in resp["Payload"]:
        events.append(next(iter(ev)))
        if "Records" in ev:
            records += ev["Records"]["Payload"]
        if "Stats" in ev:
            stats = ev["Stats"]["Details"]
    assert events[-1] == "End", events
    return records, events, stats


recs, _, stats = select("people.csv", "SELECT s.name FROM S3Object s WHERE CAST(s.age AS INT) > 30", CSV_USE)
assert recs == b"Ann\nCy\n", recs
assert stats["BytesScanned"] == len(people) and stats["BytesReturned"] == len(recs), stats

recs, _, _ = select("people.jsonl", "SELECT s.name FROM S3Object s WHERE s.id = 2",
                    {"JSON": {"Type": "LINES"}}, {"JSON": {}})
assert recs == b'{"name":"Bob"}\n', recs

recs, events, stats = select("people.csv.gz", "SELECT COUNT(*) FROM S3Object",
                             dict(CSV_USE, CompressionType="GZIP"), RequestProgress={"Enabled": True})
assert recs == b"3\n", recs
assert "Progress" in events, events
assert stats["BytesProcessed"] == len(people), stats

start = people.index(b"2,Bob")
recs, _, _ = select("people.csv", "SELECT name FROM S3Object", CSV_USE, ScanRange={"Start": start, "End": start})
assert recs == b"Bob\n", recs

try:
    select("people.csv", "SELECT * FROM S3Object WHERE", CSV_USE)
    raise SystemExit("bad SQL was accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ParseExpectedExpression", e.response

resp = s3.select_object_content(Bucket="sel", Key="bad.csv", Expression="SELECT CAST(n AS INT) FROM S3Object",
                                ExpressionType="SQL", InputSerialization=CSV_USE, OutputSerialization={"CSV": {}})
got = b""
try:
    for ev in resp["Payload"]:
        if "Records" in ev:
            got += ev["Records"]["Payload"]
    raise SystemExit("the CAST failure was not reported")
except Exception as e:  # botocore raises EventStreamError
    assert "CastFailed" in str(e), e
assert got.startswith(b"1\n2\n"), got[:20]
print("OK")

package xmldoc_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/kurastore/kura/s3err/s3errtest"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/cors"
	"github.com/kurastore/kura/wire/lifecycle"
	"github.com/kurastore/kura/wire/notification"
	"github.com/kurastore/kura/wire/objectlock"
	"github.com/kurastore/kura/wire/policy"
	"github.com/kurastore/kura/wire/replication"
	"github.com/kurastore/kura/wire/s3select"
	"github.com/kurastore/kura/wire/sse"
	"github.com/kurastore/kura/wire/tagging"
	"github.com/kurastore/kura/wire/versioning"
	"github.com/kurastore/kura/wire/website"
)

// document is what the server does with a request document after
// parsing it: validate it, then store its canonical encoding.
type document interface {
	Validate() error
	Encode() ([]byte, error)
}

// taggingDoc validates a tag set by the object rules (the stricter).
type taggingDoc struct{ *tagging.Tagging }

func (t taggingDoc) Validate() error { return t.ValidateObject() }

// policyDoc validates a policy as PutBucketPolicy does, for bucket "b".
type policyDoc struct{ *policy.Policy }

func (p policyDoc) Validate() error { return p.ValidateForBucket("b") }

// parser adapts a wire package's Parse to one signature.
func parser[D any](parse func(*bytes.Reader) (D, error), wrap func(D) document) func([]byte) (document, error) {
	return func(data []byte) (document, error) {
		d, err := parse(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		return wrap(d), nil
	}
}

func same[D document](d D) document { return d }

// documents are the request documents of the wire packages, by index.
var documents = []struct {
	name  string
	parse func([]byte) (document, error)
	seed  string
}{
	{"tagging", parser(func(r *bytes.Reader) (*tagging.Tagging, error) { return tagging.Parse(r) }, func(t *tagging.Tagging) document { return taggingDoc{t} }),
		`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>`},
	{"cors", parser(func(r *bytes.Reader) (*cors.Configuration, error) { return cors.Parse(r) }, same[*cors.Configuration]),
		`<CORSConfiguration><CORSRule><ID>r</ID><AllowedOrigin>http://*.a</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>x-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>10</MaxAgeSeconds></CORSRule></CORSConfiguration>`},
	{"notification", parser(func(r *bytes.Reader) (*notification.Configuration, error) { return notification.Parse(r) }, same[*notification.Configuration]),
		`<NotificationConfiguration><QueueConfiguration><Id>q</Id><Queue>arn:minio:sqs::1:webhook</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>a/</Value></FilterRule><FilterRule><Name>suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>`},
	{"versioning", parser(func(r *bytes.Reader) (*versioning.Configuration, error) { return versioning.Parse(r) }, same[*versioning.Configuration]),
		`<VersioningConfiguration><Status>Enabled</Status><ExcludeFolders>true</ExcludeFolders><ExcludedPrefixes><Prefix>tmp/</Prefix></ExcludedPrefixes></VersioningConfiguration>`},
	{"sse", parser(func(r *bytes.Reader) (*sse.Configuration, error) { return sse.Parse(r) }, same[*sse.Configuration]),
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`},
	{"lifecycle", parser(func(r *bytes.Reader) (*lifecycle.Configuration, error) { return lifecycle.Parse(r) }, same[*lifecycle.Configuration]),
		`<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays></NoncurrentVersionExpiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`},
	{"replication", parser(func(r *bytes.Reader) (*replication.Configuration, error) { return replication.Parse(r) }, same[*replication.Configuration]),
		`<ReplicationConfiguration><Role>arn:aws:iam::123456789012:role/replication</Role><Rule><ID>x</ID><Priority>1</Priority><Status>Enabled</Status><Filter><Prefix>a</Prefix></Filter><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>arn:aws:s3:::dest</Bucket></Destination></Rule></ReplicationConfiguration>`},
	{"object lock configuration", parser(func(r *bytes.Reader) (*objectlock.Configuration, error) { return objectlock.ParseConfiguration(r) }, same[*objectlock.Configuration]),
		`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>`},
	{"retention", parser(func(r *bytes.Reader) (*objectlock.Retention, error) { return objectlock.ParseRetention(r) }, same[*objectlock.Retention]),
		`<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-02T03:04:05.123Z</RetainUntilDate></Retention>`},
	{"legal hold", parser(func(r *bytes.Reader) (*objectlock.LegalHold, error) { return objectlock.ParseLegalHold(r) }, same[*objectlock.LegalHold]),
		`<LegalHold><Status>OFF</Status></LegalHold>`},
	{"select", parser(func(r *bytes.Reader) (*s3select.Request, error) { return s3select.Parse(r) }, same[*s3select.Request]),
		`<SelectObjectContentRequest><Expression>SELECT * FROM S3Object s</Expression><ExpressionType>SQL</ExpressionType><InputSerialization><CSV><FileHeaderInfo>USE</FileHeaderInfo></CSV><CompressionType>GZIP</CompressionType></InputSerialization><OutputSerialization><JSON/></OutputSerialization><RequestProgress><Enabled>true</Enabled></RequestProgress></SelectObjectContentRequest>`},
	{"policy", parser(func(r *bytes.Reader) (*policy.Policy, error) { b, _ := io.ReadAll(r); return policy.Parse(b) }, func(p *policy.Policy) document { return policyDoc{p} }),
		`{"Version":"2012-10-17","Statement":[{"Sid":"s","Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"],"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`},
	{"website", parser(func(r *bytes.Reader) (*website.Configuration, error) { return website.Parse(r) }, same[*website.Configuration]),
		`<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>e.html</Key></ErrorDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals>docs/</KeyPrefixEquals><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><Protocol>https</Protocol><HostName>h</HostName><ReplaceKeyPrefixWith>d/</ReplaceKeyPrefixWith><HttpRedirectCode>302</HttpRedirectCode></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>`},
}

// FuzzDocuments feeds every request document of the wire packages (by
// kind; the fuzzer moves documents between kinds) what a client may send
// and checks the contract the HTTP layer relies on: Parse and Validate
// fail only with S3 errors, which the server answers as they are, and a
// document that validates encodes without error (the server stores the
// encoding) to a document that parses and validates again.
func FuzzDocuments(f *testing.F) {
	for i, d := range documents {
		f.Add(uint8(i), []byte(d.seed))
		f.Add(uint8(i), []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+d.seed+"\n<!-- end -->"))
	}
	f.Add(uint8(0), []byte(`<Tagging><TagSet><Tag><Key>&lt;&#x1F600;&gt;</Key></Tag></TagSet></Tagging>`))
	f.Add(uint8(1), []byte(`<!DOCTYPE x [<!ENTITY e "e">]><CORSConfiguration>&e;</CORSConfiguration>`))
	f.Add(uint8(3), []byte(`<VersioningConfiguration xmlns="urn:other"><Status>Enabled</Status></VersioningConfiguration><VersioningConfiguration/>`))
	f.Add(uint8(8), []byte(`<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>10000-01-01T00:00:00Z</RetainUntilDate></Retention>`))
	f.Add(uint8(11), []byte(`{"Statement":{"Effect":"Deny","NotPrincipal":"*","NotAction":"*","NotResource":"arn:aws:s3:::b"}}`))
	f.Add(uint8(11), []byte(`[]`))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		defer s3errtest.Watchdog()()
		d := documents[int(kind)%len(documents)]
		doc, err := d.parse(data)
		requireS3(t, d.name+" Parse", err)
		if err != nil {
			return
		}
		err = doc.Validate()
		requireS3(t, d.name+" Validate", err)
		if err != nil {
			return
		}
		enc, err := doc.Encode()
		if err != nil {
			t.Fatalf("%s: Encode of a valid document: %v", d.name, err)
		}
		again, err := d.parse(enc)
		if err != nil {
			t.Fatalf("%s: the encoding of a valid document does not parse: %v\n%s", d.name, err, enc)
		}
		if err := again.Validate(); err != nil {
			t.Fatalf("%s: the encoding of a valid document is not valid: %v\n%s", d.name, err, enc)
		}
	})
}

func requireS3(t *testing.T, what string, err error) {
	t.Helper()
	var e *s3err.Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("%s: error %v (%T) is not an *s3err.Error", what, err, err)
	}
}

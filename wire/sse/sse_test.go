package sse

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

const ns = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

func TestParseValidate(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want *Configuration
		err  error
	}{
		{"aes256", `<ServerSideEncryptionConfiguration ` + ns + `><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
			NewAES256(), nil},
		{"kms with key and bucket key", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:us-east-1:1:key/k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
			&Configuration{Rules: []Rule{{Default: &Default{Algorithm: KMS, KMSMasterKeyID: "arn:aws:kms:us-east-1:1:key/k"}, BucketKeyEnabled: true}}}, nil},
		{"kms default key", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
			NewKMS(""), nil},
		{"no rule", `<ServerSideEncryptionConfiguration/>`, nil, s3err.ErrMalformedXML},
		{"two rules", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`, nil, s3err.ErrInvalidRequest},
		{"rule without default", `<ServerSideEncryptionConfiguration><Rule><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`, nil, s3err.ErrMalformedXML},
		{"unknown algorithm", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>DES</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`, nil, s3err.ErrMalformedXML},
		{"key with aes256", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`, nil, s3err.ErrInvalidArgument},
		{"key with a space", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>a b</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`, nil, s3err.ErrInvalidArgument},
		{"bad bool", `<ServerSideEncryptionConfiguration><Rule><BucketKeyEnabled>yes</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`, nil, s3err.ErrMalformedXML},
		{"wrong root", `<EncryptionConfiguration/>`, nil, s3err.ErrMalformedXML},
		{"truncated", `<ServerSideEncryptionConfiguration><Rule>`, nil, s3err.ErrMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.doc))
			if err == nil {
				err = c.Validate()
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, tt.want) {
				t.Fatalf("Parse = %+v, want %+v", c, tt.want)
			}
			enc, err := c.Encode()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(strings.NewReader(string(enc)))
			if err != nil || !reflect.DeepEqual(back, c) {
				t.Fatalf("round trip of %s: %+v, %v", enc, back, err)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	got, err := NewKMS("k1").Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `<ServerSideEncryptionConfiguration ` + ns + `><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k1</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`
	if string(got) != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", got, want)
	}
}

func TestLimits(t *testing.T) {
	for _, tt := range []struct {
		n  int
		ok bool
	}{{MaxKeyIDLength, true}, {MaxKeyIDLength + 1, false}} {
		err := NewKMS(strings.Repeat("k", tt.n)).Validate()
		if (err == nil) != tt.ok {
			t.Errorf("key ID of %d bytes: %v", tt.n, err)
		}
	}
	doc := `<ServerSideEncryptionConfiguration/>`
	padded := func(size int) string { return doc + strings.Repeat(" ", size-len(doc)) }
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize))); err != nil {
		t.Fatalf("document of MaxDocumentSize: %v", err)
	}
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize + 1))); !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
		t.Fatalf("document of MaxDocumentSize+1: %v", err)
	}
}

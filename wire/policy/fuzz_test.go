package policy

import (
	"bytes"
	"os"
	"testing"
)

// FuzzParse checks that Parse never panics and that a policy valid for
// bucket "b" encodes stably: Encode, Parse and Encode again give the same
// bytes, still valid.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"public-read.json", "conditions.json"} {
		if data, err := os.ReadFile("testdata/" + name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`))
	f.Add([]byte(`{"Version":"2008-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["x"]},"NotAction":["*"],"NotResource":"arn:aws:s3:::b","Condition":{"NumericEquals":{"s3:max-keys":[1,2.5e3]}}}]}`))
	f.Add([]byte(`{"Statement":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		if p.ValidateForBucket("b") != nil {
			return
		}
		doc, err := p.Encode()
		if err != nil {
			t.Fatalf("Encode of a valid policy: %v", err)
		}
		again, err := Parse(doc)
		if err != nil {
			t.Fatalf("Parse(Encode()) = %v for %s", err, doc)
		}
		if err := again.ValidateForBucket("b"); err != nil {
			t.Fatalf("round trip made a valid policy invalid: %v\n%s", err, doc)
		}
		doc2, err := again.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(doc, doc2) {
			t.Fatalf("Encode not stable:\n%s\n%s", doc, doc2)
		}
	})
}

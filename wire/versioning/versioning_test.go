package versioning

import (
	"errors"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

func TestParseValidateEncode(t *testing.T) {
	cases := []struct {
		doc  string
		want error
	}{
		{`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`, nil},
		{`<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`, nil},
		{`<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>`, s3err.ErrMalformedXML},
		{`<VersioningConfiguration></VersioningConfiguration>`, s3err.ErrMalformedXML},
		{`<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`, s3err.ErrNotImplemented},
		{`<VersioningConfiguration><Status>Enabled</Status><ExcludeFolders>true</ExcludeFolders><ExcludedPrefixes><Prefix>tmp/</Prefix></ExcludedPrefixes></VersioningConfiguration>`, nil},
		{`<VersioningConfiguration><Status>Suspended</Status><ExcludeFolders>true</ExcludeFolders></VersioningConfiguration>`, s3err.ErrInvalidArgument},
		{`<Other><Status>Enabled</Status></Other>`, s3err.ErrMalformedXML},
		{`<VersioningConfiguration><Status>Enabled`, s3err.ErrMalformedXML},
	}
	for _, c := range cases {
		cfg, err := Parse(strings.NewReader(c.doc))
		if err == nil {
			err = cfg.Validate()
		}
		if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("%s: %v, want %v", c.doc, err, c.want)
			continue
		}
		if err != nil {
			continue
		}
		enc, err := cfg.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(strings.NewReader(string(enc)))
		if err != nil || back.Status != cfg.Status || len(back.ExcludedPrefixes) != len(cfg.ExcludedPrefixes) || back.ExcludeFolders != cfg.ExcludeFolders {
			t.Errorf("round trip of %s: %s, %v", c.doc, enc, err)
		}
	}
}

func TestExcludedPrefixLimit(t *testing.T) {
	for n, ok := range map[int]bool{MaxExcludedPrefixes: true, MaxExcludedPrefixes + 1: false} {
		cfg := Configuration{Status: Enabled}
		for i := range n {
			cfg.ExcludedPrefixes = append(cfg.ExcludedPrefixes, strings.Repeat("p", i+1))
		}
		if err := cfg.Validate(); (err == nil) != ok {
			t.Errorf("%d prefixes: %v", n, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
	f.Add(`<VersioningConfiguration><ExcludedPrefixes><Prefix>a</Prefix></ExcludedPrefixes></VersioningConfiguration>`)
	f.Fuzz(func(t *testing.T, doc string) {
		cfg, err := Parse(strings.NewReader(doc))
		if err != nil {
			return
		}
		_ = cfg.Validate()
		if _, err := cfg.Encode(); err != nil {
			t.Fatal(err)
		}
	})
}

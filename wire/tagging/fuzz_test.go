package tagging

import (
	"bytes"
	"testing"
)

// FuzzParse checks that Parse never panics and that every valid document
// survives Encode and Parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>`))
	f.Add([]byte(`<Tagging><TagSet><Tag><Key>ключ</Key><Value>値 +-=._:/@</Value></Tag><Tag><Key>b</Key></Tag></TagSet></Tagging>`))
	f.Add([]byte(`<Tagging><TagSet/></Tagging>`))
	f.Add([]byte(`<Tagging></Tagging>`))
	f.Add([]byte(`<?xml version="1.0"?><!-- c --><Tagging><TagSet><Tag><Key>a&amp;</Key></Tag></TagSet></Tagging>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tg, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		if tg.ValidateBucket() != nil {
			return
		}
		doc, err := tg.Encode()
		if err != nil {
			t.Fatalf("Encode of a valid set: %v", err)
		}
		again, err := Parse(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("Parse(Encode()) = %v for %s", err, doc)
		}
		if !equalMaps(tg.Map(), again.Map()) {
			t.Fatalf("round trip changed %q into %q", tg.TagSet, again.TagSet)
		}
		if err := again.ValidateBucket(); err != nil {
			t.Fatalf("round trip made a valid set invalid: %v", err)
		}
	})
}

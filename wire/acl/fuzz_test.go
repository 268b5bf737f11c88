package acl

import (
	"reflect"
	"testing"
)

// FuzzParsePolicy checks that ParsePolicy never panics and that every
// document it accepts survives MarshalPolicy and ParsePolicy, and the
// storage encoding, unchanged.
func FuzzParsePolicy(f *testing.F) {
	f.Add(policyDoc(2))
	f.Add([]byte(`<AccessControlPolicy><AccessControlList><Grant><Grantee><URI>` + AllUsers + `</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`))
	f.Add([]byte(`<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail"><EmailAddress>a@b</EmailAddress></Grantee><Permission>WRITE</Permission></Grant></AccessControlList></AccessControlPolicy>`))
	f.Add([]byte(`<AccessControlPolicy/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParsePolicy(data)
		if err != nil {
			return
		}
		doc, err := a.MarshalPolicy(func(string) string { return "n" })
		if err != nil {
			t.Fatalf("MarshalPolicy of a valid ACL: %v", err)
		}
		back, err := ParsePolicy(doc)
		if err != nil || !reflect.DeepEqual(back, a) {
			t.Fatalf("round trip of %q: %+v %v, want %+v", doc, back, err, a)
		}
		dec, err := Decode(a.Encode())
		if err != nil || !reflect.DeepEqual(dec, a) {
			t.Fatalf("storage round trip: %+v %v", dec, err)
		}
	})
}

// FuzzGrantHeader checks that ParseGrantHeader never panics and that
// what it accepts is a valid ACL.
func FuzzGrantHeader(f *testing.F) {
	f.Add(`id="abc", uri="` + AllUsers + `"`)
	f.Add(`emailAddress=a@b.c`)
	f.Add(`,,=`)
	f.Fuzz(func(t *testing.T, v string) {
		gs, err := ParseGrantHeader(v, Read)
		if err != nil {
			return
		}
		if err := (ACL{Grants: gs}).Validate(); err != nil {
			t.Fatalf("%q parsed to an invalid ACL: %v", v, err)
		}
	})
}

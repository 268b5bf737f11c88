package acl

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

const (
	owner  = "0000000000000000000000000000000000000000000000000000000000000001"
	bowner = "0000000000000000000000000000000000000000000000000000000000000002"
	other  = "0000000000000000000000000000000000000000000000000000000000000003"
)

func ownerFull(id string) Grant { return Grant{Grantee: User(id), Permission: FullControl} }

func TestCanned(t *testing.T) {
	for _, c := range []struct {
		name   string
		owner  string
		grants []Grant
	}{
		{CannedPrivate, owner, []Grant{ownerFull(owner)}},
		{CannedAWSExecRead, owner, []Grant{ownerFull(owner)}},
		{CannedPublicRead, owner, []Grant{ownerFull(owner), {Group(AllUsers), Read}}},
		{CannedPublicReadWrite, owner, []Grant{ownerFull(owner), {Group(AllUsers), Read}, {Group(AllUsers), Write}}},
		{CannedAuthenticatedRead, owner, []Grant{ownerFull(owner), {Group(AuthenticatedUsers), Read}}},
		{CannedBucketOwnerRead, owner, []Grant{ownerFull(owner), {User(bowner), Read}}},
		{CannedBucketOwnerRead, bowner, []Grant{ownerFull(bowner)}},
		{CannedBucketOwnerFullControl, owner, []Grant{ownerFull(owner), ownerFull(bowner)}},
		{CannedBucketOwnerFullControl, bowner, []Grant{ownerFull(bowner)}},
		{CannedLogDeliveryWrite, owner, []Grant{ownerFull(owner), {Group(LogDelivery), Write}, {Group(LogDelivery), ReadACP}}},
	} {
		a, err := Canned(c.name, c.owner, bowner)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if a.Owner != c.owner || !reflect.DeepEqual(a.Grants, c.grants) {
			t.Errorf("%s owned by %s: %+v", c.name, c.owner[63:], a)
		}
	}
	if _, err := Canned("public", owner, owner); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Errorf("unknown canned ACL: %v", err)
	}
}

func headerGetter(h map[string]string) func(string) string {
	hh := http.Header{}
	for k, v := range h {
		hh.Set(k, v)
	}
	return hh.Get
}

func TestFromHeaders(t *testing.T) {
	for _, c := range []struct {
		name    string
		headers map[string]string
		set     bool
		grants  []Grant
		err     *s3err.Error
	}{
		{"none", nil, false, nil, nil},
		{"canned", map[string]string{"x-amz-acl": "public-read"}, true, []Grant{ownerFull(owner), {Group(AllUsers), Read}}, nil},
		{"bad canned", map[string]string{"x-amz-acl": "nope"}, false, nil, s3err.ErrInvalidArgument},
		{"grants", map[string]string{
			"x-amz-grant-read":         `uri="` + AllUsers + `", id="` + other + `"`,
			"x-amz-grant-write-acp":    `emailAddress="a@example.com"`,
			"x-amz-grant-full-control": "id=" + owner,
		}, true, []Grant{
			{Group(AllUsers), Read}, {User(other), Read},
			{Grantee{Type: TypeEmail, Email: "a@example.com"}, WriteACP},
			ownerFull(owner),
		}, nil},
		{"both", map[string]string{"x-amz-acl": "private", "x-amz-grant-read": "id=" + other}, false, nil, s3err.ErrCannedACLWithGrants},
		{"unknown group", map[string]string{"x-amz-grant-read": `uri="http://example.com/group"`}, false, nil, s3err.ErrInvalidArgument},
		{"unknown type", map[string]string{"x-amz-grant-read": `user="x"`}, false, nil, s3err.ErrInvalidArgument},
		{"no value", map[string]string{"x-amz-grant-read": `id=""`}, false, nil, s3err.ErrInvalidArgument},
		{"no equals", map[string]string{"x-amz-grant-read": `id`}, false, nil, s3err.ErrInvalidArgument},
	} {
		a, set, err := FromHeaders(headerGetter(c.headers), owner, bowner)
		if c.err != nil {
			if s3err.From(err).Code != c.err.Code {
				t.Errorf("%s: got %v, want %s", c.name, err, c.err.Code)
			}
			continue
		}
		if err != nil || set != c.set || !reflect.DeepEqual(a.Grants, c.grants) {
			t.Errorf("%s: %+v %v %v", c.name, a, set, err)
		}
	}
}

// grantList is n distinct id= grantees.
func grantList(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("id=%064x", i)
	}
	return strings.Join(ids, ",")
}

func TestGrantLimits(t *testing.T) {
	if _, _, err := FromHeaders(headerGetter(map[string]string{"x-amz-grant-read": grantList(MaxGrants)}), owner, owner); err != nil {
		t.Errorf("%d grants in one header: %v", MaxGrants, err)
	}
	if _, _, err := FromHeaders(headerGetter(map[string]string{"x-amz-grant-read": grantList(MaxGrants + 1)}), owner, owner); !errors.Is(err, s3err.ErrMalformedACL) {
		t.Errorf("%d grants in one header: %v", MaxGrants+1, err)
	}
	// The limit is on the ACL, across headers.
	split := map[string]string{"x-amz-grant-read": grantList(50), "x-amz-grant-write": grantList(MaxGrants - 50)}
	if _, _, err := FromHeaders(headerGetter(split), owner, owner); err != nil {
		t.Errorf("%d grants over two headers: %v", MaxGrants, err)
	}
	split["x-amz-grant-write"] = grantList(MaxGrants - 49)
	if _, _, err := FromHeaders(headerGetter(split), owner, owner); !errors.Is(err, s3err.ErrMalformedACL) {
		t.Errorf("%d grants over two headers: %v", MaxGrants+1, err)
	}
	for n, want := range map[int]error{MaxGrants: nil, MaxGrants + 1: s3err.ErrMalformedACL} {
		if _, err := ParsePolicy(policyDoc(n)); !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("document of %d grants: %v", n, err)
		}
	}
}

func policyDoc(n int) []byte {
	var b strings.Builder
	b.WriteString(`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>` + owner + `</ID></Owner><AccessControlList>`)
	for i := range n {
		fmt.Fprintf(&b, `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>%064x</ID></Grantee><Permission>READ</Permission></Grant>`, i)
	}
	b.WriteString(`</AccessControlList></AccessControlPolicy>`)
	return []byte(b.String())
}

func TestParsePolicy(t *testing.T) {
	const head = `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>` + owner + `</ID><DisplayName>kura</DisplayName></Owner><AccessControlList>`
	const tail = `</AccessControlList></AccessControlPolicy>`
	grant := func(grantee, perm string) string {
		return `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` + grantee + `</Grantee><Permission>` + perm + `</Permission></Grant>`
	}
	for _, c := range []struct {
		name   string
		doc    string
		grants []Grant
		err    *s3err.Error
	}{
		{"user", head + grant(`xsi:type="CanonicalUser"><ID>`+owner+`</ID><DisplayName>x</DisplayName>`, "FULL_CONTROL") + tail, []Grant{ownerFull(owner)}, nil},
		{"group", head + grant(`xsi:type="Group"><URI>`+AllUsers+`</URI>`, "READ") + tail, []Grant{{Group(AllUsers), Read}}, nil},
		{"email", head + grant(`xsi:type="AmazonCustomerByEmail"><EmailAddress>a@example.com</EmailAddress>`, "WRITE_ACP") + tail, []Grant{{Grantee{Type: TypeEmail, Email: "a@example.com"}, WriteACP}}, nil},
		{"untyped", head + grant(`><ID>`+other+`</ID>`, "READ_ACP") + tail, []Grant{{User(other), ReadACP}}, nil},
		{"empty list", head + tail, nil, nil},
		{"bad permission", head + grant(`xsi:type="CanonicalUser"><ID>`+owner+`</ID>`, "ALL") + tail, nil, s3err.ErrMalformedACL},
		{"bad type", head + grant(`xsi:type="Robot"><ID>`+owner+`</ID>`, "READ") + tail, nil, s3err.ErrMalformedACL},
		{"type without its element", head + grant(`xsi:type="Group"><ID>`+owner+`</ID>`, "READ") + tail, nil, s3err.ErrMalformedACL},
		{"unknown group", head + grant(`xsi:type="Group"><URI>http://example.com/g</URI>`, "READ") + tail, nil, s3err.ErrMalformedACL},
		{"no grantee", head + `<Grant><Permission>READ</Permission></Grant>` + tail, nil, s3err.ErrMalformedACL},
		{"not XML", "<AccessControlPolicy>", nil, s3err.ErrMalformedACL},
		{"other document", "<Tagging/>", nil, s3err.ErrMalformedACL},
	} {
		a, err := ParsePolicy([]byte(c.doc))
		if c.err != nil {
			if s3err.From(err).Code != c.err.Code {
				t.Errorf("%s: got %v, want %s", c.name, err, c.err.Code)
			}
			continue
		}
		if err != nil || a.Owner != owner || !reflect.DeepEqual(a.Grants, c.grants) {
			t.Errorf("%s: %+v %v", c.name, a, err)
		}
	}
}

func TestMarshalPolicyRoundTrip(t *testing.T) {
	a := ACL{Owner: owner, Grants: []Grant{ownerFull(owner), {Group(AllUsers), Read}, {User(other), WriteACP}}}
	doc, err := a.MarshalPolicy(func(id string) string {
		if id == owner {
			return "kura"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<DisplayName>kura</DisplayName>`, `xsi:type="Group"`, `<URI>` + AllUsers + `</URI>`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("document lacks %s: %s", want, doc)
		}
	}
	back, err := ParsePolicy(doc)
	if err != nil || !reflect.DeepEqual(back, a) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	dec, err := Decode(a.Encode())
	if err != nil || !reflect.DeepEqual(dec, a) {
		t.Fatalf("storage round trip: %+v %v", dec, err)
	}
	if _, err := Decode([]byte(`{"o":"x","a":[{"g":{"t":"Group","u":"http://x"},"p":"READ"}]}`)); err == nil {
		t.Fatal("Decode accepted an unknown group")
	}
}

func TestAllows(t *testing.T) {
	a := ACL{Owner: owner, Grants: []Grant{
		ownerFull(owner),
		{User(other), Read},
		{Group(AuthenticatedUsers), ReadACP},
		{Group(AllUsers), WriteACP},
		{Group(LogDelivery), Write},
	}}
	anon, user, stranger, logs := Caller{}, Caller{ID: other}, Caller{ID: bowner}, Caller{LogDelivery: true}
	for _, c := range []struct {
		name         string
		caller       Caller
		perm         string
		ignorePublic bool
		want         bool
	}{
		{"owner's full control", Caller{ID: owner}, Write, false, true},
		{"user's read", user, Read, false, true},
		{"user lacks write", user, Write, false, false},
		{"authenticated users", stranger, ReadACP, false, true},
		{"anonymous is not authenticated", anon, ReadACP, false, false},
		{"all users include anonymous", anon, WriteACP, false, true},
		{"ignored public grant", anon, WriteACP, true, false},
		{"ignored authenticated grant", stranger, ReadACP, true, false},
		{"ignore leaves user grants", user, Read, true, true},
		{"log delivery", logs, Write, true, true},
		{"log delivery only to the deliverer", stranger, Write, false, false},
	} {
		if got := a.Allows(c.caller, c.perm, c.ignorePublic); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
	if !a.IsPublic() || Private(owner).IsPublic() {
		t.Error("IsPublic")
	}
	if (ACL{Grants: []Grant{{Group(LogDelivery), Write}}}).IsPublic() {
		t.Error("a grant to the log deliverer is public")
	}
}

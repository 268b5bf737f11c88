package acl

import (
	"strings"

	"github.com/kurastore/kura/s3err"
)

// GrantHeaders maps each x-amz-grant-* header to the permission it grants.
var GrantHeaders = []struct{ Header, Permission string }{
	{"x-amz-grant-read", Read},
	{"x-amz-grant-write", Write},
	{"x-amz-grant-read-acp", ReadACP},
	{"x-amz-grant-write-acp", WriteACP},
	{"x-amz-grant-full-control", FullControl},
}

// FromHeaders reads the ACL a request's x-amz-acl or x-amz-grant-*
// headers ask for (get returns a header's value), for a resource of
// owner in a bucket of bucketOwner. set is false when the request names
// none. Both kinds at once are refused, as on AWS. Grants by email
// address are left for the caller to resolve.
func FromHeaders(get func(string) string, owner, bucketOwner string) (a ACL, set bool, err error) {
	canned := get("x-amz-acl")
	var grants []Grant
	for _, h := range GrantHeaders {
		v := get(h.Header)
		if v == "" {
			continue
		}
		gs, err := ParseGrantHeader(v, h.Permission)
		if err != nil {
			return ACL{}, false, err
		}
		grants = append(grants, gs...)
	}
	switch {
	case canned != "" && grants != nil:
		return ACL{}, false, s3err.ErrCannedACLWithGrants
	case canned != "":
		a, err = Canned(canned, owner, bucketOwner)
		return a, err == nil, err
	case grants != nil:
		a = ACL{Owner: owner, Grants: grants}
		return a, true, a.Validate()
	}
	return ACL{}, false, nil
}

// ParseGrantHeader reads one x-amz-grant-* header: a comma-separated
// list of id="...", emailAddress="..." or uri="..." grantees, each
// granted perm.
func ParseGrantHeader(v, perm string) ([]Grant, error) {
	var out []Grant
	for item := range strings.SplitSeq(v, ",") {
		kind, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		val = unquote(strings.TrimSpace(val))
		if !ok || val == "" {
			return nil, s3err.ErrInvalidArgument.WithMessage("Invalid grant %q: a grant is id=, emailAddress= or uri= and a value.", strings.TrimSpace(item))
		}
		var g Grantee
		switch strings.ToLower(strings.TrimSpace(kind)) {
		case "id":
			g = User(val)
		case "emailaddress":
			g = Grantee{Type: TypeEmail, Email: val}
		case "uri":
			g = Group(val)
		default:
			return nil, s3err.ErrInvalidArgument.WithMessage("Invalid grantee type %q.", kind)
		}
		if err := g.validate(); err != nil {
			return nil, err
		}
		out = append(out, Grant{Grantee: g, Permission: perm})
		if len(out) > MaxGrants {
			return nil, s3err.ErrMalformedACL.WithMessage("An ACL can have at most %d grants.", MaxGrants)
		}
	}
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

package acl

import (
	"encoding/json"
	"slices"

	"github.com/kurastore/kura/s3err"
)

// Permissions.
const (
	Read        = "READ"
	Write       = "WRITE"
	ReadACP     = "READ_ACP"
	WriteACP    = "WRITE_ACP"
	FullControl = "FULL_CONTROL"
)

// Grantee types, as the xsi:type attribute names them.
const (
	TypeCanonicalUser = "CanonicalUser"
	TypeEmail         = "AmazonCustomerByEmail"
	TypeGroup         = "Group"
)

// The predefined groups.
const (
	AllUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	AuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	LogDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// MaxGrants is the most grants an ACL may have, as on AWS.
const MaxGrants = 100

// Grantee is who a grant is to: a user by canonical ID or email address,
// or a group by URI. Exactly one of them is set, as Type says.
type Grantee struct {
	Type  string `json:"t"`
	ID    string `json:"id,omitempty"`
	Email string `json:"e,omitempty"`
	URI   string `json:"u,omitempty"`
}

// Grant is one permission to one grantee.
type Grant struct {
	Grantee    Grantee `json:"g"`
	Permission string  `json:"p"`
}

// ACL is a resource's owner (canonical ID) and grants.
type ACL struct {
	Owner  string  `json:"o"`
	Grants []Grant `json:"a,omitempty"`
}

// User is the grantee of a canonical user ID.
func User(id string) Grantee { return Grantee{Type: TypeCanonicalUser, ID: id} }

// Group is the grantee of a group URI.
func Group(uri string) Grantee { return Grantee{Type: TypeGroup, URI: uri} }

// Private is the ACL of a resource whose owner alone has access.
func Private(owner string) ACL {
	return ACL{Owner: owner, Grants: []Grant{{Grantee: User(owner), Permission: FullControl}}}
}

func validPermission(p string) bool {
	switch p {
	case Read, Write, ReadACP, WriteACP, FullControl:
		return true
	}
	return false
}

func knownGroup(uri string) bool {
	return uri == AllUsers || uri == AuthenticatedUsers || uri == LogDelivery
}

// Validate checks an ACL's grants: known permissions, well-formed
// grantees, known groups, at most MaxGrants.
func (a ACL) Validate() error {
	if len(a.Grants) > MaxGrants {
		return s3err.ErrMalformedACL.WithMessage("An ACL can have at most %d grants; this one has %d.", MaxGrants, len(a.Grants))
	}
	for _, g := range a.Grants {
		if !validPermission(g.Permission) {
			return s3err.ErrMalformedACL.WithMessage("%q is not a permission.", g.Permission)
		}
		if err := g.Grantee.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (g Grantee) validate() error {
	switch {
	case g.Type == TypeCanonicalUser && g.ID != "" && g.Email == "" && g.URI == "":
		return nil
	case g.Type == TypeEmail && g.Email != "" && g.ID == "" && g.URI == "":
		return nil
	case g.Type == TypeGroup && g.URI != "" && g.ID == "" && g.Email == "":
		if !knownGroup(g.URI) {
			return s3err.ErrInvalidArgument.WithMessage("Invalid group uri: %q.", g.URI)
		}
		return nil
	}
	return s3err.ErrInvalidArgument.WithMessage("Invalid grantee.")
}

// IsPublic reports whether the ACL grants anything to AllUsers or
// AuthenticatedUsers, which Block Public Access counts as public.
func (a ACL) IsPublic() bool {
	return slices.ContainsFunc(a.Grants, func(g Grant) bool { return isPublicGroup(g.Grantee) })
}

func isPublicGroup(g Grantee) bool {
	return g.Type == TypeGroup && (g.URI == AllUsers || g.URI == AuthenticatedUsers)
}

// Caller is who asks, as an ACL sees it.
type Caller struct {
	// ID is the caller's canonical ID; "" for an anonymous caller.
	ID string
	// LogDelivery marks the server's access-log deliverer.
	LogDelivery bool
}

// Allows reports whether a grants perm to the caller: a grant of perm or
// FULL_CONTROL to the caller's ID or to a group the caller is in. With
// ignorePublic, grants to AllUsers and AuthenticatedUsers count for
// nothing.
func (a ACL) Allows(c Caller, perm string, ignorePublic bool) bool {
	for _, g := range a.Grants {
		if g.Permission != perm && g.Permission != FullControl {
			continue
		}
		if ignorePublic && isPublicGroup(g.Grantee) {
			continue
		}
		if c.matches(g.Grantee) {
			return true
		}
	}
	return false
}

func (c Caller) matches(g Grantee) bool {
	switch g.Type {
	case TypeCanonicalUser:
		return c.ID != "" && g.ID == c.ID
	case TypeGroup:
		switch g.URI {
		case AllUsers:
			return true
		case AuthenticatedUsers:
			return c.ID != ""
		case LogDelivery:
			return c.LogDelivery
		}
	}
	return false
}

// Encode is the stored form of a valid ACL.
func (a ACL) Encode() []byte {
	b, _ := json.Marshal(a) // strings and slices only: cannot fail
	return b
}

// Decode reads a stored ACL.
func Decode(b []byte) (ACL, error) {
	var a ACL
	if err := json.Unmarshal(b, &a); err != nil {
		return ACL{}, err
	}
	return a, a.Validate()
}

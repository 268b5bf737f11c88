package acl

import (
	"encoding/xml"

	"github.com/kurastore/kura/s3err"
)

const (
	s3Namespace  = "http://s3.amazonaws.com/doc/2006-03-01/"
	xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"
)

// xmlGrantee is a <Grantee>, as read: its xsi:type is any attribute
// named type.
type xmlGrantee struct {
	Attrs       []xml.Attr `xml:",any,attr"`
	ID          string     `xml:"ID"`
	Email       string     `xml:"EmailAddress"`
	URI         string     `xml:"URI"`
	DisplayName string     `xml:"DisplayName"`
}

type xmlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   struct {
		ID string `xml:"ID"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee    *xmlGrantee `xml:"Grantee"`
		Permission string      `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

// ParsePolicy reads an AccessControlPolicy document. Its Owner, which
// cannot change an owner, is returned as the ACL's owner ("" when
// absent) for the caller to check.
func ParsePolicy(data []byte) (ACL, error) {
	var doc xmlPolicy
	if err := xml.Unmarshal(data, &doc); err != nil {
		return ACL{}, s3err.ErrMalformedACL
	}
	a := ACL{Owner: doc.Owner.ID}
	if len(doc.Grants) > MaxGrants {
		return ACL{}, s3err.ErrMalformedACL.WithMessage("An ACL can have at most %d grants; this one has %d.", MaxGrants, len(doc.Grants))
	}
	for _, g := range doc.Grants {
		if g.Grantee == nil {
			return ACL{}, s3err.ErrMalformedACL
		}
		grantee, err := g.Grantee.grantee()
		if err != nil {
			return ACL{}, err
		}
		a.Grants = append(a.Grants, Grant{Grantee: grantee, Permission: g.Permission})
	}
	return a, a.Validate()
}

// grantee is the grantee a <Grantee> names: its xsi:type, or when it
// has none, the one element it carries.
func (x *xmlGrantee) grantee() (Grantee, error) {
	typ := ""
	for _, at := range x.Attrs {
		if at.Name.Local == "type" {
			typ = at.Value
		}
	}
	if typ == "" {
		switch {
		case x.ID != "" && x.Email == "" && x.URI == "":
			typ = TypeCanonicalUser
		case x.Email != "" && x.ID == "" && x.URI == "":
			typ = TypeEmail
		case x.URI != "" && x.ID == "" && x.Email == "":
			typ = TypeGroup
		default:
			return Grantee{}, s3err.ErrMalformedACL
		}
	}
	g := Grantee{Type: typ}
	switch typ {
	case TypeCanonicalUser:
		g.ID = x.ID
	case TypeEmail:
		g.Email = x.Email
	case TypeGroup:
		g.URI = x.URI
	default:
		return Grantee{}, s3err.ErrMalformedACL.WithMessage("%q is not a grantee type.", typ)
	}
	if err := g.validate(); err != nil {
		return Grantee{}, s3err.ErrMalformedACL.WithMessage("%s", s3err.From(err).Message)
	}
	return g, nil
}

type outGrantee struct {
	XMLName     xml.Name `xml:"Grantee"`
	Xsi         string   `xml:"xmlns:xsi,attr"`
	Type        string   `xml:"xsi:type,attr"`
	ID          string   `xml:"ID,omitempty"`
	DisplayName string   `xml:"DisplayName,omitempty"`
	Email       string   `xml:"EmailAddress,omitempty"`
	URI         string   `xml:"URI,omitempty"`
}

type outPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Xmlns   string   `xml:"xmlns,attr"`
	Owner   struct {
		ID          string `xml:"ID"`
		DisplayName string `xml:"DisplayName"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee    outGrantee `xml:"Grantee"`
		Permission string     `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

// MarshalPolicy writes a as an AccessControlPolicy document; name gives
// the display name of a canonical ID ("" for none).
func (a ACL) MarshalPolicy(name func(id string) string) ([]byte, error) {
	doc := outPolicy{Xmlns: s3Namespace}
	doc.Owner.ID, doc.Owner.DisplayName = a.Owner, name(a.Owner)
	doc.Grants = make([]struct {
		Grantee    outGrantee `xml:"Grantee"`
		Permission string     `xml:"Permission"`
	}, len(a.Grants))
	for i, g := range a.Grants {
		out := &doc.Grants[i]
		out.Permission = g.Permission
		out.Grantee = outGrantee{Xsi: xsiNamespace, Type: g.Grantee.Type, ID: g.Grantee.ID, Email: g.Grantee.Email, URI: g.Grantee.URI}
		if g.Grantee.Type == TypeCanonicalUser {
			out.Grantee.DisplayName = name(g.Grantee.ID)
		}
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), body...), nil
}

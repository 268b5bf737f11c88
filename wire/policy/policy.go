package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync/atomic"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

// MaxSize is the largest bucket policy S3 accepts, in bytes.
const MaxSize = 20 << 10

// Policy language versions. A policy without a Version is read as the
// older one, as AWS does.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Policy is a bucket policy document. Pass it by pointer: it keeps its
// compiled form once evaluated, which go vet's copylocks check guards.
type Policy struct {
	Version   string      `json:"Version,omitempty"`
	ID        string      `json:"Id,omitempty"`
	Statement []Statement `json:"Statement,omitempty"`

	// compiledForm is filled by the first Evaluate or EvaluateIdentity.
	compiledForm atomic.Pointer[compiledPolicy]
}

// Effect is what a statement does to the requests it matches.
type Effect string

// The two effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Statement is one rule of a policy. Exactly one of each pair
// (Principal/NotPrincipal, Action/NotAction, Resource/NotResource) is
// set in a valid statement.
type Statement struct {
	Sid          string     `json:"Sid,omitempty"`
	Effect       Effect     `json:"Effect"`
	Principal    *Principal `json:"Principal,omitempty"`
	NotPrincipal *Principal `json:"NotPrincipal,omitempty"`
	Action       Values     `json:"Action,omitempty"`
	NotAction    Values     `json:"NotAction,omitempty"`
	Resource     Values     `json:"Resource,omitempty"`
	NotResource  Values     `json:"NotResource,omitempty"`
	Condition    Condition  `json:"Condition,omitempty"`
}

// Principal is who a statement is about: everyone ("*" in JSON, All), or
// the AWS accounts, users and roles listed under "AWS" (where "*" also
// means everyone), or the AWS services listed under "Service" (such as
// "logging.s3.amazonaws.com", which delivers server access logs).
type Principal struct {
	All     bool
	AWS     Values
	Service Values
}

// Condition maps an operator ("StringEquals", "IpAddress", ...) to
// condition keys ("aws:SourceIp", "s3:prefix", ...) and their values.
type Condition map[string]map[string]Values

// Parse reads a policy of at most MaxSize bytes. It checks the JSON and
// the shape of the policy language (known element names, strings or lists
// where they belong); call ValidateForBucket for the rest. Every error is
// s3err.ErrMalformedPolicy.
func Parse(data []byte) (*Policy, error) {
	if len(data) > MaxSize {
		return nil, s3err.ErrMalformedPolicy.WithMessage("Policy exceeds the maximum allowed document size.")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !utf8.Valid(data) {
		return nil, s3err.ErrMalformedPolicy
	}
	var p Policy
	if err := json.Unmarshal(data, &p); err != nil {
		var e *s3err.Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, s3err.ErrMalformedPolicy
	}
	return &p, nil
}

// Encode returns the policy as compact JSON, statements always as a list
// and single values as plain strings.
func (p *Policy) Encode() ([]byte, error) {
	// Policies are not HTML; marshal keeps '<', '>' and '&' readable.
	return marshal(p)
}

package policy

import (
	"maps"
	"slices"
	"strings"

	"github.com/kurastore/kura/s3err"
)

// s3ResourcePrefix starts every S3 resource ARN: S3 ARNs have no region
// or account.
const s3ResourcePrefix = "arn:aws:s3:::"

// ValidateForBucket checks what S3 checks before it stores a policy on
// bucket: a known Version (or none), at least one statement, and in each
// statement an Effect of Allow or Deny, a principal, S3 actions ("s3:..."
// or "*"), resources that are bucket itself or objects in it, and known
// condition operators. Errors are s3err.ErrMalformedPolicy with AWS's
// messages.
//
// Every action must name at least one S3 action. It does not check that
// actions fit the resources they are given; evaluation simply never
// matches such a statement.
func (p *Policy) ValidateForBucket(bucket string) error {
	switch p.Version {
	case "", Version2012, Version2008:
	default:
		return malformed("The policy must contain a valid version string")
	}
	if len(p.Statement) == 0 {
		return malformed("Could not parse the policy: Statement is empty!")
	}
	for i := range p.Statement {
		if err := p.Statement[i].validateForBucket(bucket); err != nil {
			return err
		}
	}
	return nil
}

func (s *Statement) validateForBucket(bucket string) error {
	switch s.Effect {
	case Allow, Deny:
	case "":
		return malformed("Missing required field Effect")
	default:
		return malformed("Invalid effect: %s", s.Effect)
	}

	switch {
	case s.Principal == nil && s.NotPrincipal == nil:
		return malformed("Missing required field Principal")
	case s.Principal != nil && s.NotPrincipal != nil:
		return malformed("Statement cannot have both Principal and NotPrincipal")
	case s.NotPrincipal != nil && s.Effect != Deny:
		// AWS supports NotPrincipal only in a Deny: an Allow that names
		// whom it does not grant grants everyone else, anonymous callers
		// included, which is rarely what was meant.
		return malformed("NotPrincipal must be used with Effect Deny")
	}
	for _, p := range []*Principal{s.Principal, s.NotPrincipal} {
		if p != nil && !p.valid() {
			return errInvalidPrincipal
		}
	}

	switch {
	case len(s.Action) == 0 && len(s.NotAction) == 0:
		return malformed("Missing required field Action")
	case len(s.Action) > 0 && len(s.NotAction) > 0:
		return malformed("Statement cannot have both Action and NotAction")
	}
	for _, a := range slices.Concat(s.Action, s.NotAction) {
		if !validAction(a) {
			return malformed("Policy has invalid action")
		}
	}

	switch {
	case len(s.Resource) == 0 && len(s.NotResource) == 0:
		return malformed("Missing required field Resource")
	case len(s.Resource) > 0 && len(s.NotResource) > 0:
		return malformed("Statement cannot have both Resource and NotResource")
	}
	for _, r := range slices.Concat(s.Resource, s.NotResource) {
		if !resourceInBucket(r, bucket) {
			return malformed("Policy has invalid resource")
		}
	}

	for _, op := range slices.Sorted(maps.Keys(s.Condition)) {
		if !validOperator(op) {
			return malformed("Policy has an invalid condition operator: %s", op)
		}
		for key := range s.Condition[op] {
			if key == "" {
				return malformed("Policy has an invalid condition key")
			}
		}
	}
	return nil
}

func (p *Principal) valid() bool {
	if p.All {
		return true
	}
	if len(p.AWS) == 0 && len(p.Service) == 0 {
		return false
	}
	for _, id := range slices.Concat(p.AWS, p.Service) {
		if id == "" {
			return false
		}
	}
	return true
}

// validAction accepts "*" and "s3:" followed by an action name, which
// may use the wildcards '*' and '?' but must name at least one S3 action.
func validAction(a string) bool {
	return actionNamesSome(a, "s3")
}

// resourceInBucket accepts the bucket's ARN and ARNs of objects in it
// ("arn:aws:s3:::bucket/key", key patterns allowed). A wildcard in the
// bucket part could name other buckets, so it is refused.
func resourceInBucket(resource, bucket string) bool {
	rest, ok := strings.CutPrefix(resource, s3ResourcePrefix)
	if !ok {
		return false
	}
	name, _, _ := strings.Cut(rest, "/")
	return name == bucket
}

// conditionOperators are the base operators of the policy language.
var conditionOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true,
	"StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true,
	"NumericEquals": true, "NumericNotEquals": true,
	"NumericLessThan": true, "NumericLessThanEquals": true,
	"NumericGreaterThan": true, "NumericGreaterThanEquals": true,
	"DateEquals": true, "DateNotEquals": true,
	"DateLessThan": true, "DateLessThanEquals": true,
	"DateGreaterThan": true, "DateGreaterThanEquals": true,
	"Bool": true, "BinaryEquals": true,
	"IpAddress": true, "NotIpAddress": true,
	"ArnEquals": true, "ArnNotEquals": true, "ArnLike": true, "ArnNotLike": true,
	"Null": true,
}

// validOperator accepts a base operator, optionally with a
// ForAllValues:/ForAnyValue: set qualifier and an IfExists suffix (which
// Null cannot take).
func validOperator(op string) bool {
	if rest, ok := strings.CutPrefix(op, "ForAllValues:"); ok {
		op = rest
	} else if rest, ok := strings.CutPrefix(op, "ForAnyValue:"); ok {
		op = rest
	}
	if base, ok := strings.CutSuffix(op, "IfExists"); ok {
		return base != "Null" && conditionOperators[base]
	}
	return conditionOperators[op]
}

func malformed(format string, args ...any) error {
	return s3err.ErrMalformedPolicy.WithMessage(format, args...)
}

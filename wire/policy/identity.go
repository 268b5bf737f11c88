package policy

import (
	"slices"
	"strings"
)

// Validate checks an identity-based policy, one attached to users, groups
// or sessions rather than to a bucket: a known Version (or none), at least
// one statement, and in each statement an Effect of Allow or Deny, no
// Principal (the policy is about its holder), actions of the services the
// server has ("s3:", "admin:", "sts:" or "*", each naming at least one
// known action), S3 resources ("*" or
// "arn:aws:s3:::..." with wildcards anywhere, the bucket part included)
// and known condition operators. Admin and STS statements act on no
// bucket, so they may leave out Resource. Errors are
// s3err.ErrMalformedPolicy.
func (p *Policy) Validate() error {
	switch p.Version {
	case "", Version2012, Version2008:
	default:
		return malformed("The policy must contain a valid version string")
	}
	if len(p.Statement) == 0 {
		return malformed("Could not parse the policy: Statement is empty!")
	}
	for i := range p.Statement {
		if err := p.Statement[i].validateIdentity(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Statement) validateIdentity() error {
	switch s.Effect {
	case Allow, Deny:
	case "":
		return malformed("Missing required field Effect")
	default:
		return malformed("Invalid effect: %s", s.Effect)
	}
	if s.Principal != nil || s.NotPrincipal != nil {
		return malformed("Policy document should not specify a principal.")
	}
	if err := s.validateIdentityActions(); err != nil {
		return err
	}
	if err := s.validateIdentityResources(); err != nil {
		return err
	}
	return validateConditions(s.Condition)
}

func (s *Statement) validateIdentityActions() error {
	switch {
	case len(s.Action) == 0 && len(s.NotAction) == 0:
		return malformed("Missing required field Action")
	case len(s.Action) > 0 && len(s.NotAction) > 0:
		return malformed("Statement cannot have both Action and NotAction")
	}
	for _, a := range slices.Concat(s.Action, s.NotAction) {
		if !validIdentityAction(a) {
			return malformed("Policy has invalid action")
		}
	}
	return nil
}

func (s *Statement) validateIdentityResources() error {
	switch {
	case len(s.Resource) > 0 && len(s.NotResource) > 0:
		return malformed("Statement cannot have both Resource and NotResource")
	case len(s.Resource) == 0 && len(s.NotResource) == 0 && !s.onlyBucketlessActions():
		return malformed("Missing required field Resource")
	}
	for _, r := range slices.Concat(s.Resource, s.NotResource) {
		if !validIdentityResource(r) {
			return malformed("Policy has invalid resource")
		}
	}
	return nil
}

// onlyBucketlessActions reports whether every action of the statement is
// an admin or STS one, which act on the server rather than on a bucket.
func (s *Statement) onlyBucketlessActions() bool {
	if len(s.Action) == 0 {
		return false // NotAction reaches S3 actions too
	}
	for _, a := range s.Action {
		if !strings.HasPrefix(a, "admin:") && !strings.HasPrefix(a, "sts:") {
			return false
		}
	}
	return true
}

// validIdentityAction accepts "*" and a service prefix ("s3:", "admin:"
// or "sts:") followed by an action name, which may use the wildcards '*'
// and '?' but must name at least one of the service's actions.
func validIdentityAction(a string) bool {
	return actionNamesSome(a, "s3", "admin", "sts")
}

func validActionName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		alnum := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		if !alnum && r != '*' && r != '?' {
			return false
		}
	}
	return true
}

// validIdentityResource accepts "*" and S3 ARNs with a non-empty bucket
// part: "arn:aws:s3:::bucket", "arn:aws:s3:::*/key", "arn:aws:s3:::b*/*".
func validIdentityResource(r string) bool {
	if r == "*" {
		return true
	}
	rest, ok := strings.CutPrefix(r, s3ResourcePrefix)
	if !ok {
		return false
	}
	bucket, _, _ := strings.Cut(rest, "/")
	return bucket != ""
}

func validateConditions(c Condition) error {
	for _, op := range sortedKeys(c) {
		if !validOperator(op) {
			return malformed("Policy has an invalid condition operator: %s", op)
		}
		for key := range c[op] {
			if key == "" {
				return malformed("Policy has an invalid condition key")
			}
		}
	}
	return nil
}

// allResources is every bucket and object, the resource of the canned
// policies.
const allResources = s3ResourcePrefix + "*"

// Readonly is the canned policy "readonly": list buckets and objects, get
// any object and any bucket's location.
func Readonly() *Policy {
	return canned("s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:ListAllMyBuckets")
}

// Readwrite is the canned policy "readwrite": every S3 action on every
// bucket and object.
func Readwrite() *Policy {
	return canned("s3:*")
}

// Writeonly is the canned policy "writeonly": put objects, nothing else.
func Writeonly() *Policy {
	return canned("s3:PutObject")
}

// Diagnostics is the canned policy "diagnostics": the admin actions that
// observe a server without changing it.
func Diagnostics() *Policy {
	return canned(
		"admin:ServerInfo",
		"admin:ServerTrace",
		"admin:ConsoleLog",
		"admin:Profiling",
		"admin:TopLocksInfo",
		"admin:OBDInfo",
		"admin:BandwidthMonitor",
		"admin:Prometheus",
	)
}

// canned builds a one-statement policy allowing actions on every
// resource. Each call returns a new Policy, which callers may change.
func canned(actions ...string) *Policy {
	return &Policy{Version: Version2012, Statement: []Statement{{
		Effect:   Allow,
		Action:   Values(actions),
		Resource: Values{allResources},
	}}}
}

package idp

import (
	"strings"
	"time"
)

// Kind is the kind of an identity provider.
type Kind string

// The kinds of identity providers.
const (
	KindOpenID      Kind = "openid"
	KindLDAP        Kind = "ldap"
	KindCertificate Kind = "certificate"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	return k == KindOpenID || k == KindLDAP || k == KindCertificate
}

// Login is who a provider says the caller is, once it checked the proof.
type Login struct {
	// Provider names the configured provider that checked the proof.
	Provider string
	Kind     Kind
	// Subject is the caller as the provider names it: an OpenID "sub",
	// an LDAP user's DN, a client certificate's subject common name.
	Subject string
	// Username is the name the caller logged in with, kept in the session
	// for providers that need it to check the subject again (an LDAP
	// group filter may use the login name); empty for other kinds.
	Username string
	// Policies are the kura policy names the provider maps the caller to.
	// Names no policy has are dropped when credentials are issued.
	Policies []string
	// Groups are the caller's groups at the provider, for providers that
	// map groups to policies.
	Groups []string
	// Expires, when set, is the end of the proof's validity (a JWT's exp):
	// the credentials end no later.
	Expires time.Time
	// Audience and Issuer describe the proof for the STS answer (an
	// OpenID token's aud and iss); empty for kinds without them.
	Audience string
	Issuer   string
}

// RoleARNPrefix starts the ARN of a provider's role: the role ARN
// of a provider named NAME is RoleARNPrefix+NAME, what AssumeRole calls
// give as RoleArn to select the provider.
const RoleARNPrefix = "arn:kura:iam:::role/"

// RoleARN is the role ARN of the provider named name.
func RoleARN(name string) string { return RoleARNPrefix + name }

// ProviderOfRoleARN returns the provider name a role ARN selects.
func ProviderOfRoleARN(arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, RoleARNPrefix)
	return name, ok && name != ""
}

// SplitPolicyNames reads a list of policy names from a claim value or a
// setting: a string of comma-separated names, or a list of strings (each
// of which may hold commas too). Blanks are dropped.
func SplitPolicyNames(v any) []string {
	var parts []string
	switch t := v.(type) {
	case string:
		parts = strings.Split(t, ",")
	case []string:
		for _, s := range t {
			parts = append(parts, strings.Split(s, ",")...)
		}
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				parts = append(parts, strings.Split(s, ",")...)
			}
		}
	}
	var names []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			names = append(names, p)
		}
	}
	return names
}

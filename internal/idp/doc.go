// Package idp describes what every identity provider kura federates with
// (OpenID Connect, LDAP, client certificates) hands to the security token
// service: a Login, who the provider says the caller is and which kura
// policies apply.
//
// The flow is the same for every kind. An STS call (for instance
// AssumeRoleWithWebIdentity) carries proof of identity; the provider's
// package checks it against the provider's configuration (package
// openid verifies a JWT against the discovery document and JWKS, package
// ldap binds to the directory as the user, package clientcert verifies a
// TLS client certificate) and the STS handler makes a Login; iam.Store.AssumeFederated turns the Login into
// temporary credentials. Those are the same sealed, stateless session
// tokens as AssumeRole's: the token carries the provider's name and ID,
// the subject and the names of the mapped policies, so any server with
// the seal key can verify them without having seen the login. On every
// request the server resolves the policy names to their current
// documents, and checks that the provider still exists (with the same ID)
// and is enabled, from a cache at most iam.ProviderCacheTTL old; a read
// error refuses the request. A kind whose provider can withdraw a
// subject (an LDAP user disabled) registers an iam.SubjectCheck, run on
// every request with passes trusted for the same bound.
//
// Provider configurations live in the metadata store, kept by package
// iam (iam.IdentityProvider), with any secret (a client secret, a bind
// password) sealed at rest. Each kind keeps its own settings as JSON in
// the record's Settings.
package idp

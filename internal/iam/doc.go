// Package iam owns who may do what: users, groups, service accounts and
// named policies, stored in the metadata store with secrets encrypted at
// rest, and the lookup of a caller's identity for authorization. It does
// not evaluate policies (wire/policy does) and never sees HTTP.
//
// Metadata keys:
//
//	Iu<access key>   user or service account (JSON, secret sealed)
//	Ig<group>        group (JSON)
//	Ip<policy name>  named policy document (JSON as given)
//	Ik               check value of the seal key the secrets are sealed under
//
// Temporary (STS) credentials are stored nowhere: their session token
// carries what they need, sealed (sts.go).
package iam

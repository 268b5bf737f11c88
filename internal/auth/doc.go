// Package auth knows who may call kura: today the root credentials, later
// users, service accounts and STS session tokens. It resolves an access
// key to its secret for signature verification (package sigv4); deciding
// what a caller may do belongs to package iam.
package auth

package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"strings"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// Every user is an ACL grantee with its own canonical ID: 64 lowercase hex
// digits derived from the user's name, so that it is the same on every
// server sharing the store and across restarts, and needs no storage.
// The root user's canonical ID is the S3 layer's (the server owner's):
// identities acting for root carry none.

// CanonicalID is the canonical user ID of the user named access.
func CanonicalID(access string) string {
	sum := sha256.Sum256([]byte("kura-user:" + access))
	return hex.EncodeToString(sum[:])
}

// maxEmailLength bounds an email address, as RFC 5321 bounds a path.
const maxEmailLength = 254

// SetUserEmail sets (or, with "", clears) the email address of a user, by
// which ACL grants may name it. Two users cannot share an address.
func (s *Store) SetUserEmail(ctx context.Context, access, email string) error {
	email, err := normalEmail(email)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx meta.Txn) error {
		u, err := getJSON[User](tx, userKey(access), ErrNoSuchUser)
		if err != nil {
			return err
		}
		if u.IsServiceAccount() {
			return s3err.ErrInvalidArgument.WithMessage("A service account has no email address of its own.")
		}
		if email != "" {
			users, err := listJSON[User](tx, prefixUser)
			if err != nil {
				return err
			}
			for _, o := range users {
				if o.AccessKey != access && strings.EqualFold(o.Email, email) {
					return s3err.ErrInvalidArgument.WithMessage("The email address %q is already user %s's.", email, o.AccessKey)
				}
			}
		}
		u.Email = email
		return setJSON(tx, userKey(access), u)
	})
}

// normalEmail checks an email address: a bare address, no display name.
func normalEmail(email string) (string, error) {
	if email == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email || len(email) > maxEmailLength {
		return "", s3err.ErrInvalidArgument.WithMessage("%q is not an email address.", email)
	}
	return email, nil
}

// Grantee is a user as ACLs name it.
type Grantee struct {
	User        string
	CanonicalID string
	Email       string
}

// Grantees lists every user (service accounts aside) as a grantee, for
// resolving ACL grants by email address and naming grantees.
func (s *Store) Grantees(ctx context.Context) ([]Grantee, error) {
	users, err := s.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Grantee, 0, len(users))
	for _, u := range users {
		if u.IsServiceAccount() {
			continue
		}
		out = append(out, Grantee{User: u.AccessKey, CanonicalID: CanonicalID(u.AccessKey), Email: u.Email})
	}
	return out, nil
}

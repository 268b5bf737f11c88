package client

import (
	"context"
	"time"
)

// Credentials are the keys a request is signed with.
type Credentials struct {
	AccessKey    string
	SecretKey    string
	SessionToken string
	// Expires is when temporary credentials stop working; zero for keys
	// that do not expire.
	Expires time.Time
}

// A Provider supplies credentials, refreshing them when they expire. It
// is what MinIO's clients take as their credentials parameter.
type Provider interface {
	Retrieve(ctx context.Context) (Credentials, error)
}

// Static is a Provider of fixed keys.
type Static Credentials

// Retrieve returns the keys.
func (s Static) Retrieve(context.Context) (Credentials, error) { return Credentials(s), nil }

// Anonymous sends unsigned requests.
type Anonymous struct{}

// Retrieve returns empty credentials, which the client does not sign with.
func (Anonymous) Retrieve(context.Context) (Credentials, error) { return Credentials{}, nil }

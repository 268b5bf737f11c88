package iam

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// Limits of temporary credentials, as AWS STS sets them.
const (
	MinSessionDuration     = 15 * time.Minute
	MaxSessionDuration     = 12 * time.Hour
	DefaultSessionDuration = time.Hour
	MaxSessionPolicySize   = 2048
)

// TempCredentials are what AssumeRole hands out.
type TempCredentials struct {
	auth.Credentials
	SessionToken string
	Expiration   time.Time
}

// AssumeRole issues temporary credentials that act for the caller's user
// until they expire, narrowed by an optional session policy, which can only
// take away.
func (s *Store) AssumeRole(ctx context.Context, caller *Identity, duration time.Duration, sessionPolicy []byte) (TempCredentials, error) {
	if duration == 0 {
		duration = DefaultSessionDuration
	}
	if duration < MinSessionDuration || duration > MaxSessionDuration {
		return TempCredentials{}, s3err.ErrInvalidArgument.WithMessage("DurationSeconds must be between %d and %d.", int(MinSessionDuration.Seconds()), int(MaxSessionDuration.Seconds()))
	}
	if len(sessionPolicy) > MaxSessionPolicySize {
		return TempCredentials{}, s3err.ErrInvalidArgument.WithMessage("The session policy is longer than %d characters.", MaxSessionPolicySize)
	}
	inline := sessionPolicy
	if len(inline) > 0 {
		if err := validIdentityPolicy(inline); err != nil {
			return TempCredentials{}, err
		}
	}
	if caller.Session != nil {
		if len(inline) > 0 {
			return TempCredentials{}, s3err.ErrInvalidArgument.WithMessage("Credentials that are already narrowed by a policy cannot take another session policy.")
		}
		doc, err := caller.Session.Encode()
		if err != nil {
			return TempCredentials{}, err
		}
		inline = doc
	}
	creds := auth.NewRandomCredentials()
	token := make([]byte, 48)
	_, _ = rand.Read(token)
	tc := TempCredentials{
		Credentials:  creds,
		SessionToken: base64.RawURLEncoding.EncodeToString(token),
		Expiration:   s.now().Add(duration).UTC().Truncate(time.Second),
	}
	hash := sha256.Sum256([]byte(tc.SessionToken))
	err := s.update(ctx, func(tx meta.Txn) error {
		return setJSON(tx, userKey(creds.AccessKey), User{
			AccessKey: creds.AccessKey, Status: StatusEnabled, Parent: caller.Username, SessionPolicy: inline,
			Expiration: tc.Expiration, TokenHash: hash[:], Created: s.now().UTC(), Sealed: s.seal(creds.SecretKey, creds.AccessKey),
		})
	})
	if err != nil {
		return TempCredentials{}, fmt.Errorf("iam: storing temporary credentials: %w", err)
	}
	return tc, nil
}

// CheckSessionToken verifies the session token a request carried: it must
// be the one issued with temporary credentials, and absent otherwise.
func (id *Identity) CheckSessionToken(token string) error {
	if id.tokenHash == nil {
		if token != "" {
			return s3err.ErrInvalidToken
		}
		return nil
	}
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(got[:], id.tokenHash) != 1 {
		return s3err.ErrInvalidToken
	}
	return nil
}

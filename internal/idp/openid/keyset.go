package openid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// maxKeySetSize bounds the JWKS document read from a provider; real ones
// hold a few keys in a few KiB.
const maxKeySetSize = 1 << 20

// keySet is a provider's published signing keys (its JWKS). A token whose
// signature no known key verifies makes kura fetch the set again, since
// providers rotate their keys; but not more often than once per interval,
// because the STS calls are unsigned and anyone can send tokens naming
// made-up key IDs. Fetches asked for at the same time share one. A failed
// fetch counts as a fetch: a provider that is down is not asked again
// before the interval is over either.
//
// go-oidc's RemoteKeySet, which this replaces, fetches again for every
// token with an unknown key, only sharing fetches that overlap.
type keySet struct {
	url      string
	client   *http.Client
	now      func() time.Time
	interval time.Duration

	flight singleflight.Group
	mu     sync.Mutex
	keys   []jose.JSONWebKey
	// fetched is when the last fetch began, zero before the first.
	fetched time.Time
}

// errKeysFetchedRecently says why a token signed with an unknown key is
// refused without looking for the key at the provider.
type errKeysFetchedRecently struct{ interval time.Duration }

func (e errKeysFetchedRecently) Error() string {
	return fmt.Sprintf("no published key verifies the token, and the provider's keys were fetched less than %s ago", e.interval)
}

// VerifySignature returns the payload of the compact JWS raw once one of
// the provider's keys verifies it; it implements go-oidc's KeySet, whose
// verifier has checked the algorithm already.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, supportedAlgorithms)
	if err != nil {
		return nil, fmt.Errorf("malformed token: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("a token must carry exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	k.mu.Lock()
	keys := k.keys
	k.mu.Unlock()
	if payload, ok := verifyWith(jws, keys, kid); ok {
		return payload, nil
	}
	keys, err = k.refresh(ctx)
	if err != nil {
		return nil, err
	}
	if payload, ok := verifyWith(jws, keys, kid); ok {
		return payload, nil
	}
	return nil, errors.New("no key the provider publishes verifies the token's signature")
}

// verifyWith tries the keys of ID kid (every key when the token names
// none).
func verifyWith(jws *jose.JSONWebSignature, keys []jose.JSONWebKey, kid string) ([]byte, bool) {
	for i := range keys {
		if kid != "" && keys[i].KeyID != kid {
			continue
		}
		if payload, err := jws.Verify(&keys[i]); err == nil {
			return payload, true
		}
	}
	return nil, false
}

// refresh fetches the keys again unless the last fetch began less than
// the interval ago, sharing a fetch already under way.
func (k *keySet) refresh(ctx context.Context) ([]jose.JSONWebKey, error) {
	ch := k.flight.DoChan("", func() (any, error) { return k.fetchIfDue() })
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]jose.JSONWebKey), nil
	}
}

func (k *keySet) fetchIfDue() ([]jose.JSONWebKey, error) {
	now := k.now()
	k.mu.Lock()
	last := k.fetched
	due := last.IsZero() || now.Sub(last) >= k.interval || now.Before(last)
	if due {
		k.fetched = now
	}
	k.mu.Unlock()
	if !due {
		return nil, errKeysFetchedRecently{k.interval}
	}
	keys, err := k.fetch()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.keys = keys
	k.mu.Unlock()
	return keys, nil
}

// fetch reads the JWKS. Keys of types go-jose cannot use are skipped, so
// that one exotic key does not hide the others. The request does not end
// with the token's request: others may be waiting on it; the client's
// timeout bounds it.
func (k *keySet) fetch() ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching keys: %v", err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching keys: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching keys: %s answered %s", k.url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySetSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetching keys: %v", err)
	}
	if len(body) > maxKeySetSize {
		return nil, fmt.Errorf("fetching keys: the key set at %s is larger than %d bytes", k.url, maxKeySetSize)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("fetching keys: the key set at %s is malformed: %v", k.url, err)
	}
	keys := make([]jose.JSONWebKey, 0, len(doc.Keys))
	for _, raw := range doc.Keys {
		var key jose.JSONWebKey
		if json.Unmarshal(raw, &key) != nil || !key.IsPublic() || key.Use == "enc" {
			continue
		}
		keys = append(keys, key)
	}
	return keys, nil
}

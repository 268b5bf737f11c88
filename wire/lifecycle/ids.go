package lifecycle

import (
	"crypto/rand"
	"encoding/base32"
)

// NameRules gives each rule without an ID a new one, distinct from every
// other rule's, as S3 does when a configuration is put: GET then shows
// every rule with an ID. Call it after Validate, which checks the IDs
// given.
func (c *Configuration) NameRules() {
	taken := make(map[string]bool, len(c.Rules))
	for _, r := range c.Rules {
		taken[r.ID] = true
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		for r.ID == "" {
			id := newRuleID()
			if !taken[id] {
				r.ID = id
				taken[id] = true
			}
		}
	}
}

// newRuleID is 20 random bytes in unpadded base32: 32 characters.
func newRuleID() string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestLeaseHolder: a server alone on its store has one name across
// restarts; gateways sharing a database have a name of their own, which
// holds their process id.
func TestLeaseHolder(t *testing.T) {
	if a, b := leaseHolder(false), leaseHolder(false); a != b {
		t.Errorf("a server alone on its store is %q, then %q", a, b)
	}
	a, b := leaseHolder(true), leaseHolder(true)
	if a == b || a == leaseHolder(false) {
		t.Errorf("gateways named %q and %q (alone: %q)", a, b, leaseHolder(false))
	}
	if pid := fmt.Sprintf("-%d-", os.Getpid()); !strings.Contains(a, pid) {
		t.Errorf("gateway %q does not name its process %s", a, pid)
	}
}

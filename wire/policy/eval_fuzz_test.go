package policy

import (
	"strings"
	"testing"
)

// FuzzEvaluate evaluates arbitrary policies against arbitrary requests.
// Evaluation must not panic, must give the same answer every time and
// from a freshly compiled copy, and must only decide what the policy has
// statements for: Denied needs a Deny statement, Allowed an Allow one.
// The seeds are every policy and request of testdata/eval.
func FuzzEvaluate(f *testing.F) {
	for _, file := range evalFiles(f) {
		var policy string
		for _, c := range readEvalCases(f, file) {
			switch c.cmd {
			case "policy":
				policy = c.input
			case "eval", "eval-identity":
				r := c.request()
				key, value := firstCondition(r)
				f.Add([]byte(policy), r.Action, r.Resource, r.Principal, r.Username, key, value)
			}
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte, action, resource, principal, username, key, value string) {
		p, err := Parse(doc)
		if err != nil {
			return
		}
		r := Request{
			Action: action, Resource: resource, Principal: principal, Username: username, Account: "111122223333",
			Conditions: map[string][]string{strings.ToLower(key): {value}, "aws:tagkeys": {value, key}},
		}
		checkDecision(t, p, "Evaluate", p.Evaluate(r), p.Evaluate(r), p.Compile().Evaluate(r))
		checkDecision(t, p, "EvaluateIdentity", p.EvaluateIdentity(r), p.EvaluateIdentity(r), p.Compile().EvaluateIdentity(r))
		// As its own identity, bucket and session policy, p allows exactly
		// what it allows as an identity policy: a statement that applies
		// to a bucket policy's request also applies ignoring principals.
		if Narrow(EvaluateAll(r, []*Policy{p}, p), p, r) != (p.EvaluateIdentity(r) == Allowed) {
			t.Fatalf("EvaluateAll and Narrow over one policy disagree with it")
		}
		// Validation must not panic either.
		_ = p.Validate()
		_ = p.ValidateForBucket("b")
	})
}

// checkDecision checks the decisions of one request against one policy.
func checkDecision(t *testing.T, p *Policy, what string, first, again, fresh Decision) {
	t.Helper()
	if again != first || fresh != first {
		t.Fatalf("%s: %v, then %v, freshly compiled %v", what, first, again, fresh)
	}
	if first == NotApplicable {
		return
	}
	want := Allow
	if first == Denied {
		want = Deny
	}
	for _, s := range p.Statement {
		if s.Effect == want {
			return
		}
	}
	t.Fatalf("%s: %v from a policy without an %s statement", what, first, want)
}

// firstCondition returns one of a request's context keys, for a seed.
func firstCondition(r Request) (key, value string) {
	keys := sortedKeys(r.Conditions)
	if len(keys) == 0 {
		return "", ""
	}
	return keys[0], r.Conditions[keys[0]][0]
}

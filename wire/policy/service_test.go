package policy

import "testing"

// The policy AWS recommends for server access log delivery: the logging
// service may put objects under the target prefix.
const logDeliveryPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"S3ServerAccessLogsPolicy","Effect":"Allow",
"Principal":{"Service":"logging.s3.amazonaws.com"},"Action":["s3:PutObject"],"Resource":"arn:aws:s3:::logs/src/*"}]}`

func TestServicePrincipal(t *testing.T) {
	p, err := Parse([]byte(logDeliveryPolicy))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ValidateForBucket("logs"); err != nil {
		t.Fatalf("ValidateForBucket: %v", err)
	}
	const put, obj = "s3:PutObject", "arn:aws:s3:::logs/src/2026-12-05-00-00-00-X"
	tests := []struct {
		name string
		r    Request
		want Decision
	}{
		{"the logging service", Request{Action: put, Resource: obj, Service: "logging.s3.amazonaws.com"}, Allowed},
		{"another service", Request{Action: put, Resource: obj, Service: "s3.amazonaws.com"}, NotApplicable},
		{"outside the prefix", Request{Action: put, Resource: "arn:aws:s3:::logs/other", Service: "logging.s3.amazonaws.com"}, NotApplicable},
		{"anonymous caller", Request{Action: put, Resource: obj}, NotApplicable},
		{"a user named like the service", Request{Action: put, Resource: obj, Principal: "logging.s3.amazonaws.com"}, NotApplicable},
	}
	for _, tt := range tests {
		if got := p.Evaluate(tt.r); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if p.IsPublic() {
		t.Error("a policy for one service counts as public")
	}
	everyone, _ := Parse([]byte(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*"}]}`))
	if everyone.Evaluate(Request{Action: put, Resource: obj, Service: "logging.s3.amazonaws.com"}) != Allowed {
		t.Error(`"*" does not cover a service`)
	}
	enc, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(enc)
	if err != nil || again.Evaluate(tests[0].r) != Allowed {
		t.Fatalf("re-parsed %s: %v", enc, err)
	}
}

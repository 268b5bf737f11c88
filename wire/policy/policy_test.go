package policy

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

func readPolicy(t *testing.T, name string) *Policy {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}

func TestParseExamples(t *testing.T) {
	public := &Policy{Version: Version2012, ID: "PublicRead", Statement: []Statement{{
		Sid:       "AllowGet",
		Effect:    Allow,
		Principal: &Principal{All: true},
		Action:    Values{"s3:GetObject", "s3:GetObjectVersion"},
		Resource:  Values{"arn:aws:s3:::photos/*"},
	}}}
	conditions := &Policy{Version: Version2012, Statement: []Statement{{
		Sid:          "DenyInsecureAndForeign",
		Effect:       Deny,
		NotPrincipal: &Principal{AWS: Values{"arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:user/alice"}},
		NotAction:    Values{"s3:List*"},
		NotResource:  Values{"arn:aws:s3:::photos", "arn:aws:s3:::photos/public/*"},
		Condition: Condition{
			"Bool":                           {"aws:SecureTransport": {"false"}},
			"NotIpAddress":                   {"aws:SourceIp": {"192.0.2.0/24", "203.0.113.0/24"}},
			"NumericLessThanEquals":          {"s3:max-keys": {"10"}},
			"ForAnyValue:StringLikeIfExists": {"s3:prefix": {"home/${aws:username}/*"}},
		},
	}}}
	for name, want := range map[string]*Policy{"public-read.json": public, "conditions.json": conditions} {
		got := readPolicy(t, name)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%s) =\n%+v\nwant\n%+v", name, got, want)
		}
		if err := got.ValidateForBucket("photos"); err != nil {
			t.Errorf("ValidateForBucket(%s): %v", name, err)
		}
		if err := got.ValidateForBucket("other"); err == nil {
			t.Errorf("%s is valid for another bucket", name)
		}
	}
}

func TestParse(t *testing.T) {
	const stmt = `"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"`
	tests := []struct {
		name string
		doc  string
		msg  string // "" means it parses
	}{
		{"single statement", `{"Statement":{` + stmt + `}}`, ""},
		{"statement list", `{"Version":"2012-10-17","Statement":[{` + stmt + `}]}`, ""},
		{"leading whitespace", " \n\t{\"Statement\":[{" + stmt + "}]}", ""},
		{"AWS principal list", `{"Statement":{"Principal":{"AWS":["a","b"]}}}`, ""},
		{"empty", ``, "Policies must be valid JSON and the first byte must be '{'"},
		{"array", `[{}]`, "Policies must be valid JSON and the first byte must be '{'"},
		{"not JSON", `{Version: 1}`, "Policies must be valid JSON and the first byte must be '{'"},
		{"trailing data", `{"Statement":[]} {}`, "Policies must be valid JSON and the first byte must be '{'"},
		{"invalid UTF-8", "{\"Id\":\"\xff\"}", "Policies must be valid JSON and the first byte must be '{'"},
		{"unknown policy field", `{"Version":"2012-10-17","Extra":1}`, "Unknown field Extra"},
		{"lower-case field", `{"statement":[]}`, "Unknown field statement"},
		{"unknown statement field", `{"Statement":[{"Effects":"Allow"}]}`, "Unknown field Effects"},
		{"statement is a string", `{"Statement":"x"}`, "Policies must be valid JSON and the first byte must be '{'"},
		{"version is a number", `{"Version":2012}`, "Policies must be valid JSON and the first byte must be '{'"},
		{"principal other string", `{"Statement":{"Principal":"alice"}}`, "Invalid principal in policy"},
		{"principal service", `{"Statement":{"Principal":{"Service":"logging.s3.amazonaws.com"}}}`, ""},
		{"principal federated", `{"Statement":{"Principal":{"Federated":"cognito-identity.amazonaws.com"}}}`, "Invalid principal in policy"},
		{"action is an object", `{"Statement":{"Action":{"a":1}}}`, "Policies must be valid JSON and the first byte must be '{'"},
		{"action is null", `{"Statement":{"Action":null}}`, "Policies must be valid JSON and the first byte must be '{'"},
		{"condition not an object", `{"Statement":{"Condition":["x"]}}`, "Policies must be valid JSON and the first byte must be '{'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if !errors.Is(err, s3err.ErrMalformedPolicy) {
				t.Fatalf("Parse error = %v, want MalformedPolicy", err)
			}
			if e := s3err.From(err); e.Message != tt.msg || e.HTTPStatus != 400 {
				t.Fatalf("error = %d %q, want 400 %q", e.HTTPStatus, e.Message, tt.msg)
			}
		})
	}
}

func TestParseSizeLimit(t *testing.T) {
	doc := `{"Statement":[]}`
	padded := func(size int) []byte { return []byte(doc + strings.Repeat(" ", size-len(doc))) }
	if _, err := Parse(padded(MaxSize)); err != nil {
		t.Fatalf("policy of MaxSize bytes: %v", err)
	}
	_, err := Parse(padded(MaxSize + 1))
	if !errors.Is(err, s3err.ErrMalformedPolicy) {
		t.Fatalf("policy of MaxSize+1 bytes: error = %v, want MalformedPolicy", err)
	}
}

func TestValidateForBucket(t *testing.T) {
	valid := func() Statement {
		return Statement{
			Effect:    Allow,
			Principal: &Principal{AWS: Values{"*"}},
			Action:    Values{"s3:GetObject"},
			Resource:  Values{"arn:aws:s3:::b/*"},
		}
	}
	with := func(edit func(*Statement)) *Policy {
		s := valid()
		edit(&s)
		return &Policy{Version: Version2012, Statement: []Statement{s}}
	}
	tests := []struct {
		name string
		p    *Policy
		msg  string // "" means valid
	}{
		{"valid", with(func(*Statement) {}), ""},
		{"version 2008", &Policy{Version: Version2008, Statement: []Statement{valid()}}, ""},
		{"no version", &Policy{Statement: []Statement{valid()}}, ""},
		{"other version", &Policy{Version: "2020-01-01", Statement: []Statement{valid()}}, "The policy must contain a valid version string"},
		{"no statements", &Policy{Version: Version2012}, "Could not parse the policy: Statement is empty!"},
		{"deny", with(func(s *Statement) { s.Effect = Deny }), ""},
		{"no effect", with(func(s *Statement) { s.Effect = "" }), "Missing required field Effect"},
		{"lower-case effect", with(func(s *Statement) { s.Effect = "allow" }), "Invalid effect: allow"},
		{"everyone", with(func(s *Statement) { s.Principal = &Principal{All: true} }), ""},
		{"no principal", with(func(s *Statement) { s.Principal = nil }), "Missing required field Principal"},
		{"not principal", with(func(s *Statement) {
			s.Effect, s.Principal, s.NotPrincipal = Deny, nil, &Principal{AWS: Values{"arn:aws:iam::1:root"}}
		}), ""},
		{"not principal in an allow", with(func(s *Statement) { s.Principal, s.NotPrincipal = nil, &Principal{AWS: Values{"arn:aws:iam::1:root"}} }), "NotPrincipal must be used with Effect Deny"},
		{"both principals", with(func(s *Statement) { s.NotPrincipal = &Principal{All: true} }), "Statement cannot have both Principal and NotPrincipal"},
		{"empty AWS principal", with(func(s *Statement) { s.Principal = &Principal{} }), "Invalid principal in policy"},
		{"blank AWS principal", with(func(s *Statement) { s.Principal = &Principal{AWS: Values{""}} }), "Invalid principal in policy"},
		{"all actions", with(func(s *Statement) { s.Action = Values{"*"} }), ""},
		{"s3 wildcard actions", with(func(s *Statement) { s.Action = Values{"s3:*", "s3:Get*", "s3:?utObject"} }), ""},
		{"no action", with(func(s *Statement) { s.Action = nil }), "Missing required field Action"},
		{"not action", with(func(s *Statement) { s.Action, s.NotAction = nil, Values{"s3:DeleteObject"} }), ""},
		{"both actions", with(func(s *Statement) { s.NotAction = Values{"s3:DeleteObject"} }), "Statement cannot have both Action and NotAction"},
		{"iam action", with(func(s *Statement) { s.Action = Values{"iam:CreateUser"} }), "Policy has invalid action"},
		{"bare prefix", with(func(s *Statement) { s.Action = Values{"s3:"} }), "Policy has invalid action"},
		{"action with space", with(func(s *Statement) { s.Action = Values{"s3:Get Object"} }), "Policy has invalid action"},
		{"bucket resource", with(func(s *Statement) { s.Resource = Values{"arn:aws:s3:::b"} }), ""},
		{"object resources", with(func(s *Statement) { s.Resource = Values{"arn:aws:s3:::b/a/*", "arn:aws:s3:::b/x?y"} }), ""},
		{"no resource", with(func(s *Statement) { s.Resource = nil }), "Missing required field Resource"},
		{"not resource", with(func(s *Statement) { s.Resource, s.NotResource = nil, Values{"arn:aws:s3:::b/private/*"} }), ""},
		{"both resources", with(func(s *Statement) { s.NotResource = Values{"arn:aws:s3:::b"} }), "Statement cannot have both Resource and NotResource"},
		{"other bucket", with(func(s *Statement) { s.Resource = Values{"arn:aws:s3:::b/*", "arn:aws:s3:::c/*"} }), "Policy has invalid resource"},
		{"bucket name prefix", with(func(s *Statement) { s.Resource = Values{"arn:aws:s3:::bb/*"} }), "Policy has invalid resource"},
		{"wildcard bucket", with(func(s *Statement) { s.Resource = Values{"arn:aws:s3:::*"} }), "Policy has invalid resource"},
		{"star resource", with(func(s *Statement) { s.Resource = Values{"*"} }), "Policy has invalid resource"},
		{"not an s3 ARN", with(func(s *Statement) { s.Resource = Values{"arn:aws:sqs:::b"} }), "Policy has invalid resource"},
		{"conditions", with(func(s *Statement) {
			s.Condition = Condition{
				"StringEquals":                          {"s3:x-amz-acl": {"public-read"}},
				"ForAllValues:StringLike":               {"s3:RequestObjectTagKeys": {"a*"}},
				"IpAddressIfExists":                     {"aws:SourceIp": {"10.0.0.0/8"}},
				"Null":                                  {"s3:x-amz-server-side-encryption": {"true"}},
				"DateGreaterThan":                       {"aws:CurrentTime": {"2020-01-01T00:00:00Z"}},
				"ForAnyValue:StringNotEqualsIgnoreCase": {"aws:TagKeys": {"a", "b"}},
			}
		}), ""},
		{"unknown operator", with(func(s *Statement) { s.Condition = Condition{"StringEqualz": {"k": {"v"}}} }),
			"Policy has an invalid condition operator: StringEqualz"},
		{"NullIfExists", with(func(s *Statement) { s.Condition = Condition{"NullIfExists": {"k": {"true"}}} }),
			"Policy has an invalid condition operator: NullIfExists"},
		{"empty condition key", with(func(s *Statement) { s.Condition = Condition{"StringEquals": {"": {"v"}}} }),
			"Policy has an invalid condition key"},
		{"second statement invalid", &Policy{Statement: []Statement{valid(), {Effect: Allow}}}, "Missing required field Principal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.ValidateForBucket("b")
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("ValidateForBucket: %v", err)
				}
				return
			}
			if !errors.Is(err, s3err.ErrMalformedPolicy) {
				t.Fatalf("error = %v, want MalformedPolicy", err)
			}
			if got := s3err.From(err).Message; got != tt.msg {
				t.Fatalf("message = %q, want %q", got, tt.msg)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	p := &Policy{Version: Version2012, Statement: []Statement{{
		Effect:    Allow,
		Principal: &Principal{All: true},
		Action:    Values{"s3:GetObject"},
		Resource:  Values{"arn:aws:s3:::b/<&>", "arn:aws:s3:::b"},
		Condition: Condition{"Bool": {"aws:SecureTransport": {"true"}}},
	}, {
		Effect:    Deny,
		Principal: &Principal{AWS: Values{"arn:aws:iam::1:root"}},
		Action:    Values{"s3:*"},
		Resource:  Values{"arn:aws:s3:::b/*"},
	}}}
	got, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/<&>","arn:aws:s3:::b"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}},` +
		`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`
	if string(got) != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"public-read.json", "conditions.json"} {
		p := readPolicy(t, name)
		doc, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(doc)
		if err != nil {
			t.Fatalf("Parse(Encode(%s)): %v\n%s", name, err, doc)
		}
		if !reflect.DeepEqual(back, p) {
			t.Fatalf("%s: round trip changed\n%+v\ninto\n%+v", name, p, back)
		}
	}
}

func TestIsPublic(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want bool
	}{
		{"anyone", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, true},
		{"AWS star", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}]}`, true},
		{"deny only", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, false},
		{"named principal", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, false},
		{"fixed source ip", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/32"}}}]}`, false},
		{"any source ip", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}]}`, true},
		{"wildcard account", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:SourceAccount":"1234*"}}}]}`, true},
		{"unrelated condition", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:prefix":"public/"}}}]}`, true},
		{"not principal", `{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, true},
	}
	for _, c := range cases {
		p, err := Parse([]byte(c.doc))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := p.IsPublic(); got != c.want {
			t.Errorf("%s: IsPublic %v, want %v", c.name, got, c.want)
		}
	}
	if (*Policy)(nil).IsPublic() {
		t.Error("a nil policy is public")
	}
}

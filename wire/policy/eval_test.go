package policy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kurastore/kura/s3err"
)

// The data-driven tests in testdata/eval/*.txt are a sequence of cases:
//
//	command key=value ...
//	input lines (optional)
//	----
//	expected output lines
//
// A blank line ends a case's expected output; lines starting with '#'
// between cases are comments. Values are %-decoded, so %20 is a space.
//
// Commands:
//
//	policy [name=N]              parse the input as the current policy (and
//	                             keep it as N); output "ok" or "error: msg"
//	canned NAME                  make Readonly() etc. current and keep it
//	                             as NAME; output its JSON
//	eval [policy=N] REQUEST      Evaluate (bucket policy); output allow,
//	                             deny or not-applicable
//	eval-identity [policy=N] REQUEST
//	                             EvaluateIdentity (Principal ignored)
//	evaluate-all identity=N,N bucket=N session=N REQUEST
//	                             EvaluateAll, then Narrow by the session
//	                             policy; output allow or deny
//	validate-identity            Parse and Validate the input; output "ok"
//	                             or the error message
//	mentions action=A prefix=P   MentionsKey(A, P) of the current policy:
//	                             output true or false
//	validate-bucket bucket=B     Parse and ValidateForBucket(B); output "ok"
//	                             or the error message
//
// REQUEST is key=value pairs: action, resource, principal, account and
// username set the Request's fields; any other key is a context key
// (lower-cased) and may repeat to give several values.

type evalCase struct {
	pos   string // file:line, for messages
	cmd   string
	args  []evalArg
	input string
	want  string
}

type evalArg struct{ key, value string }

func (c *evalCase) arg(key string) (string, bool) {
	for _, a := range c.args {
		if a.key == key {
			return a.value, true
		}
	}
	return "", false
}

// readEvalCases parses one testdata file.
func readEvalCases(t testing.TB, path string) []evalCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []evalCase
	var cur *evalCase
	var input, want []string
	inWant := false
	finish := func() {
		if cur != nil {
			cur.input, cur.want = strings.Join(input, "\n"), strings.Join(want, "\n")
			cases = append(cases, *cur)
		}
		cur, input, want, inWant = nil, nil, nil, false
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		switch {
		case cur == nil && (strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#")):
		case cur == nil:
			c := parseCommand(t, fmt.Sprintf("%s:%d", path, line), text)
			cur = &c
		case inWant && strings.TrimSpace(text) == "":
			finish()
		case inWant:
			want = append(want, text)
		case text == "----":
			inWant = true
		default:
			input = append(input, text)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil && !inWant {
		t.Fatalf("%s: case without ----", cur.pos)
	}
	finish()
	return cases
}

func parseCommand(t testing.TB, pos, line string) evalCase {
	t.Helper()
	fields := strings.Fields(line)
	c := evalCase{pos: pos, cmd: fields[0]}
	for _, field := range fields[1:] {
		key, value, _ := strings.Cut(field, "=")
		decoded, err := url.PathUnescape(value)
		if err != nil {
			t.Fatalf("%s: %v", pos, err)
		}
		c.args = append(c.args, evalArg{key, decoded})
	}
	return c
}

// commandArgs are the arguments that pick policies rather than describe
// the request.
var commandArgs = []string{"policy", "identity", "bucket", "session"}

func (c *evalCase) request() Request {
	var r Request
	for _, a := range c.args {
		switch a.key {
		case "action":
			r.Action = a.value
		case "resource":
			r.Resource = a.value
		case "principal":
			r.Principal = a.value
		case "account":
			r.Account = a.value
		case "username":
			r.Username = a.value
		default:
			if slices.Contains(commandArgs, a.key) {
				continue
			}
			if r.Conditions == nil {
				r.Conditions = map[string][]string{}
			}
			key := strings.ToLower(a.key)
			r.Conditions[key] = append(r.Conditions[key], a.value)
		}
	}
	return r
}

// evalEnv is the state a testdata file builds up.
type evalEnv struct {
	t        *testing.T
	current  *Policy
	policies map[string]*Policy
}

func (e *evalEnv) run(c *evalCase) string {
	switch c.cmd {
	case "policy":
		return e.parsePolicy(c)
	case "canned":
		return e.canned(c)
	case "eval":
		return e.eval(c, false)
	case "eval-identity":
		return e.eval(c, true)
	case "evaluate-all":
		return e.evaluateAll(c)
	case "validate-identity":
		return validateIdentity(c.input)
	case "mentions":
		action, _ := c.arg("action")
		prefix, _ := c.arg("prefix")
		return strconv.FormatBool(e.current.MentionsKey(action, prefix))
	case "validate-bucket":
		bucket, _ := c.arg("bucket")
		return validateBucket(c.input, bucket)
	}
	e.t.Fatalf("%s: unknown command %q", c.pos, c.cmd)
	return ""
}

func (e *evalEnv) parsePolicy(c *evalCase) string {
	p, err := Parse([]byte(c.input))
	if err != nil {
		return "error: " + s3err.From(err).Message
	}
	e.keep(c, p)
	return "ok"
}

var cannedPolicies = map[string]func() *Policy{
	"readonly":    Readonly,
	"readwrite":   Readwrite,
	"writeonly":   Writeonly,
	"diagnostics": Diagnostics,
}

func (e *evalEnv) canned(c *evalCase) string {
	name := c.args[0].key
	build, ok := cannedPolicies[name]
	if !ok {
		e.t.Fatalf("%s: no canned policy %q", c.pos, name)
	}
	p := build()
	e.policies[name], e.current = p, p
	doc, err := p.Encode()
	if err != nil {
		e.t.Fatal(err)
	}
	return string(doc)
}

func (e *evalEnv) keep(c *evalCase, p *Policy) {
	e.current = p
	if name, ok := c.arg("name"); ok {
		e.policies[name] = p
	}
}

func (e *evalEnv) policy(c *evalCase, name string) *Policy {
	if name == "" {
		return nil
	}
	p, ok := e.policies[name]
	if !ok {
		e.t.Fatalf("%s: no policy named %q", c.pos, name)
	}
	return p
}

// eval evaluates the current (or named) policy, checking on the way that
// the cached compiled form, a fresh one and a second call all agree.
func (e *evalEnv) eval(c *evalCase, identity bool) string {
	p := e.current
	if name, ok := c.arg("policy"); ok {
		p = e.policy(c, name)
	}
	if p == nil {
		e.t.Fatalf("%s: no policy", c.pos)
	}
	r := c.request()
	evaluate, evaluateCompiled := p.Evaluate, p.Compile().Evaluate
	if identity {
		evaluate, evaluateCompiled = p.EvaluateIdentity, p.Compile().EvaluateIdentity
	}
	d := evaluate(r)
	if again, fresh := evaluate(r), evaluateCompiled(r); again != d || fresh != d {
		e.t.Errorf("%s: decisions differ: %v, again %v, freshly compiled %v", c.pos, d, again, fresh)
	}
	return d.String()
}

func (e *evalEnv) evaluateAll(c *evalCase) string {
	var identity []*Policy
	if names, _ := c.arg("identity"); names != "" {
		for name := range strings.SplitSeq(names, ",") {
			identity = append(identity, e.policy(c, name))
		}
	}
	bucketName, _ := c.arg("bucket")
	sessionName, _ := c.arg("session")
	r := c.request()
	allowed := Narrow(EvaluateAll(r, identity, e.policy(c, bucketName)), e.policy(c, sessionName), r)
	if allowed {
		return "allow"
	}
	return "deny"
}

func validateIdentity(doc string) string {
	p, err := Parse([]byte(doc))
	if err == nil {
		err = p.Validate()
	}
	if err != nil {
		return s3err.From(err).Message
	}
	return "ok"
}

func validateBucket(doc, bucket string) string {
	p, err := Parse([]byte(doc))
	if err == nil {
		err = p.ValidateForBucket(bucket)
	}
	if err != nil {
		return s3err.From(err).Message
	}
	return "ok"
}

func evalFiles(t testing.TB) []string {
	files, err := filepath.Glob("testdata/eval/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/eval files: %v", err)
	}
	return files
}

func TestEvalData(t *testing.T) {
	for _, file := range evalFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			env := &evalEnv{t: t, policies: map[string]*Policy{}}
			for _, c := range readEvalCases(t, file) {
				if got := env.run(&c); got != c.want {
					t.Errorf("%s: %s\ngot:\n%s\nwant:\n%s", c.pos, c.cmd, got, c.want)
				}
			}
		})
	}
}

// TestOperatorsMatchValidator keeps the evaluator's operators and the
// validator's in step: what validation accepts, evaluation understands.
func TestOperatorsMatchValidator(t *testing.T) {
	if got, want := slices.Sorted(maps.Keys(operators)), slices.Sorted(maps.Keys(conditionOperators)); !slices.Equal(got, want) {
		t.Fatalf("operators\n%v\nvalidator's\n%v", got, want)
	}
	for base := range conditionOperators {
		for _, prefix := range []string{"", "ForAllValues:", "ForAnyValue:", "ForSomeValues:"} {
			for _, suffix := range []string{"", "IfExists", "ifexists"} {
				name := prefix + base + suffix
				_, _, _, ok := parseOperator(name)
				if ok != validOperator(name) {
					t.Errorf("%s: evaluator ok=%v, validator ok=%v", name, ok, validOperator(name))
				}
			}
		}
	}
}

func TestCannedPolicies(t *testing.T) {
	for name, build := range cannedPolicies {
		p := build()
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		p.Statement[0].Effect = Deny
		if build().Statement[0].Effect != Allow {
			t.Errorf("%s: changing one copy changed the next", name)
		}
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{NotApplicable: "not-applicable", Allowed: "allow", Denied: "deny", 7: "Decision(7)"} {
		if got := d.String(); got != want {
			t.Errorf("%d: %q, want %q", int(d), got, want)
		}
	}
}

func TestEvaluateNil(t *testing.T) {
	var p *Policy
	r := Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
	if p.Evaluate(r) != NotApplicable || p.EvaluateIdentity(r) != NotApplicable || p.Compile().Evaluate(r) != NotApplicable {
		t.Fatal("a nil policy decided something")
	}
	if EvaluateAll(r, []*Policy{nil}, nil) {
		t.Fatal("nil policies allowed a request")
	}
	if !Narrow(true, nil, r) || Narrow(false, Readwrite(), r) {
		t.Fatal("Narrow without a session policy changed the decision, or widened one")
	}
}

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func allowGet(resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"` + resource + `"}]}`
}

var globalPolicy = Policy{Version: Version2012, Statement: []Statement{{
	Effect: Allow, Principal: &Principal{All: true}, Action: Values{"s3:GetObject"}, Resource: Values{"arn:aws:s3:::global/*"},
}}}

// TestCompiledOnce checks that a policy keeps its compiled form and that
// policies keep theirs apart: two in one slice (sharing an allocation), a
// global, and many short-lived ones whose addresses the allocator reuses.
func TestCompiledOnce(t *testing.T) {
	get := func(resource string) Request {
		return Request{Action: "s3:GetObject", Resource: resource}
	}
	pair := make([]Policy, 2)
	for i, resource := range []string{"arn:aws:s3:::a/*", "arn:aws:s3:::b/*"} {
		if err := json.Unmarshal([]byte(allowGet(resource)), &pair[i]); err != nil {
			t.Fatal(err)
		}
	}
	if pair[0].Evaluate(get("arn:aws:s3:::a/k")) != Allowed || pair[1].Evaluate(get("arn:aws:s3:::a/k")) != NotApplicable {
		t.Fatal("policies in one slice share a compiled form")
	}
	//lint:ignore SA4000 the second call must return the first call's compiled form
	if pair[0].compiled() != pair[0].compiled() {
		t.Fatal("a policy was compiled twice")
	}
	if globalPolicy.Evaluate(get("arn:aws:s3:::global/k")) != Allowed {
		t.Fatal("global policy")
	}
	for i := range 2000 {
		bucket := fmt.Sprintf("bucket%d", i)
		p := mustParse(t, allowGet("arn:aws:s3:::"+bucket+"/*"))
		if p.Evaluate(get("arn:aws:s3:::"+bucket+"/k")) != Allowed {
			t.Fatalf("policy %d: a stale compiled form", i)
		}
		if i%500 == 0 {
			runtime.GC()
		}
	}
}

// TestCopiedPolicyCompilesItsOwn copies an evaluated policy the one way
// go vet lets pass, by reflection, and changes the copy: the copy must
// decide by its own statements, not by the form compiled for the original.
func TestCopiedPolicyCompilesItsOwn(t *testing.T) {
	get := func(resource string) Request {
		return Request{Action: "s3:GetObject", Resource: resource}
	}
	original := mustParse(t, allowGet("arn:aws:s3:::a/*"))
	if original.Evaluate(get("arn:aws:s3:::a/k")) != Allowed {
		t.Fatal("original")
	}
	var copied Policy
	reflect.ValueOf(&copied).Elem().Set(reflect.ValueOf(original).Elem())
	copied.Statement = slices.Clone(copied.Statement)
	copied.Statement[0].Resource = Values{"arn:aws:s3:::b/*"}
	if d := copied.Evaluate(get("arn:aws:s3:::a/k")); d != NotApplicable {
		t.Errorf("the copy, changed to bucket b, decided %v for bucket a", d)
	}
	if d := copied.Evaluate(get("arn:aws:s3:::b/k")); d != Allowed {
		t.Errorf("the copy decided %v for bucket b", d)
	}
	if d := original.Evaluate(get("arn:aws:s3:::a/k")); d != Allowed {
		t.Errorf("the original, after its copy was evaluated, decided %v", d)
	}
}

// TestEvaluateConcurrently is for the race detector.
func TestEvaluateConcurrently(t *testing.T) {
	shared := mustParse(t, allowGet("arn:aws:s3:::b/*"))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				own := mustParse(t, allowGet(fmt.Sprintf("arn:aws:s3:::g%d/*", g)))
				r := Request{Action: "s3:GetObject", Resource: fmt.Sprintf("arn:aws:s3:::g%d/%d", g, i)}
				if own.Evaluate(r) != Allowed || shared.Evaluate(r) != NotApplicable {
					t.Error("wrong decision")
					return
				}
			}
		}()
	}
	wg.Wait()
}

// benchPolicy is a bucket policy of the usual shape: public reads of a
// prefix, a team's full access, TLS required, and an IP allow list.
const benchPolicy = `{"Version":"2012-10-17","Statement":[
{"Sid":"DenyInsecure","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"],
 "Condition":{"Bool":{"aws:SecureTransport":"false"}}},
{"Sid":"DenyOutsideOffice","Effect":"Deny","Principal":"*","Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::photos/*",
 "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}},
{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::photos/public/*"},
{"Sid":"Team","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:user/bob"]},
 "Action":"s3:*","Resource":"arn:aws:s3:::photos/${aws:username}/*",
 "Condition":{"StringLike":{"s3:prefix":["${aws:username}/*",""]},"DateLessThan":{"aws:CurrentTime":"2100-01-01T00:00:00Z"}}}]}`

func benchRequest() Request {
	return Request{
		Action:    "s3:PutObject",
		Resource:  "arn:aws:s3:::photos/bob/2024/beach.jpg",
		Principal: "arn:aws:iam::111122223333:user/bob",
		Username:  "bob",
		Conditions: map[string][]string{
			"aws:securetransport": {"true"},
			"aws:sourceip":        {"192.0.2.44"},
			"aws:currenttime":     {"2025-06-01T12:00:00Z"},
			"s3:prefix":           {"bob/2024"},
		},
	}
}

func TestEvaluateDoesNotAllocate(t *testing.T) {
	p := mustParse(t, benchPolicy)
	c := p.Compile()
	r := benchRequest()
	if d := p.Evaluate(r); d != Allowed {
		t.Fatalf("bench request: %v", d)
	}
	identity := []*Policy{Readonly(), mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::*/secret/*"}]}`)}
	for name, f := range map[string]func(){
		"Compiled.Evaluate": func() { c.Evaluate(r) },
		"Policy.Evaluate":   func() { p.Evaluate(r) },
		"EvaluateAll":       func() { EvaluateAll(r, identity, p) },
	} {
		if n := fewestAllocs(f); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}

// fewestAllocs is testing.AllocsPerRun, which counts every allocation in
// the process, at its best of a few tries: the runtime may be allocating
// in the background.
func fewestAllocs(f func()) float64 {
	fewest := testing.AllocsPerRun(100, f)
	for range 4 {
		fewest = min(fewest, testing.AllocsPerRun(100, f))
	}
	return fewest
}

func BenchmarkEvaluate(b *testing.B) {
	p := mustParse(b, benchPolicy)
	r := benchRequest()
	b.Run("compiled", func(b *testing.B) {
		c := p.Compile()
		b.ReportAllocs()
		for b.Loop() {
			c.Evaluate(r)
		}
	})
	b.Run("policy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.Evaluate(r)
		}
	})
	b.Run("policy-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.Evaluate(r)
			}
		})
	})
	b.Run("evaluate-all", func(b *testing.B) {
		identity := []*Policy{Readonly(), Writeonly(), Diagnostics()}
		b.ReportAllocs()
		for b.Loop() {
			EvaluateAll(r, identity, p)
		}
	})
	b.Run("compile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.Compile()
		}
	})
}

// TestAbsentKeyForEveryOperator: a key the request lacks makes a
// condition false, except under a negated operator (StringNotEquals,
// NotIpAddress, ArnNotLike ...), where it makes it true; with IfExists
// it makes any operator's condition true.
func TestAbsentKeyForEveryOperator(t *testing.T) {
	values := map[string]string{"String": "v", "Numeric": "1", "Date": "2020-01-01T00:00:00Z", "Bool": "true",
		"Binary": "dg==", "IpAddress": "10.0.0.0/8", "NotIpAddress": "10.0.0.0/8", "Arn": "arn:aws:s3:::b"}
	valueFor := func(op string) string {
		for prefix, v := range values {
			if strings.HasPrefix(op, prefix) {
				return v
			}
		}
		t.Fatalf("no value for %s", op)
		return ""
	}
	for name, op := range operators {
		if op.null {
			continue
		}
		for _, suffix := range []string{"", "IfExists"} {
			p := &Policy{Version: Version2012, Statement: []Statement{{
				Effect: Allow, Principal: &Principal{All: true}, Action: Values{"s3:GetObject"}, Resource: Values{"arn:aws:s3:::b/*"},
				Condition: Condition{name + suffix: {"s3:absent": Values{valueFor(name)}}},
			}}}
			if err := p.ValidateForBucket("b"); err != nil {
				t.Fatalf("%s%s: %v", name, suffix, err)
			}
			got := p.Evaluate(Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Principal: "*"}) == Allowed
			if want := suffix == "IfExists" || op.negated; got != want {
				t.Errorf("%s%s with the key absent: holds %v, want %v", name, suffix, got, want)
			}
		}
	}
}

// TestDecodingIntoEvaluatedPolicy checks that a policy decoded anew
// decides by its new statements, not the form compiled for its old ones.
func TestDecodingIntoEvaluatedPolicy(t *testing.T) {
	p := mustParse(t, allowGet("arn:aws:s3:::a/*"))
	r := Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::a/k"}
	if p.Evaluate(r) != Allowed {
		t.Fatal("before decoding")
	}
	if err := json.Unmarshal([]byte(allowGet("arn:aws:s3:::b/*")), p); err != nil {
		t.Fatal(err)
	}
	if d := p.Evaluate(r); d != NotApplicable {
		t.Errorf("after decoding a policy for bucket b, bucket a is %v", d)
	}
}

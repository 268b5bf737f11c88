package policy

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Decision is what a policy says about a request.
type Decision int

// The three decisions. The zero value is NotApplicable, so a Decision
// nobody set grants nothing.
const (
	// NotApplicable: no statement applies, an implicit deny.
	NotApplicable Decision = iota
	// Allowed: an Allow statement applies and no Deny statement does.
	Allowed
	// Denied: a Deny statement applies, which overrides every Allow.
	Denied
)

func (d Decision) String() string {
	switch d {
	case NotApplicable:
		return "not-applicable"
	case Allowed:
		return "allow"
	case Denied:
		return "deny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Request is what evaluation knows about one request.
type Request struct {
	// Action is the operation, such as "s3:GetObject" or "admin:ServerInfo".
	Action string
	// Resource is the ARN acted on: "arn:aws:s3:::bucket" for a bucket,
	// "arn:aws:s3:::bucket/key" for an object. Calls on no single bucket
	// (ListAllMyBuckets, admin and STS calls) use "arn:aws:s3:::*", which
	// only whole-server patterns such as "arn:aws:s3:::*" match.
	Resource string
	// Principal is the caller's ARN or access key; "" or "*" for an
	// anonymous caller.
	Principal string
	// Service, when set, is the AWS service principal making the
	// request on its own behalf ("logging.s3.amazonaws.com"): only
	// "Service" principals naming it, and "*", cover it.
	Service string
	// Account is the caller's account, which account principals
	// ("123456789012", "arn:aws:iam::123456789012:root") name. It is also
	// the context key aws:principalaccount.
	Account string
	// Username is the caller's user name, the context key aws:username
	// (so the policy variable ${aws:username}). Empty when anonymous.
	Username string
	// Conditions are the other context keys, named in lower case
	// ("aws:sourceip", "s3:prefix", "s3:existingobjecttag/project"). A key
	// without values counts as absent.
	Conditions map[string][]string
}

func (r *Request) anonymous() bool {
	return r.Principal == "" || r.Principal == "*"
}

// contextValues are one context key's values. The keys a Request carries
// in fields are returned without building a slice, so that looking a key
// up never allocates.
type contextValues struct {
	list   []string
	one    string
	single bool
}

func (v contextValues) count() int {
	if v.single {
		return 1
	}
	return len(v.list)
}

func (v contextValues) at(i int) string {
	if v.single {
		return v.one
	}
	return v.list[i]
}

// values returns the values of the lower-case context key. The identity
// fields win over Conditions: they are what authentication established.
func (r *Request) values(key string) contextValues {
	switch key {
	case "aws:username":
		if r.Username != "" {
			return contextValues{one: r.Username, single: true}
		}
	case "aws:principalaccount":
		if r.Account != "" {
			return contextValues{one: r.Account, single: true}
		}
	}
	return contextValues{list: r.Conditions[key]}
}

// Evaluate decides a request under a resource-based policy, a bucket
// policy: a statement applies when its Principal (or NotPrincipal), action,
// resource and conditions all match the request. Any applicable Deny
// statement decides Denied; otherwise any applicable Allow decides Allowed;
// otherwise the result is NotApplicable.
//
// The policy is compiled on its first evaluation and the compiled form is
// reused for as long as the Policy lives, so a Policy must not be changed
// once evaluated; Compile a changed copy instead.
func (p *Policy) Evaluate(r Request) Decision {
	if p == nil {
		return NotApplicable
	}
	return p.compiled().Evaluate(r)
}

// EvaluateIdentity is Evaluate for an identity-based policy, one attached
// to a user, group or session: it is about its holder, so Principal and
// NotPrincipal are ignored.
func (p *Policy) EvaluateIdentity(r Request) Decision {
	if p == nil {
		return NotApplicable
	}
	return p.compiled().EvaluateIdentity(r)
}

// EvaluateAll decides a request the way AWS combines the policies of one
// account: an explicit Deny in any identity policy or the bucket policy
// refuses it; otherwise an Allow in any of them grants it; otherwise it is
// refused. bucket may be nil, as may any identity policy.
func EvaluateAll(r Request, identity []*Policy, bucket *Policy) bool {
	return Decide(r, identity, bucket) == Allowed
}

// Decide is EvaluateAll's decision, which tells an explicit Deny
// (Denied) from no applicable statement (NotApplicable), where other
// grants (S3 ACLs) may still allow.
func Decide(r Request, identity []*Policy, bucket *Policy) Decision {
	decision := NotApplicable
	for _, p := range identity {
		if decision = combine(decision, p.EvaluateIdentity(r)); decision == Denied {
			return Denied
		}
	}
	return combine(decision, bucket.Evaluate(r))
}

// combine merges the decisions of two policies: Denied beats Allowed,
// which beats NotApplicable.
func combine(a, b Decision) Decision {
	return max(a, b)
}

// Narrow applies a session policy (the policy passed to AssumeRole and its
// kin) to what the caller's own policies decided. A session policy only
// narrows: the request stays allowed if allowed was true and the session
// policy allows it too. A nil session policy narrows nothing.
func Narrow(allowed bool, session *Policy, r Request) bool {
	if !allowed || session == nil {
		return allowed
	}
	return session.EvaluateIdentity(r) == Allowed
}

// Compiled is a policy prepared for evaluation: its patterns parsed, its
// condition values converted and its statements split by effect. It is
// immutable and safe for concurrent use.
type Compiled struct {
	deny  []compiledStatement
	allow []compiledStatement
}

// Compile prepares p for evaluation. Statements that can never apply (an
// unknown effect or condition operator, no action, both Action and
// NotAction, both Resource and NotResource) are left out: such a statement
// neither allows nor denies. Validation refuses all of them, so only
// policies built in Go without validating meet this.
func (p *Policy) Compile() *Compiled {
	c := &Compiled{}
	if p == nil {
		return c
	}
	variables := p.Version == Version2012
	for i := range p.Statement {
		s, ok := compileStatement(&p.Statement[i], variables)
		switch {
		case !ok:
		case s.deny:
			c.deny = append(c.deny, s)
		default:
			c.allow = append(c.allow, s)
		}
	}
	return c
}

// Evaluate is Policy.Evaluate for the compiled policy.
func (c *Compiled) Evaluate(r Request) Decision {
	return c.decide(&r, true)
}

// EvaluateIdentity is Policy.EvaluateIdentity for the compiled policy.
func (c *Compiled) EvaluateIdentity(r Request) Decision {
	return c.decide(&r, false)
}

// decide looks at the Deny statements first, so that it can stop at the
// first applicable statement either way.
func (c *Compiled) decide(r *Request, byPrincipal bool) Decision {
	for i := range c.deny {
		if c.deny[i].applies(r, byPrincipal) {
			return Denied
		}
	}
	for i := range c.allow {
		if c.allow[i].applies(r, byPrincipal) {
			return Allowed
		}
	}
	return NotApplicable
}

// compiledStatement is a Statement ready for matching.
type compiledStatement struct {
	deny       bool
	principal  principalMatcher
	actions    patternSet
	resources  patternSet
	conditions []conditionBlock
}

func compileStatement(s *Statement, variables bool) (compiledStatement, bool) {
	out := compiledStatement{deny: s.Effect == Deny, principal: compilePrincipal(s)}
	if s.Effect != Allow && s.Effect != Deny {
		return out, false
	}
	// Actions are case-insensitive and take no policy variables.
	actions, ok := compileElement(s.Action, s.NotAction, patternOptions{wildcards: true, fold: true})
	if !ok || len(s.Action)+len(s.NotAction) == 0 {
		return out, false
	}
	// No Resource element at all (identity statements for admin and STS
	// actions) leaves resources unconstrained: an empty NotResource.
	resources, ok := compileElement(s.Resource, s.NotResource, patternOptions{wildcards: true, variables: variables})
	if !ok {
		return out, false
	}
	conditions, ok := compileConditions(s.Condition, variables)
	if !ok {
		return out, false
	}
	out.actions, out.resources, out.conditions = actions, resources, conditions
	return out, true
}

// applies reports whether the statement is about r. Actions are checked
// first: they are the cheapest test and the one most often failing.
func (s *compiledStatement) applies(r *Request, byPrincipal bool) bool {
	return s.actions.matches(r.Action, r) &&
		(!byPrincipal || s.principal.matches(r)) &&
		s.resources.matches(r.Resource, r) &&
		conditionsHold(s.conditions, r)
}

// patternSet is an Action or Resource element (matching what any pattern
// matches) or its Not form (matching what no pattern matches).
type patternSet struct {
	patterns []pattern
	negated  bool
}

// compileElement compiles an element pair such as Action/NotAction. Having
// both is not ok; having neither gives an empty NotAction, which matches
// everything.
func compileElement(positive, negative Values, opt patternOptions) (patternSet, bool) {
	if len(positive) > 0 && len(negative) > 0 {
		return patternSet{}, false
	}
	set := patternSet{negated: len(positive) == 0}
	for _, v := range slices.Concat(positive, negative) {
		set.patterns = append(set.patterns, compilePattern(v, opt))
	}
	return set, true
}

func (ps *patternSet) matches(s string, r *Request) bool {
	for i := range ps.patterns {
		if ps.patterns[i].matches(s, r) {
			return !ps.negated
		}
	}
	return ps.negated
}

// principalMatcher is a statement's Principal or NotPrincipal.
type principalMatcher struct {
	everyone bool
	ids      []principalID
	services []string // "Service" principals
	negated  bool     // NotPrincipal
	valid    bool     // exactly one of Principal and NotPrincipal
}

// principalID is one AWS principal. Account principals, given as the
// account ID or as its root user's ARN, name every caller of the account.
type principalID struct {
	id      string
	rootARN string
	account string
}

func compilePrincipal(s *Statement) principalMatcher {
	p, negated := s.Principal, false
	if p == nil {
		p, negated = s.NotPrincipal, true
	}
	m := principalMatcher{negated: negated, valid: (s.Principal == nil) != (s.NotPrincipal == nil)}
	if !m.valid {
		return m
	}
	m.everyone = p.All
	m.services = p.Service
	for _, id := range p.AWS {
		if id == "*" {
			m.everyone = true
		}
		m.ids = append(m.ids, compilePrincipalID(id))
	}
	return m
}

const (
	iamARNPrefix = "arn:aws:iam::"
	rootSuffix   = ":root"
)

func compilePrincipalID(id string) principalID {
	if isAccountID(id) {
		return principalID{id: id, rootARN: iamARNPrefix + id + rootSuffix, account: id}
	}
	if rest, ok := strings.CutPrefix(id, iamARNPrefix); ok {
		if account, ok := strings.CutSuffix(rest, rootSuffix); ok && account != "" && !strings.Contains(account, ":") {
			return principalID{id: id, rootARN: id, account: account}
		}
	}
	return principalID{id: id}
}

// isAccountID reports whether id is a 12-digit AWS account ID.
func isAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := range len(id) {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// matches reports whether the statement's principal element covers the
// caller. Only "*" covers anonymous callers; principal names are exact,
// AWS having no wildcards in them.
func (m *principalMatcher) matches(r *Request) bool {
	if !m.valid {
		return false
	}
	return m.names(r) != m.negated
}

func (m *principalMatcher) names(r *Request) bool {
	if m.everyone {
		return true
	}
	if r.Service != "" {
		return slices.Contains(m.services, r.Service)
	}
	if r.anonymous() {
		return false
	}
	for i := range m.ids {
		if m.ids[i].names(r) {
			return true
		}
	}
	return false
}

func (id *principalID) names(r *Request) bool {
	if r.Principal == id.id {
		return true
	}
	return id.account != "" && (r.Account == id.account || r.Principal == id.rootARN)
}

// sortedKeys returns a map's keys in order, so that compiling the same
// policy twice gives the same compiled form.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// compiledPolicy is a Policy's compiled form, with the Policy it was
// compiled from.
type compiledPolicy struct {
	from     *Policy
	compiled *Compiled
}

// compiled returns p's compiled form, compiling it on first use.
// Concurrent first uses may each compile; one result is kept, and all of
// them are the same. A form compiled from another Policy (p is a copy of
// an evaluated one, which go vet reports but reflection can make) is not
// trusted: p may have been changed since.
func (p *Policy) compiled() *Compiled {
	if c := p.compiledForm.Load(); c != nil && c.from == p {
		return c.compiled
	}
	fresh := &compiledPolicy{from: p, compiled: p.Compile()}
	for {
		old := p.compiledForm.Load()
		if old != nil && old.from == p {
			return old.compiled // another goroutine got here first
		}
		if p.compiledForm.CompareAndSwap(old, fresh) {
			return fresh.compiled
		}
	}
}

// patternOptions say how a policy string is read as a pattern.
type patternOptions struct {
	wildcards bool // '*' matches any run of characters, '?' any one
	variables bool // ${key} is replaced by the request's value of key
	fold      bool // letters match regardless of case
}

// pattern is a compiled policy string: literal text, wildcards and policy
// variables. Variables are resolved while matching, so that matching never
// builds strings, and their values are literal text: a user named "*"
// matches only "*".
type pattern struct {
	tokens []token
	fold   bool
	// broken marks a malformed variable ("${", "${}", a bad default),
	// which AWS cannot resolve: the pattern matches nothing.
	broken bool
}

type tokenKind uint8

const (
	literalToken  tokenKind = iota
	variableToken           // text is the lower-case key
	anyRunToken             // '*'
	anyCharToken            // '?'
)

type token struct {
	kind       tokenKind
	text       string
	fallback   string // a variable's default value, when hasDefault
	hasDefault bool
}

// compilePattern splits s into tokens, merging adjacent literal text. With
// variables, ${*}, ${?} and ${$} stand for literal '*', '?' and '$'.
func compilePattern(s string, opt patternOptions) pattern {
	p := pattern{fold: opt.fold}
	var literal strings.Builder
	flush := func() {
		if literal.Len() > 0 {
			p.tokens = append(p.tokens, token{kind: literalToken, text: literal.String()})
			literal.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case opt.wildcards && (c == '*' || c == '?'):
			flush()
			p.addWildcard(c)
			i++
		case opt.variables && strings.HasPrefix(s[i:], "${"):
			v, n, ok := parseVariable(s[i:])
			if !ok {
				return pattern{broken: true}
			}
			if v.kind == literalToken {
				literal.WriteString(v.text)
			} else {
				flush()
				p.tokens = append(p.tokens, v)
			}
			i += n
		default:
			literal.WriteByte(c)
			i++
		}
	}
	flush()
	return p
}

// addWildcard appends a '*' or '?'; a run of '*' is one '*'.
func (p *pattern) addWildcard(c byte) {
	kind := anyCharToken
	if c == '*' {
		kind = anyRunToken
		if n := len(p.tokens); n > 0 && p.tokens[n-1].kind == anyRunToken {
			return
		}
	}
	p.tokens = append(p.tokens, token{kind: kind})
}

// parseVariable reads the variable at the start of s ("${key}" or
// "${key, 'default'}", where a doubled quote in the default is one quote)
// and returns it with its length. Spaces around the key and the default are ignored.
func parseVariable(s string) (token, int, bool) {
	body := s[len("${"):]
	end := strings.IndexAny(body, ",}")
	if end < 0 {
		return token{}, 0, false
	}
	key := strings.TrimSpace(body[:end])
	if key == "" {
		return token{}, 0, false
	}
	v := variableOrEscape(key)
	if body[end] == '}' {
		return v, len("${") + end + 1, true
	}
	rest := strings.TrimLeft(body[end+1:], " ")
	fallback, n, ok := parseQuoted(rest)
	if !ok {
		return token{}, 0, false
	}
	after := strings.TrimLeft(rest[n:], " ")
	if !strings.HasPrefix(after, "}") {
		return token{}, 0, false
	}
	if v.kind == variableToken {
		v.fallback, v.hasDefault = fallback, true
	}
	return v, len(s) - len(after) + 1, true
}

// variableOrEscape makes the token for a variable's key: the escapes
// ${*}, ${?} and ${$} are literal characters, anything else a context key.
func variableOrEscape(key string) token {
	switch key {
	case "*", "?", "$":
		return token{kind: literalToken, text: key}
	}
	return token{kind: variableToken, text: strings.ToLower(key)}
}

// parseQuoted reads a single-quoted string at the start of s, where a
// doubled quote stands for one, and returns its value and length.
func parseQuoted(s string) (string, int, bool) {
	if !strings.HasPrefix(s, "'") {
		return "", 0, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return "", 0, false
}

// resolve returns a literal's text or a variable's value. A variable needs
// exactly one value (AWS does not substitute multivalued keys) or else a
// default.
func (t *token) resolve(r *Request) (string, bool) {
	if t.kind == literalToken {
		return t.text, true
	}
	if v := r.values(t.text); v.count() == 1 {
		return v.at(0), true
	}
	return t.fallback, t.hasDefault
}

// matches reports whether the whole of s matches the pattern. It is the
// classic glob matcher: on a mismatch it backtracks to the last '*' and
// lets that '*' swallow one more character, which is enough because any
// later '*' could only have matched within what that one now covers.
func (p *pattern) matches(s string, r *Request) bool {
	if p.broken {
		return false
	}
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(p.tokens) {
			if n, ok := p.matchToken(ti, s[si:], r); ok {
				if p.tokens[ti].kind == anyRunToken {
					starTi, starSi = ti, si
				}
				ti, si = ti+1, si+n
				continue
			}
		} else if si == len(s) || (starTi >= 0 && starTi == len(p.tokens)-1) {
			return true // all matched, or a trailing '*' takes the rest
		}
		if starTi < 0 || starSi == len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, si = starTi+1, starSi
	}
}

// matchToken matches token ti against the start of s and returns the
// length it covers; '*' covers nothing until backtracking grows it.
func (p *pattern) matchToken(ti int, s string, r *Request) (int, bool) {
	t := &p.tokens[ti]
	switch t.kind {
	case anyRunToken:
		return 0, true
	case anyCharToken:
		if s == "" {
			return 0, false
		}
		_, n := utf8.DecodeRuneInString(s)
		return n, true
	}
	text, ok := t.resolve(r)
	if !ok {
		return 0, false
	}
	if p.fold {
		return prefixFold(s, text)
	}
	if strings.HasPrefix(s, text) {
		return len(text), true
	}
	return 0, false
}

// prefixFold matches prefix against the start of s regardless of case and
// returns the length it covers in s, which may differ from len(prefix)
// when the two spell a letter's cases in different UTF-8 lengths.
func prefixFold(s, prefix string) (int, bool) {
	i := 0
	for j := 0; j < len(prefix); {
		if i >= len(s) {
			return 0, false
		}
		// ASCII, which action names are, needs no decoding.
		if a, b := s[i], prefix[j]; a < utf8.RuneSelf && b < utf8.RuneSelf {
			if lowerASCII(a) != lowerASCII(b) {
				return 0, false
			}
			i, j = i+1, j+1
			continue
		}
		a, na := utf8.DecodeRuneInString(s[i:])
		b, nb := utf8.DecodeRuneInString(prefix[j:])
		if !sameLetter(a, na, s[i], b, nb, prefix[j]) {
			return 0, false
		}
		i, j = i+na, j+nb
	}
	return i, true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// sameLetter compares two decoded runes regardless of case. Bytes that
// are not UTF-8 only match themselves.
func sameLetter(a rune, na int, aByte byte, b rune, nb int, bByte byte) bool {
	if (a == utf8.RuneError && na == 1) || (b == utf8.RuneError && nb == 1) {
		return na == nb && aByte == bByte
	}
	return foldEqual(a, b)
}

func foldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	if a > b {
		a, b = b, a
	}
	if b < utf8.RuneSelf {
		return 'A' <= a && a <= 'Z' && b == a+'a'-'A'
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

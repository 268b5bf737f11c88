package policy

import (
	"cmp"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// A statement's Condition holds when every operator block holds; a block
// holds when every key in it holds; a key holds when a request value
// matches one of the policy's values (for a Not... operator: matches none).

// conditionBlock is one operator of a Condition with its keys, compiled.
type conditionBlock struct {
	negated  bool // a Not... operator
	ifExists bool // an ...IfExists operator: an absent key holds
	null     bool // the Null operator
	set      setQualifier
	keys     []conditionKey
}

// setQualifier is a ForAnyValue: or ForAllValues: prefix, which compares
// each of a multivalued key's request values on its own.
type setQualifier uint8

const (
	singleValue setQualifier = iota
	forAnyValue
	forAllValues
)

// conditionKey is a context key and the policy's values for it.
type conditionKey struct {
	name   string // lower case: key names are case-insensitive
	values []conditionValue
	// For Null, which says whether the key may be absent or present.
	holdsIfAbsent, holdsIfPresent bool
}

// conditionValue is one compiled policy value, of the type its operator
// compares. It is a struct rather than an interface so that matching
// calls are static and the Request they pass stays on the stack.
type conditionValue struct {
	kind   valueKind
	cmp    comparison   // numberValue, dateValue
	text   pattern      // stringValue
	arn    []pattern    // arnValue: the six parts
	number float64      // numberValue
	date   time.Time    // dateValue
	prefix netip.Prefix // ipValue
	truth  bool         // boolValue
	binary string       // binaryValue
}

type valueKind uint8

const (
	// neverValue is a value that cannot be read as its operator's type (a
	// number that is not one, a bad CIDR); it matches nothing.
	neverValue valueKind = iota
	stringValue
	numberValue
	dateValue
	boolValue
	binaryValue
	ipValue
	arnValue
)

// matches compares one request value with the policy value.
func (c *conditionValue) matches(v string, r *Request) bool {
	switch c.kind {
	case stringValue:
		return c.text.matches(v, r)
	case numberValue:
		return c.matchesNumber(v)
	case dateValue:
		return c.matchesDate(v)
	case boolValue:
		b, ok := parseBool(v)
		return ok && b == c.truth
	case binaryValue:
		return v == c.binary
	case ipValue:
		return c.matchesIP(v)
	case arnValue:
		return c.matchesARN(v, r)
	}
	return false
}

// operator is a base condition operator.
type operator struct {
	negated bool
	null    bool
	// compile reads a policy value as the operator's type; variables says whether
	// the policy's version has policy variables.
	compile func(value string, variables bool) conditionValue
}

// operators are the base operators. ArnEquals and ArnLike are the same
// operator in AWS: both take wildcards in each ARN component.
var operators = map[string]operator{
	"StringEquals":              {compile: stringOperator(patternOptions{})},
	"StringNotEquals":           {negated: true, compile: stringOperator(patternOptions{})},
	"StringEqualsIgnoreCase":    {compile: stringOperator(patternOptions{fold: true})},
	"StringNotEqualsIgnoreCase": {negated: true, compile: stringOperator(patternOptions{fold: true})},
	"StringLike":                {compile: stringOperator(patternOptions{wildcards: true})},
	"StringNotLike":             {negated: true, compile: stringOperator(patternOptions{wildcards: true})},
	"NumericEquals":             {compile: numericOperator(equal)},
	"NumericNotEquals":          {negated: true, compile: numericOperator(equal)},
	"NumericLessThan":           {compile: numericOperator(less)},
	"NumericLessThanEquals":     {compile: numericOperator(lessOrEqual)},
	"NumericGreaterThan":        {compile: numericOperator(greater)},
	"NumericGreaterThanEquals":  {compile: numericOperator(greaterOrEqual)},
	"DateEquals":                {compile: dateOperator(equal)},
	"DateNotEquals":             {negated: true, compile: dateOperator(equal)},
	"DateLessThan":              {compile: dateOperator(less)},
	"DateLessThanEquals":        {compile: dateOperator(lessOrEqual)},
	"DateGreaterThan":           {compile: dateOperator(greater)},
	"DateGreaterThanEquals":     {compile: dateOperator(greaterOrEqual)},
	"Bool":                      {compile: compileBool},
	"BinaryEquals":              {compile: compileBinary},
	"IpAddress":                 {compile: compileIP},
	"NotIpAddress":              {negated: true, compile: compileIP},
	"ArnEquals":                 {compile: compileARN},
	"ArnLike":                   {compile: compileARN},
	"ArnNotEquals":              {negated: true, compile: compileARN},
	"ArnNotLike":                {negated: true, compile: compileARN},
	"Null":                      {null: true},
}

// parseOperator splits a condition operator into its set qualifier, base
// operator and IfExists suffix. Null takes no IfExists.
func parseOperator(name string) (op operator, set setQualifier, ifExists, ok bool) {
	if rest, found := strings.CutPrefix(name, "ForAllValues:"); found {
		set, name = forAllValues, rest
	} else if rest, found := strings.CutPrefix(name, "ForAnyValue:"); found {
		set, name = forAnyValue, rest
	}
	if base, found := strings.CutSuffix(name, "IfExists"); found {
		ifExists, name = true, base
	}
	op, ok = operators[name]
	if op.null && ifExists {
		ok = false
	}
	return op, set, ifExists, ok
}

// compileConditions compiles a Condition; an unknown operator is not ok,
// and makes its statement never apply.
func compileConditions(c Condition, variables bool) ([]conditionBlock, bool) {
	var blocks []conditionBlock
	for _, name := range sortedKeys(c) {
		op, set, ifExists, ok := parseOperator(name)
		if !ok {
			return nil, false
		}
		block := conditionBlock{negated: op.negated, ifExists: ifExists, null: op.null, set: set}
		for _, key := range sortedKeys(c[name]) {
			block.keys = append(block.keys, compileKey(op, key, c[name][key], variables))
		}
		blocks = append(blocks, block)
	}
	return blocks, true
}

func compileKey(op operator, name string, values Values, variables bool) conditionKey {
	k := conditionKey{name: strings.ToLower(name)}
	for _, v := range values {
		if op.null {
			// "true": the key must be absent; "false": present.
			b, ok := parseBool(v)
			k.holdsIfAbsent = k.holdsIfAbsent || (ok && b)
			k.holdsIfPresent = k.holdsIfPresent || (ok && !b)
			continue
		}
		k.values = append(k.values, op.compile(v, variables))
	}
	return k
}

func conditionsHold(blocks []conditionBlock, r *Request) bool {
	for i := range blocks {
		if !blocks[i].holds(r) {
			return false
		}
	}
	return true
}

func (b *conditionBlock) holds(r *Request) bool {
	for i := range b.keys {
		if !b.keyHolds(&b.keys[i], r) {
			return false
		}
	}
	return true
}

// keyHolds applies AWS's rules for a key the request may lack or have
// several values of:
//   - Null looks only at whether the key is there.
//   - ForAllValues holds when every request value matches, so also when
//     there are none.
//   - ForAnyValue holds when some request value matches, so not when
//     there are none, unless IfExists.
//   - Otherwise an absent key holds for IfExists and for negated
//     operators, and a present one holds when some request value matches
//     some policy value (negated: none does).
func (b *conditionBlock) keyHolds(k *conditionKey, r *Request) bool {
	values := r.values(k.name)
	n := values.count()
	if b.null {
		if n == 0 {
			return k.holdsIfAbsent
		}
		return k.holdsIfPresent
	}
	switch b.set {
	case forAllValues:
		for i := range n {
			if k.matchesAny(values.at(i), r) == b.negated {
				return false
			}
		}
		return true
	case forAnyValue:
		if n == 0 {
			return b.ifExists
		}
		for i := range n {
			if k.matchesAny(values.at(i), r) != b.negated {
				return true
			}
		}
		return false
	}
	if n == 0 {
		return b.ifExists || b.negated
	}
	for i := range n {
		if k.matchesAny(values.at(i), r) {
			return !b.negated
		}
	}
	return b.negated
}

func (k *conditionKey) matchesAny(v string, r *Request) bool {
	for i := range k.values {
		if k.values[i].matches(v, r) {
			return true
		}
	}
	return false
}

// stringOperator compiles String... operator values. They take policy
// variables; only ...Like operators take wildcards.
func stringOperator(opt patternOptions) func(string, bool) conditionValue {
	return func(v string, variables bool) conditionValue {
		opt := opt
		opt.variables = variables
		return conditionValue{kind: stringValue, text: compilePattern(v, opt)}
	}
}

// comparison is how a request value must compare with a policy value.
type comparison uint8

const (
	equal comparison = iota
	less
	lessOrEqual
	greater
	greaterOrEqual
)

// holds reports whether order, a cmp.Compare(request, policy) result,
// satisfies the comparison.
func (c comparison) holds(order int) bool {
	switch c {
	case equal:
		return order == 0
	case less:
		return order < 0
	case lessOrEqual:
		return order <= 0
	case greater:
		return order > 0
	default:
		return order >= 0
	}
}

func numericOperator(c comparison) func(string, bool) conditionValue {
	return func(v string, _ bool) conditionValue {
		n, ok := parseNumber(v)
		if !ok {
			return conditionValue{}
		}
		return conditionValue{kind: numberValue, cmp: c, number: n}
	}
}

func (c *conditionValue) matchesNumber(v string) bool {
	n, ok := parseNumber(v)
	return ok && c.cmp.holds(cmp.Compare(n, c.number))
}

// parseNumber reads an integer or decimal; NaN and infinities are no
// numbers a request or policy means.
func parseNumber(s string) (float64, bool) {
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

func dateOperator(c comparison) func(string, bool) conditionValue {
	return func(v string, _ bool) conditionValue {
		t, ok := parseDate(v)
		if !ok {
			return conditionValue{}
		}
		return conditionValue{kind: dateValue, cmp: c, date: t}
	}
}

func (c *conditionValue) matchesDate(v string) bool {
	t, ok := parseDate(v)
	return ok && c.cmp.holds(t.Compare(c.date))
}

// dateLayouts are the ISO 8601 forms policies write dates in; a date
// without a zone is UTC.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02"}

// parseDate reads an ISO 8601 date or a count of seconds since the Unix
// epoch (aws:EpochTime), as date operators accept both.
func parseDate(s string) (time.Time, bool) {
	if isInteger(s) {
		secs, err := strconv.ParseInt(s, 10, 64)
		return time.Unix(secs, 0), err == nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func compileBool(v string, _ bool) conditionValue {
	b, ok := parseBool(v)
	if !ok {
		return conditionValue{}
	}
	return conditionValue{kind: boolValue, truth: b}
}

// parseBool reads "true" or "false" in any case.
func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// compileBinary keeps a BinaryEquals value, compared as base64 text.
func compileBinary(v string, _ bool) conditionValue {
	return conditionValue{kind: binaryValue, binary: v}
}

// compileIP reads an IpAddress value: a CIDR block, or one address.
func compileIP(v string, _ bool) conditionValue {
	p, ok := parsePrefix(v)
	if !ok {
		return conditionValue{}
	}
	return conditionValue{kind: ipValue, prefix: p}
}

func (c *conditionValue) matchesIP(v string) bool {
	a, err := netip.ParseAddr(v)
	if err != nil {
		return false
	}
	return c.prefix.Contains(a.Unmap().WithZone(""))
}

// parsePrefix reads a CIDR block or a single address. IPv4-mapped IPv6
// blocks become IPv4 ones, as request addresses are unmapped too.
func parsePrefix(s string) (netip.Prefix, bool) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// An Arn... value matches each of the six colon-separated parts of an
// ARN on its own, so a '*' in one never spans a colon, except in the last
// part (the resource), which may contain colons.
const arnParts = 6

func compileARN(v string, variables bool) conditionValue {
	parts, ok := splitARN(v, variables)
	if !ok {
		return conditionValue{}
	}
	c := conditionValue{kind: arnValue, arn: make([]pattern, arnParts)}
	for i, part := range parts {
		c.arn[i] = compilePattern(part, patternOptions{wildcards: true, variables: variables})
	}
	return c
}

func (c *conditionValue) matchesARN(v string, r *Request) bool {
	for i := range arnParts - 1 {
		part, rest, ok := strings.Cut(v, ":")
		if !ok || !c.arn[i].matches(part, r) {
			return false
		}
		v = rest
	}
	return c.arn[arnParts-1].matches(v, r)
}

// splitARN splits a policy's ARN into its six parts. The colons of policy
// variables (${aws:username}) do not split.
func splitARN(s string, variables bool) ([arnParts]string, bool) {
	var parts [arnParts]string
	n, start := 0, 0
	for i := 0; i < len(s) && n < arnParts-1; {
		switch {
		case variables && strings.HasPrefix(s[i:], "${"):
			_, length, ok := parseVariable(s[i:])
			if !ok {
				return parts, false
			}
			i += length
		case s[i] == ':':
			parts[n] = s[start:i]
			n, start = n+1, i+1
			i++
		default:
			i++
		}
	}
	if n < arnParts-1 {
		return parts, false
	}
	parts[n] = s[start:]
	return parts, true
}

package sql

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Object is a JSON object whose members keep the document's order.
type Object struct {
	Keys   []string
	Values []any
}

// Get returns the value of the first member called name. Unless
// caseSensitive, names are matched ignoring case, as S3 Select matches
// unquoted identifiers.
func (o *Object) Get(name string, caseSensitive bool) (any, bool) {
	if o == nil {
		return nil, false
	}
	for i, k := range o.Keys {
		if k == name || !caseSensitive && strings.EqualFold(k, name) {
			return o.Values[i], true
		}
	}
	return nil, false
}

// kind is the type of a value during evaluation.
type kind uint8

const (
	kMissing kind = iota // absent: no such column or path
	kNull
	kBool
	kInt
	kFloat
	kString
	kTime
	kList   // []any
	kObject // *Object
)

var kindNames = [...]string{"MISSING", "NULL", "BOOL", "INT", "FLOAT", "STRING", "TIMESTAMP", "LIST", "STRUCT"}

func (k kind) String() string { return kindNames[k] }

// value is one SQL value. It is passed by value so that evaluating a row
// allocates nothing for numbers, booleans and strings. x holds the boxed
// form when there is one already (a value read from the record, a list,
// an object, a timestamp) so that handing it back out costs nothing.
type value struct {
	k kind
	i int64 // kInt; kBool as 0/1; kFloat's bits (see flt)
	s string
	x any
}

var (
	missingV = value{k: kMissing}
	nullV    = value{k: kNull}
	trueV    = value{k: kBool, i: 1}
	falseV   = value{k: kBool}
)

func boolV(b bool) value {
	if b {
		return trueV
	}
	return falseV
}

func intV(i int64) value     { return value{k: kInt, i: i} }
func floatV(f float64) value { return value{k: kFloat, i: int64(math.Float64bits(f))} }
func strV(s string) value    { return value{k: kString, s: s} }
func timeV(t time.Time) value {
	return value{k: kTime, x: t}
}

// flt is a kFloat's number. Its bits share i with the other kinds'
// numbers: a smaller value is copied faster, and values are copied at
// every node.
func (v value) flt() float64 { return math.Float64frombits(uint64(v.i)) }

func (v value) isAbsent() bool { return v.k <= kNull }
func (v value) truth() bool    { return v.k == kBool && v.i != 0 }
func (v value) time() time.Time {
	t, _ := v.x.(time.Time)
	return t
}

// fromAny turns a record's value into a value, keeping the box.
func fromAny(a any) value {
	switch t := a.(type) {
	case nil:
		return nullV
	case string:
		return value{k: kString, s: t, x: a}
	case int64:
		return value{k: kInt, i: t, x: a}
	case float64:
		return value{k: kFloat, i: int64(math.Float64bits(t)), x: a}
	case bool:
		v := boolV(t)
		v.x = a
		return v
	case int:
		return value{k: kInt, i: int64(t), x: a}
	case time.Time:
		return value{k: kTime, x: a}
	case []any:
		return value{k: kList, x: a}
	case *Object:
		return value{k: kObject, x: a}
	}
	return missingV
}

// toAny is the value as a Go value for output rows.
func (v value) toAny() any {
	if v.x != nil {
		return v.x
	}
	switch v.k {
	case kBool:
		return v.i != 0
	case kInt:
		return v.i
	case kFloat:
		return v.flt()
	case kString:
		return v.s
	}
	return nil
}

// number returns v as a number. Strings that spell a number count: CSV
// fields are always strings, and S3 Select compares "30" with 25 as
// numbers.
func (v value) number() (value, bool) {
	switch v.k {
	case kInt, kFloat:
		return v, true
	case kString:
		return parseNumber(v.s)
	}
	return v, false
}

// parseNumber reads a decimal integer or floating-point number. It
// checks the syntax itself first: strconv's errors allocate, and most
// strings compared with numbers are not numbers. Hex, underscores, Inf
// and NaN, which strconv accepts, are not numbers here.
func parseNumber(s string) (value, bool) {
	if v, ok := parseShortNumber(s); ok {
		return v, true
	}
	return parseAnyNumber(s)
}

// parseAnyNumber is parseNumber for every form: spaces around, exponents,
// long digit strings.
func parseAnyNumber(s string) (value, bool) {
	s = strings.TrimSpace(s)
	integer, ok := decimalSyntax(s)
	if !ok {
		return missingV, false
	}
	if integer {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return intV(i), true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil { // beyond float64's range
		return missingV, false
	}
	return floatV(f), true
}

// exactPow10 are the powers of ten a float64 holds exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseShortNumber reads the numbers most fields hold, [+-]digits
// [.digits] without spaces or exponent, in one pass: integers of up to
// 18 digits, and decimals of up to 15 digits, which a float64 holds
// exactly as digits/10^n. One IEEE division of two exact values is
// correctly rounded, so the result is strconv.ParseFloat's to the bit.
// Anything else is false, for parseNumber's general path.
func parseShortNumber(s string) (value, bool) {
	i := 0
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i++
	}
	var m uint64
	digits, frac := 0, -1 // frac: digits after the point, -1 before it
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits++; digits > 18 {
				return missingV, false
			}
			m = m*10 + uint64(c-'0')
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0:
			frac = 0
		default:
			return missingV, false
		}
	}
	switch {
	case digits == 0:
		return missingV, false
	case frac < 0:
		n := int64(m)
		if neg {
			n = -n
		}
		return intV(n), true
	case digits > 15:
		return missingV, false
	}
	f := float64(m) / exactPow10[frac]
	if neg {
		f = -f
	}
	return floatV(f), true
}

// decimalSyntax reports whether s is [+-]digits[.digits][(e|E)[+-]digits]
// with at least one digit before the exponent, and whether it is an
// integer (no point, no exponent).
func decimalSyntax(s string) (integer, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	integer = true
	if i < len(s) && s[i] == '.' {
		integer = false
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		integer = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
		if i == exp {
			return false, false
		}
	}
	return integer, i == len(s)
}

func (v value) float() float64 {
	if v.k == kInt {
		return float64(v.i)
	}
	return v.flt()
}

// compare orders a and b, which are neither NULL nor MISSING. ok is false
// when they cannot be compared (a string that is not a number against a
// number, a list against a string...).
func compare(a, b value) (c int, ok bool) {
	if isNum(a) && isNum(b) {
		return compareNumbers(a, b)
	}
	if a.k == kString && b.k == kString {
		return strings.Compare(a.s, b.s), true
	}
	if isNum(a) || isNum(b) {
		x, ok1 := a.number()
		y, ok2 := b.number()
		if !ok1 || !ok2 {
			return 0, false
		}
		return compareNumbers(x, y)
	}
	switch {
	case a.k == kBool && b.k == kBool:
		return cmpInt(a.i, b.i), true
	case a.k == kTime || b.k == kTime:
		x, ok1 := asTime(a)
		y, ok2 := asTime(b)
		if !ok1 || !ok2 {
			return 0, false
		}
		return x.Compare(y), true
	}
	return 0, false
}

// compareNumbers orders two numbers (kInt or kFloat).
func compareNumbers(x, y value) (c int, ok bool) {
	if x.k == kInt && y.k == kInt {
		return cmpInt(x.i, y.i), true
	}
	// NaN (a Parquet FLOAT or DOUBLE, or Inf-Inf) is unordered, as in
	// IEEE 754: it equals nothing and is neither below nor above any
	// number.
	xf, yf := x.float(), y.float()
	if math.IsNaN(xf) || math.IsNaN(yf) {
		return 0, false
	}
	return cmpFloat(xf, yf), true
}

// asTime is v as a timestamp; a string in ISO 8601 form compares with a
// timestamp as the time it spells.
func asTime(v value) (time.Time, bool) {
	switch v.k {
	case kTime:
		return v.time(), true
	case kString:
		t, err := parseTimestamp(v.s)
		return t, err == nil
	}
	return time.Time{}, false
}

func isNum(v value) bool { return v.k == kInt || v.k == kFloat }

// stringAgainstNumber reports whether one of a and b is a string and the
// other a number.
func stringAgainstNumber(a, b value) bool {
	return a.k == kString && isNum(b) || isNum(a) && b.k == kString
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// equal is SQL "=" on two present values; lists and objects are equal
// when their members are.
func equal(a, b value) bool {
	if a.k == kList || a.k == kObject || b.k == kList || b.k == kObject {
		return a.k == b.k && deepEqual(a.x, b.x)
	}
	c, ok := compare(a, b)
	return ok && c == 0
}

func deepEqual(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !deepEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Object:
		y, ok := b.(*Object)
		if !ok || len(x.Keys) != len(y.Keys) {
			return false
		}
		for i := range x.Keys {
			if x.Keys[i] != y.Keys[i] || !deepEqual(x.Values[i], y.Values[i]) {
				return false
			}
		}
		return true
	}
	va, vb := fromAny(a), fromAny(b)
	if va.isAbsent() || vb.isAbsent() {
		return va.k == vb.k
	}
	return equal(va, vb)
}

// formatFloat writes f as S3 Select does: no exponent for ordinary
// magnitudes, and always a digit after the point.
func formatFloat(f float64) string {
	return string(AppendFloat(nil, f))
}

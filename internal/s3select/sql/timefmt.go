package sql

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/s3err"
)

var errBadTimestamp = errors.New("bad timestamp")

// parseTimestamp reads the ISO 8601 forms S3 Select accepts: 2007T,
// 2007-02T, 2007-02-23T (or without the T), 2007-02-23T12:14Z,
// 2007-02-23T12:14:33Z and 2007-02-23T12:14:33.079-08:00. A time without
// an offset is taken as UTC.
func parseTimestamp(s string) (time.Time, error) {
	r := tsReader{s: s}
	year := r.digits(4)
	if year < 0 {
		return time.Time{}, errBadTimestamp
	}
	month, day := 1, 1
	if r.eat('T') && r.done() {
		return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), nil
	}
	if !r.eat('-') {
		return time.Time{}, errBadTimestamp
	}
	if month = r.digits(2); month < 1 || month > 12 {
		return time.Time{}, errBadTimestamp
	}
	if r.eat('T') && r.done() {
		return time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC), nil
	}
	if !r.eat('-') {
		return time.Time{}, errBadTimestamp
	}
	if day = r.digits(2); day < 1 || day > daysIn(year, month) {
		return time.Time{}, errBadTimestamp
	}
	if r.done() || r.eat('T') && r.done() {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), nil
	}
	hour := r.digits(2)
	if hour < 0 || hour > 23 || !r.eat(':') {
		return time.Time{}, errBadTimestamp
	}
	minute := r.digits(2)
	if minute < 0 || minute > 59 {
		return time.Time{}, errBadTimestamp
	}
	sec, nsec := 0, 0
	if r.eat(':') {
		if sec = r.digits(2); sec < 0 || sec > 59 {
			return time.Time{}, errBadTimestamp
		}
		if r.eat('.') {
			start := r.i
			for r.i < len(r.s) && r.s[r.i] >= '0' && r.s[r.i] <= '9' {
				r.i++
			}
			frac := r.s[start:r.i]
			if frac == "" {
				return time.Time{}, errBadTimestamp
			}
			if len(frac) > 9 {
				frac = frac[:9]
			}
			nsec, _ = strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
		}
	}
	loc := time.UTC
	switch {
	case r.done():
	case r.eat('Z'), r.eat('z'):
	case r.peek() == '+' || r.peek() == '-':
		sign := 1
		if r.s[r.i] == '-' {
			sign = -1
		}
		r.i++
		oh := r.digits(2)
		if oh < 0 || oh > 23 || !r.eat(':') {
			return time.Time{}, errBadTimestamp
		}
		om := r.digits(2)
		if om < 0 || om > 59 {
			return time.Time{}, errBadTimestamp
		}
		loc = time.FixedZone("", sign*(oh*3600+om*60))
	default:
		return time.Time{}, errBadTimestamp
	}
	if !r.done() {
		return time.Time{}, errBadTimestamp
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), nil
}

type tsReader struct {
	s string
	i int
}

func (r *tsReader) done() bool { return r.i == len(r.s) }
func (r *tsReader) peek() byte {
	if r.done() {
		return 0
	}
	return r.s[r.i]
}

func (r *tsReader) eat(c byte) bool {
	if r.peek() == c && !r.done() {
		r.i++
		return true
	}
	return false
}

// digits reads exactly n digits, or returns -1.
func (r *tsReader) digits(n int) int {
	if r.i+n > len(r.s) {
		return -1
	}
	v := 0
	for _, c := range []byte(r.s[r.i : r.i+n]) {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	r.i += n
	return v
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// formatTimestamp writes t in ISO 8601 with its offset, and a fraction
// of a second only when there is one.
func formatTimestamp(t time.Time) string {
	return t.Format(timestampLayout)
}

func timeArg(e *callExpr, v value) (time.Time, error) {
	if v.k != kTime {
		return time.Time{}, evalErr(s3err.ErrIncorrectSQLFunctionArgumentType, "%s takes a timestamp, not %s.", e.name, v.k)
	}
	return v.time(), nil
}

func timeFunc(e *callExpr, args []value) (value, error) {
	switch e.fn {
	case fnToTimestamp:
		s, err := stringArg(e, args[0])
		if err != nil {
			return missingV, err
		}
		t, perr := parseTimestamp(s)
		if perr != nil {
			return missingV, evalErr(s3err.ErrValueParseFailure, "%s is not a timestamp.", quoteShort(args[0]))
		}
		return timeV(t), nil
	case fnToString:
		t, err := timeArg(e, args[0])
		if err != nil {
			return missingV, err
		}
		pat, err := stringArg(e, args[1])
		if err != nil {
			return missingV, err
		}
		s, err := formatPattern(t, pat)
		if err != nil {
			return missingV, err
		}
		return strV(s), nil
	case fnExtract:
		t, err := timeArg(e, args[0])
		if err != nil {
			return missingV, err
		}
		return intV(extract(e.part, t)), nil
	case fnDateAdd:
		n, err := intArg(e, args[0])
		if err != nil {
			return missingV, err
		}
		t, err := timeArg(e, args[1])
		if err != nil {
			return missingV, err
		}
		return timeV(dateAdd(e.part, n, t)), nil
	}
	t1, err := timeArg(e, args[0])
	if err != nil {
		return missingV, err
	}
	t2, err := timeArg(e, args[1])
	if err != nil {
		return missingV, err
	}
	return intV(dateDiff(e.part, t1, t2)), nil
}

func extract(p datePart, t time.Time) int64 {
	_, off := t.Zone()
	switch p {
	case partYear:
		return int64(t.Year())
	case partMonth:
		return int64(t.Month())
	case partDay:
		return int64(t.Day())
	case partHour:
		return int64(t.Hour())
	case partMinute:
		return int64(t.Minute())
	case partSecond:
		return int64(t.Second())
	case partTZHour:
		return int64(off / 3600)
	}
	return int64(off % 3600 / 60)
}

// dateAdd adds n parts to t. Adding months or years keeps the day when
// the target month has it and otherwise takes the month's last day
// (January 31 plus one month is February 28 or 29).
func dateAdd(p datePart, n int64, t time.Time) time.Time {
	switch p {
	case partYear, partMonth:
		months := n
		if p == partYear {
			months = n * 12
		}
		total := int64(t.Year())*12 + int64(t.Month()-1) + months
		y, m := int(total/12), int(total%12)+1
		if total < 0 && total%12 != 0 {
			y, m = int(total/12)-1, int(total%12)+13
		}
		d := min(t.Day(), daysIn(y, m))
		return time.Date(y, time.Month(m), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	case partDay:
		return t.AddDate(0, 0, int(n))
	}
	unit := map[datePart]int64{partHour: 3600, partMinute: 60, partSecond: 1}[p]
	return time.Unix(t.Unix()+n*unit, int64(t.Nanosecond())).In(t.Location())
}

// dateDiff is the number of whole parts from t1 to t2 (negative when t2
// is earlier).
func dateDiff(p datePart, t1, t2 time.Time) int64 {
	switch p {
	case partYear, partMonth:
		months := int64(t2.Year()-t1.Year())*12 + int64(t2.Month()-t1.Month())
		// A month is whole only once t2 reaches t1's day and time.
		rest1 := t1.Sub(time.Date(t1.Year(), t1.Month(), 1, 0, 0, 0, 0, t1.Location()))
		rest2 := t2.Sub(time.Date(t2.Year(), t2.Month(), 1, 0, 0, 0, 0, t2.Location()))
		if months > 0 && rest2 < rest1 {
			months--
		} else if months < 0 && rest2 > rest1 {
			months++
		}
		if p == partYear {
			return months / 12
		}
		return months
	}
	secs := t2.Unix() - t1.Unix()
	if nd := t2.Nanosecond() - t1.Nanosecond(); secs > 0 && nd < 0 {
		secs--
	} else if secs < 0 && nd > 0 {
		secs++
	}
	switch p {
	case partDay:
		return secs / 86400
	case partHour:
		return secs / 3600
	case partMinute:
		return secs / 60
	}
	return secs
}

var monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// formatPattern is TO_STRING: pattern letters as S3 Select documents
// them (y yy yyyy M MM MMM MMMM MMMMM d dd a h hh H HH m mm s ss S...
// n X XX XXX x xx xxx), text in 'single quotes' as is, and any other
// non-letter as is.
func formatPattern(t time.Time, pat string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(pat); {
		c := pat[i]
		if c == '\'' {
			j := strings.IndexByte(pat[i+1:], '\'')
			if j < 0 {
				return "", evalErr(s3err.ErrEvaluatorInvalidTimestampFormatPattern, "The quoted text in the pattern is not terminated.")
			}
			if j == 0 {
				b.WriteByte('\'')
			}
			b.WriteString(pat[i+1 : i+1+j])
			i += j + 2
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(pat) && pat[i+n] == c {
			n++
		}
		if err := formatField(&b, t, c, n); err != nil {
			return "", err
		}
		i += n
	}
	return b.String(), nil
}

func formatField(b *strings.Builder, t time.Time, c byte, n int) error {
	pad := func(v, width int) {
		s := strconv.Itoa(v)
		for range width - len(s) {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	bad := func() error {
		return evalErr(s3err.ErrEvaluatorInvalidTimestampFormatPattern, "%q is not a pattern field.", strings.Repeat(string(c), n))
	}
	switch c {
	case 'y':
		switch n {
		case 2:
			pad(t.Year()%100, 2)
		default:
			pad(t.Year(), n)
		}
	case 'M':
		switch n {
		case 1, 2:
			pad(int(t.Month()), n)
		case 3:
			b.WriteString(monthNames[t.Month()-1][:3])
		case 4:
			b.WriteString(monthNames[t.Month()-1])
		case 5:
			b.WriteString(monthNames[t.Month()-1][:1])
		default:
			return bad()
		}
	case 'd', 'H', 'm', 's', 'h':
		if n > 2 {
			return bad()
		}
		v := map[byte]int{'d': t.Day(), 'H': t.Hour(), 'm': t.Minute(), 's': t.Second(), 'h': (t.Hour()+11)%12 + 1}[c]
		pad(v, n)
	case 'a':
		if n > 1 {
			return bad()
		}
		if t.Hour() < 12 {
			b.WriteString("AM")
		} else {
			b.WriteString("PM")
		}
	case 'S':
		if n > 9 {
			return bad()
		}
		frac := strconv.Itoa(t.Nanosecond() + 1e9)[1:]
		b.WriteString(frac[:n])
	case 'n':
		if n > 1 {
			return bad()
		}
		b.WriteString(strconv.Itoa(t.Nanosecond()))
	case 'X', 'x':
		if n > 5 {
			return bad()
		}
		_, off := t.Zone()
		if c == 'X' && off == 0 {
			b.WriteByte('Z')
			return nil
		}
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b.WriteByte(sign)
		pad(off/3600, 2)
		switch {
		case n == 1 && off%3600 == 0:
		case n == 1 || n == 2 || n == 4:
			pad(off%3600/60, 2)
		default:
			b.WriteByte(':')
			pad(off%3600/60, 2)
		}
	default:
		return bad()
	}
	return nil
}

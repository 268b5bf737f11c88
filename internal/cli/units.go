package cli

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// durationUnits are the units ParseDuration knows, longest name first
// where one is a prefix of another ("ms" before "m").
var durationUnits = []struct {
	name string
	d    time.Duration
}{
	{"ms", time.Millisecond},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
}

// ParseDuration reads a duration as mc writes them: whole numbers with
// units, "7d10h30m", with w(eeks), d(ays), h, m, s and ms. "0" alone is
// zero. Negative, fractional and overflowing durations are errors.
func ParseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var total time.Duration
	rest := s
	for rest != "" {
		digits := 0
		for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
			digits++
		}
		if digits == 0 {
			return 0, fmt.Errorf("duration %q: expected a number at %q", s, rest)
		}
		var n int64
		for _, c := range rest[:digits] {
			if n > (math.MaxInt64-int64(c-'0'))/10 {
				return 0, fmt.Errorf("duration %q is too long", s)
			}
			n = n*10 + int64(c-'0')
		}
		rest = rest[digits:]
		unit, ok := time.Duration(0), false
		for _, u := range durationUnits {
			if strings.HasPrefix(rest, u.name) {
				unit, ok = u.d, true
				rest = rest[len(u.name):]
				break
			}
		}
		if !ok {
			return 0, fmt.Errorf("duration %q: a number needs a unit (w, d, h, m, s, ms)", s)
		}
		if n > int64(math.MaxInt64/unit) {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		part := time.Duration(n) * unit
		if total > math.MaxInt64-part {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total += part
	}
	return total, nil
}

// ParseSize reads a size in bytes: "1024", "64MiB", "1GB", "1.5 GiB"
// (decimal and binary units, as go-humanize parses them). Sizes beyond
// what an int64 holds are errors.
func ParseSize(s string) (int64, error) {
	// A plain number is exact; go-humanize goes through floating point,
	// which rounds the largest ones.
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, err)
	}
	if n > math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(n), nil
}

// FormatSize writes a size for people, in binary units ("1.5 MiB").
func FormatSize(n int64) string {
	if n < 0 {
		return "-" + humanize.IBytes(uint64(-n))
	}
	return humanize.IBytes(uint64(n))
}

package cli

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	max := time.Duration(math.MaxInt64)
	good := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"1s", time.Second},
		{"90m", 90 * time.Minute},
		{"7d10h", 7*24*time.Hour + 10*time.Hour},
		{"2w", 14 * 24 * time.Hour},
		{"1h30m15s250ms", time.Hour + 30*time.Minute + 15*time.Second + 250*time.Millisecond},
		// The largest duration there is, written with every unit.
		{"106751d23h47m16s854ms", max - max%time.Millisecond},
		{"9223372036854ms", 9223372036854 * time.Millisecond},
	}
	for _, c := range good {
		got, err := ParseDuration(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	bad := []string{
		"", "7", "d", "-1d", "1.5h", "1x", "1d ", " 1d", "1dd",
		// One past the largest duration.
		"106751d23h47m16s855ms", "9223372036855ms", "106752d",
		"99999999999999999999s",
	}
	for _, in := range bad {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestParseSize(t *testing.T) {
	good := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1", 1},
		{"64MiB", 64 << 20},
		{"1GB", 1_000_000_000},
		{"1.5KiB", 1536},
		{"9223372036854775807", math.MaxInt64},
	}
	for _, c := range good {
		got, err := ParseSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "1QB", "9223372036854775808", "20EiB"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestFormatSize(t *testing.T) {
	if got := FormatSize(1536); got != "1.5 KiB" {
		t.Errorf("FormatSize(1536) = %q", got)
	}
	if got := FormatSize(0); got != "0 B" {
		t.Errorf("FormatSize(0) = %q", got)
	}
}

func TestParseRewind(t *testing.T) {
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	got, err := parseRewind("2d", now)
	if err != nil || !got.Equal(now.Add(-48*time.Hour)) {
		t.Errorf("parseRewind(2d) = %v, %v", got, err)
	}
	got, err = parseRewind("2026-01-01T00:00:00Z", now)
	if err != nil || !got.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("parseRewind(time) = %v, %v", got, err)
	}
	if _, err := parseRewind("yesterday", now); err == nil || !strings.Contains(err.Error(), "rewind") {
		t.Errorf("parseRewind(yesterday) = %v", err)
	}
}

func TestTimeFilter(t *testing.T) {
	now := time.Now()
	f, err := newTimeFilter("1d", "")
	if err != nil {
		t.Fatal(err)
	}
	f.now = now
	if f.keep(now.Add(-23 * time.Hour)) {
		t.Error("--older-than 1d kept something 23h old")
	}
	if !f.keep(now.Add(-24 * time.Hour)) {
		t.Error("--older-than 1d dropped something exactly 1d old")
	}
	f, _ = newTimeFilter("", "1h")
	f.now = now
	if !f.keep(now.Add(-time.Hour)) || f.keep(now.Add(-time.Hour-time.Second)) {
		t.Error("--newer-than 1h keeps the wrong side of 1h")
	}
	if _, err := newTimeFilter("1y", ""); err == nil {
		t.Error("--older-than 1y accepted")
	}
}

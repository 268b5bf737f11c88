package client

import (
	"slices"
	"testing"
	"time"
)

// TestProgressThrottle: a call comes once progressStep bytes have moved
// since the last one (not at progressStep-1), or once progressInterval
// has passed (not just before), a take-back at once, and finish reports
// a total not yet reported, once.
func TestProgressThrottle(t *testing.T) {
	clock := time.Unix(1000, 0)
	var calls []int64
	p := &progressReporter{report: func(n int64) { calls = append(calls, n) }, now: func() time.Time { return clock }}
	p.add(1) // the first bytes are reported at once
	p.add(progressStep - 1)
	p.add(1)
	p.add(10)
	clock = clock.Add(progressInterval - 1)
	p.add(10)
	clock = clock.Add(1)
	p.add(10)
	p.add(-5)
	p.add(2)
	p.finish()
	p.finish()
	want := []int64{1, progressStep + 1, progressStep + 31, progressStep + 26, progressStep + 28}
	if !slices.Equal(calls, want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
}

// TestProgressFinishAlwaysCalls: an empty transfer still gets its one
// call, with 0.
func TestProgressFinishAlwaysCalls(t *testing.T) {
	var calls []int64
	p := &progressReporter{report: func(n int64) { calls = append(calls, n) }}
	p.finish()
	if !slices.Equal(calls, []int64{0}) {
		t.Fatalf("calls %v", calls)
	}
}

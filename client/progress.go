package client

import (
	"sync"
	"time"
)

// Progress is reported as bytes flow, but not for every read or write of
// the connection: a call comes once progressStep more bytes have moved,
// or progressInterval after the previous call, whichever is first, so a
// progress bar moves on slow links without a fast one drowning the
// caller in calls.
const (
	progressStep     = 64 << 10
	progressInterval = 100 * time.Millisecond
)

// progressReporter adds up the bytes of a transfer and reports the
// running total, throttled, one call at a time. A negative add (a retry
// taking back what a failed attempt sent) is reported at once, so the
// total a caller sees can go down. The zero value and a nil report
// report nothing.
type progressReporter struct {
	mu       sync.Mutex
	report   func(int64)
	total    int64
	reported int64
	called   bool
	at       time.Time
	// now is the clock; nil means time.Now.
	now func() time.Time
}

func (p *progressReporter) add(n int64) {
	if p == nil || p.report == nil || n == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total += n
	if n < 0 || p.total-p.reported >= progressStep || p.clock().Sub(p.at) >= progressInterval {
		p.emit()
	}
}

// finish makes the final call, with the total, unless the last call
// already said it.
func (p *progressReporter) finish() {
	if p == nil || p.report == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.called || p.total != p.reported {
		p.emit()
	}
}

func (p *progressReporter) emit() {
	p.reported, p.called, p.at = p.total, true, p.clock()
	p.report(p.total)
}

func (p *progressReporter) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

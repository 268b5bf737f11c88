package targettest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

// Inbox collects the payloads a test's own subscriber receives, from the
// client's goroutines.
type Inbox struct {
	mu   sync.Mutex
	msgs [][]byte
}

// Add keeps a payload.
func (in *Inbox) Add(payload []byte) {
	in.mu.Lock()
	in.msgs = append(in.msgs, payload)
	in.mu.Unlock()
}

// Received returns the payloads so far, in arrival order.
func (in *Inbox) Received() [][]byte {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([][]byte(nil), in.msgs...)
}

// WaitFor waits until the inbox holds n payloads, or 10 s pass, and
// returns what it holds: a sent message may still be on its way to the
// subscriber when Send returns.
func (in *Inbox) WaitFor(n int) [][]byte {
	deadline := time.Now().Add(10 * time.Second)
	for len(in.Received()) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return in.Received()
}

// GotOf reads the event name and key of each payload, a Message.Body().
func GotOf(t testing.TB, payloads [][]byte) []Got {
	t.Helper()
	var got []Got
	for _, p := range payloads {
		var entry struct{ EventName, Key string }
		if err := json.Unmarshal(p, &entry); err != nil {
			t.Fatalf("payload %q: %v", p, err)
		}
		got = append(got, Got{EventName: entry.EventName, Key: entry.Key})
	}
	return got
}

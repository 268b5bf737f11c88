package outbox

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// SequenceLen is the length of a sequence key.
const SequenceLen = 12

// A Sequencer issues the keys of an outbox (events, replication work):
// 8 bytes of time in nanoseconds, big-endian, then 4 bytes naming the
// process, so that keys sort by time and two processes sharing a store
// never issue the same one. Within a process they increase strictly,
// even when the clock does not: writes of one object key are serialized
// by its lock, so the keys they queue increase too. Across processes the
// caller passes times on the store's clock (TxnClock) read under the
// same lock.
type Sequencer struct {
	mu   sync.Mutex
	last int64
	proc [4]byte
}

// NewSequencer returns a sequencer with a random process name.
func NewSequencer() *Sequencer {
	s := &Sequencer{}
	_, _ = rand.Read(s.proc[:])
	return s
}

// Process is the 4 bytes that name this process in its keys.
func (s *Sequencer) Process() [4]byte { return s.proc }

// Next returns a key of time t, or just after the last one issued.
func (s *Sequencer) Next(t time.Time) []byte {
	s.mu.Lock()
	n := t.UnixNano()
	if n <= s.last {
		n = s.last + 1
	}
	s.last = n
	s.mu.Unlock()
	seq := make([]byte, SequenceLen)
	binary.BigEndian.PutUint64(seq, uint64(n))
	copy(seq[8:], s.proc[:])
	return seq
}

// SequenceAt is the smallest sequence key of time t.
func SequenceAt(t time.Time) []byte {
	seq := make([]byte, SequenceLen)
	binary.BigEndian.PutUint64(seq, uint64(t.UnixNano()))
	return seq
}

// SequenceTime is the time a sequence key was issued for.
func SequenceTime(seq []byte) time.Time {
	if len(seq) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(seq)))
}

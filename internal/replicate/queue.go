package replicate

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/outbox"
)

// Replication's metadata keys all start with 'Q':
//
//	Qt<source bucket>/<target id>  a registered target, its secret sealed (targets.go)
//	Qq<target id>\x00<seq>         one change queued for one target, until it is
//	                               carried out; <seq> is a outbox.Sequencer key,
//	                               so a target's queue is in commit order and
//	                               the changes of one object key in the order
//	                               they were made
//	Ql<target id>                  which process works the target's queue
//	Qs<target id>                  the target's counters and last error
//	Qr<target id>                  the target's resync: state and checkpoint
const (
	tagReplication = 'Q'
	sortQueue      = 'q'
	sortLease      = 'l'
	sortStats      = 's'
	sortResync     = 'r'
)

func queuePrefix(target string) []byte {
	return append(append([]byte{tagReplication, sortQueue}, target...), 0)
}

func queueKey(target string, seq []byte) []byte { return append(queuePrefix(target), seq...) }

func leaseKey(target string) []byte { return append([]byte{tagReplication, sortLease}, target...) }

func statsKey(target string) []byte { return append([]byte{tagReplication, sortStats}, target...) }

func resyncKey(target string) []byte { return append([]byte{tagReplication, sortResync}, target...) }

// task is one queued change: what to make true on the destination.
type task struct {
	Kind      object.ChangeKind `json:"k"`
	Bucket    string            `json:"b"`
	Key       string            `json:"o"`
	VersionID string            `json:"v"`
	// Size is the version's size, for the pending bytes figure.
	Size int64 `json:"s,omitempty"`
	// Event is the change's event name; a metadata change names what
	// changed (tags, retention, legal hold).
	Event string `json:"e,omitempty"`
	// Attempts counts failed tries; NotBefore is when the next may be
	// made; Failed says the version's status was set to FAILED.
	Attempts  int       `json:"a,omitempty"`
	NotBefore time.Time `json:"n,omitzero"`
	Failed    bool      `json:"f,omitempty"`
	LastError string    `json:"x,omitempty"`
}

// queued is a task and its key.
type queued struct {
	key []byte
	task
}

func (q queued) enqueued() time.Time {
	return outbox.SequenceTime(q.key[len(q.key)-outbox.SequenceLen:])
}

func encodeTask(t task) ([]byte, error) { return json.Marshal(t) }

func decodeTask(b []byte) (task, error) {
	var t task
	err := json.Unmarshal(b, &t)
	return t, err
}

// stats are a target's counters, kept across restarts.
type stats struct {
	Completed      int64     `json:"completed"`
	CompletedBytes int64     `json:"completedBytes"`
	LastError      string    `json:"lastError,omitempty"`
	LastErrorTime  time.Time `json:"lastErrorTime,omitzero"`
}

func readStats(r meta.Reader, target string) (stats, error) {
	var s stats
	v, err := r.Get(statsKey(target))
	if err != nil {
		if errors.Is(err, meta.ErrNotFound) {
			return s, nil
		}
		return s, err
	}
	err = json.Unmarshal(v, &s)
	return s, err
}

func writeStats(tx meta.Txn, target string, s stats) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return tx.Set(statsKey(target), b)
}

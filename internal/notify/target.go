package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Target is one destination of events: a webhook, a Redis key, a NATS
// subject, a table. Implementations must be safe for concurrent use, but
// the service calls Send for one target from one goroutine at a time.
type Target interface {
	// Send delivers msgs, in order. It returns nil only when the target
	// has accepted every one of them; on an error the service sends the
	// same messages again later, so a target may see a message more than
	// once (delivery is at least once) and must cope with it: a
	// namespace-format table upserts, an access-format one appends again.
	// A target that delivers one message at a time returns a
	// *PartialError when it accepted the first few before one failed,
	// so that only the rest are sent again.
	Send(ctx context.Context, msgs []Message) error
	// Ping checks that the target is reachable and usable now: it
	// connects (or reuses a connection) and makes one harmless request.
	Ping(ctx context.Context) error
	// Close releases the target's connections.
	Close() error
}

// PartialError is Send's error when the target accepted the first
// Accepted messages and then failed: the service counts those delivered
// and sends only the ones after them again. Without it, an endpoint that
// refuses now and then a message of a long batch would be sent the
// batch's first messages again and again and might never see its end.
type PartialError struct {
	Accepted int
	Err      error
}

func (e *PartialError) Error() string { return e.Err.Error() }

func (e *PartialError) Unwrap() error { return e.Err }

// accepted is how many of n messages a Send that returned err delivered.
func accepted(err error, n int) int {
	if err == nil {
		return n
	}
	var p *PartialError
	if errors.As(err, &p) {
		return min(max(p.Accepted, 0), n)
	}
	return 0
}

// Message is one event as targets deliver it.
type Message struct {
	// EventName is the event, such as "s3:ObjectCreated:Put".
	EventName string
	// Bucket and Object name the object the event is about (Object is
	// not URL-encoded).
	Bucket, Object string
	// Time is when the event happened.
	Time time.Time
	// Removed is true for events that remove the object (the
	// s3:ObjectRemoved group): namespace-format targets delete its entry
	// instead of setting it.
	Removed bool
	// Record is the S3 event record, one element of "Records".
	Record json.RawMessage
}

// Key is the object's "bucket/object" name, as MinIO's targets use it.
func (m Message) Key() string { return m.Bucket + "/" + m.Object }

// Body is the JSON document most targets send: MinIO's event log entry,
// {"EventName": ..., "Key": "bucket/object", "Records": [record]}.
func (m Message) Body() []byte {
	b, err := json.Marshal(struct {
		EventName string
		Key       string
		Records   []json.RawMessage
	}{m.EventName, m.Key(), []json.RawMessage{m.Record}})
	if err != nil {
		// Record is valid JSON made by the service; nothing else can fail.
		panic(fmt.Sprintf("notify: encoding a message: %v", err))
	}
	return b
}

// Records is {"Records": [record]}: what namespace-format stores keep as
// an object's value.
func (m Message) Records() []byte {
	b, err := json.Marshal(struct {
		Records []json.RawMessage
	}{[]json.RawMessage{m.Record}})
	if err != nil {
		panic(fmt.Sprintf("notify: encoding a message: %v", err))
	}
	return b
}

// Setting is one configuration value a kind of target takes. Its Name is
// also its command-line flag (--name) and, upper-cased with "-" turned
// into "_", its part of an environment variable's name.
type Setting struct {
	Name     string
	Help     string
	Required bool
	// Secret settings (passwords, tokens, connection strings that may hold
	// a password) are sealed at rest and never shown back.
	Secret bool
	// Default is the value when none is given ("" for none).
	Default string
}

// Config is one configured target: its kind, its name (unique per kind)
// and its settings.
type Config struct {
	Type     string
	Name     string
	Settings map[string]string
}

// Get returns setting name, or its default.
func (c Config) Get(k Kind, name string) string {
	if v, ok := c.Settings[name]; ok && v != "" {
		return v
	}
	for _, s := range k.Settings {
		if s.Name == name {
			return s.Default
		}
	}
	return ""
}

// Kind is a kind of target: its type name (as in the ARN, "webhook"), its
// settings, and how to open one.
type Kind struct {
	Type     string
	Help     string
	Settings []Setting
	// Open makes a target from a configuration whose settings Check has
	// accepted. It should not need the target to be reachable: a broker
	// may come up after kura does. Ping is what connects.
	Open func(Config) (Target, error)
}

// ErrUnknownType is returned for a target type no kind registers.
var ErrUnknownType = errors.New("notify: unknown target type")

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// Register adds a kind of target. Each implementation registers itself
// from its package's init; the server imports them all.
func Register(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[k.Type]; dup {
		panic("notify: target type registered twice: " + k.Type)
	}
	kinds[k.Type] = k
}

// LookupKind returns the kind of type t.
func LookupKind(t string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[t]
	return k, ok
}

// Kinds returns every registered kind, by type name.
func Kinds() []Kind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	var ks []Kind
	for _, k := range kinds {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b Kind) int { return strings.Compare(a.Type, b.Type) })
	return ks
}

// Check validates c against its kind: the type exists, the name is a
// valid target name, every setting is known and every required one is
// set.
func (c Config) Check() (Kind, error) {
	k, ok := LookupKind(c.Type)
	if !ok {
		return Kind{}, fmt.Errorf("%w %q", ErrUnknownType, c.Type)
	}
	if !ValidName(c.Name) {
		return Kind{}, fmt.Errorf("notify: target name %q: use 1 to 64 letters, digits, '-' or '_'", c.Name)
	}
	for name := range c.Settings {
		if !slices.ContainsFunc(k.Settings, func(s Setting) bool { return s.Name == name }) {
			return Kind{}, fmt.Errorf("notify: %s targets have no setting %q", c.Type, name)
		}
	}
	for _, s := range k.Settings {
		if s.Required && c.Get(k, s.Name) == "" {
			return Kind{}, fmt.Errorf("notify: %s target %s needs --%s", c.Type, c.Name, s.Name)
		}
	}
	return k, nil
}

// ValidName reports whether name can name a target: it becomes part of
// an ARN and of an environment variable's name.
func ValidName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ARN is the target's MinIO-style ARN, arn:minio:sqs:REGION:NAME:TYPE.
func (c Config) ARN(region string) string {
	return "arn:minio:sqs:" + region + ":" + c.Name + ":" + c.Type
}

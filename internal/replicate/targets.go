package replicate

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/sealbox"
	"github.com/kurastore/kura/s3name"
	"github.com/kurastore/kura/wire/versioning"
)

// DefaultRegion is the region a target's requests are signed for when
// it names none.
const DefaultRegion = "us-east-1"

// MaxTargetsPerBucket bounds the targets of one source bucket.
const MaxTargetsPerBucket = 100

// ARNPrefix starts the ARN of every target; AWSARNPrefix starts the
// ARN of a bucket, which a rule may name instead when one target of its
// bucket points at that bucket.
const (
	ARNPrefix    = "arn:minio:replication:"
	AWSARNPrefix = "arn:aws:s3:::"
)

// idLen is the length of a target's ID, in hex digits.
const idLen = 16

// checkTimeout bounds the look at a destination being added.
const checkTimeout = 15 * time.Second

var (
	// ErrNoSuchTarget is returned for an ARN no target of the bucket has.
	ErrNoSuchTarget = errors.New("replicate: no such replication target")
	// ErrTargetExists is returned by Add for a destination the source
	// bucket already replicates to.
	ErrTargetExists = errors.New("replicate: the bucket already has a target for that destination")
	// ErrTooManyTargets is returned by Add past MaxTargetsPerBucket.
	ErrTooManyTargets = errors.New("replicate: too many replication targets")
	// ErrAmbiguousTarget is returned by Resolve for an AWS bucket ARN
	// that several targets of the bucket point at.
	ErrAmbiguousTarget = errors.New("replicate: the destination names several targets")
	// ErrInvalid wraps the reasons a target is refused, its destination's
	// among them.
	ErrInvalid = errors.New("replicate: invalid replication target")
)

// TargetsGenerationKey changes whenever a target is added or removed, so
// that what is built from the targets (clients) can be dropped.
var TargetsGenerationKey = meta.GenerationKey("replication-targets")

// Target is a destination a source bucket replicates to.
type Target struct {
	// ID is chosen by Add: 16 random hex digits.
	ID string
	// ARN is arn:minio:replication:<Region>:<ID>:<DestBucket>, what
	// replication rules name as their destination.
	ARN          string
	SourceBucket string
	// Endpoint is http(s)://host[:port].
	Endpoint   string
	DestBucket string
	// Region is what requests are signed for; DefaultRegion when empty.
	Region               string
	AccessKey, SecretKey string
	// Bandwidth bounds the transfer in bytes per second; 0 is unlimited.
	Bandwidth int64
	Created   time.Time
}

// Options configure Targets.
type Options struct {
	Meta meta.Store
	// SealKey (32 bytes) seals the targets' credentials.
	SealKey []byte
	// Now is the clock of Created; nil means time.Now.
	Now func() time.Time
	// Check looks at a target's destination before Add stores it; nil
	// means CheckDestination through Transport.
	Check func(context.Context, Target) error
	// Transport carries the requests of the default Check (tests); nil
	// means the client's own.
	Transport http.RoundTripper
}

// Targets is the registry of replication targets, kept in the metadata
// store under
//
//	Qt<source bucket>/<target id>
//
// with the credentials sealed and bound to that key. It is safe for
// concurrent use.
type Targets struct {
	meta  meta.Store
	seal  *sealbox.Box
	now   func() time.Time
	check func(context.Context, Target) error
}

// sealPurpose derives the key sealing target credentials from the seal
// key; changing it would make every stored credential unreadable.
const sealPurpose = "kura replication target credentials v1"

// NewTargets returns the registry on opts.Meta.
func NewTargets(opts Options) (*Targets, error) {
	if opts.Meta == nil {
		return nil, errors.New("replicate: no metadata store")
	}
	box, err := sealbox.New(opts.SealKey, sealPurpose)
	if err != nil {
		return nil, err
	}
	t := &Targets{meta: opts.Meta, seal: box, now: opts.Now, check: opts.Check}
	if t.now == nil {
		t.now = time.Now
	}
	if t.check == nil {
		transport := opts.Transport
		t.check = func(ctx context.Context, tg Target) error { return CheckDestination(ctx, tg, transport) }
	}
	return t, nil
}

// targetsPrefix starts the keys of the targets of source: 'Q' is the
// replication keyspace, 't' its targets. A bucket name has no '/'.
func targetsPrefix(source string) []byte { return []byte("Qt" + source + "/") }

func targetKey(source, id string) []byte { return append(targetsPrefix(source), id...) }

// lockOf serializes the changes to the targets of source, so that the
// limit and the duplicate check hold.
func lockOf(source string) []meta.Lock { return []meta.Lock{{Name: targetsPrefix(source)}} }

// FormatARN is the ARN of target id of region replicating to dest.
func FormatARN(region, id, dest string) string {
	return ARNPrefix + region + ":" + id + ":" + dest
}

// ParseARN splits a target's ARN into its region, ID and destination
// bucket.
func ParseARN(arn string) (region, id, dest string, ok bool) {
	rest, found := strings.CutPrefix(arn, ARNPrefix)
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// Validate reports why t cannot be a target, without contacting its
// endpoint. The ID, ARN and Created are Add's to choose.
func (t Target) Validate() error {
	if !s3name.ValidBucket(t.SourceBucket) {
		return fmt.Errorf("%w: %q is not a valid source bucket name", ErrInvalid, t.SourceBucket)
	}
	u, err := url.Parse(t.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: endpoint %q is not an http:// or https:// URL", ErrInvalid, t.Endpoint)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%w: endpoint %q must be scheme://host[:port] only", ErrInvalid, t.Endpoint)
	}
	if !s3name.ValidBucket(t.DestBucket) {
		return fmt.Errorf("%w: %q is not a valid destination bucket name", ErrInvalid, t.DestBucket)
	}
	if t.Region != "" && !s3name.ValidRegion(t.Region) {
		return fmt.Errorf("%w: %q is not a valid region", ErrInvalid, t.Region)
	}
	if t.AccessKey == "" || t.SecretKey == "" {
		return fmt.Errorf("%w: the access key and the secret key are required", ErrInvalid)
	}
	if t.Bandwidth < 0 {
		return fmt.Errorf("%w: the bandwidth limit %d is negative", ErrInvalid, t.Bandwidth)
	}
	return nil
}

// CheckDestination makes sure the destination answers with t's
// credentials and keeps versions: a replica keeps its source's version
// id, which only a bucket with versioning Enabled takes. transport nil
// is the client's own.
func CheckDestination(ctx context.Context, t Target, transport http.RoundTripper) error {
	region := cmp.Or(t.Region, DefaultRegion)
	c, err := client.New(strings.TrimSuffix(t.Endpoint, "/"), &client.Options{
		AccessKey: t.AccessKey, SecretKey: t.SecretKey, Region: region,
		Transport: transport, MaxRetries: 1, UserAgent: "kura-replication",
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	cfg, err := c.GetBucketVersioning(ctx, t.DestBucket)
	if err != nil {
		return fmt.Errorf("%w: the versioning of bucket %s at %s cannot be read: %w", ErrInvalid, t.DestBucket, t.Endpoint, err)
	}
	if cfg.Status != versioning.Enabled {
		state := cfg.Status
		if state == "" {
			state = "never enabled"
		}
		return fmt.Errorf("%w: versioning of bucket %s at %s is %s; replication needs it Enabled", ErrInvalid, t.DestBucket, t.Endpoint, state)
	}
	return nil
}

// stored is a target as the metadata store keeps it: the credentials
// sealed, bound to the target's key.
type stored struct {
	ID         string    `json:"id"`
	ARN        string    `json:"arn"`
	Source     string    `json:"source"`
	Endpoint   string    `json:"endpoint"`
	DestBucket string    `json:"destBucket"`
	Region     string    `json:"region"`
	Bandwidth  int64     `json:"bandwidth,omitempty"`
	Created    time.Time `json:"created"`
	Sealed     []byte    `json:"sealed"`
}

type credentials struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
}

func sealAD(source, id string) []byte { return []byte("replication-target:" + source + "/" + id) }

func (r *Targets) encode(t Target) ([]byte, error) {
	plain, err := json.Marshal(credentials{t.AccessKey, t.SecretKey})
	if err != nil {
		return nil, err
	}
	return json.Marshal(stored{
		ID: t.ID, ARN: t.ARN, Source: t.SourceBucket, Endpoint: t.Endpoint, DestBucket: t.DestBucket,
		Region: t.Region, Bandwidth: t.Bandwidth, Created: t.Created,
		Sealed: r.seal.Seal(plain, sealAD(t.SourceBucket, t.ID)),
	})
}

func (r *Targets) decode(v []byte) (Target, error) { return r.decodeWith(v, true) }

// decodeWith decodes a stored target, with its credentials unsealed
// when withCredentials is set. Routing a change needs only the ID and
// ARN; unsealing is kept for the code that talks to the destination.
func (r *Targets) decodeWith(v []byte, withCredentials bool) (Target, error) {
	var st stored
	if err := json.Unmarshal(v, &st); err != nil {
		return Target{}, fmt.Errorf("replicate: a stored target does not parse: %w", err)
	}
	t := Target{
		ID: st.ID, ARN: st.ARN, SourceBucket: st.Source, Endpoint: st.Endpoint, DestBucket: st.DestBucket,
		Region: st.Region, Bandwidth: st.Bandwidth, Created: st.Created,
	}
	if !withCredentials {
		return t, nil
	}
	plain, err := r.seal.Open(st.Sealed, sealAD(st.Source, st.ID))
	if err != nil {
		return Target{}, fmt.Errorf("replicate: target %s: its credentials are sealed under another key", st.ARN)
	}
	var c credentials
	if err := json.Unmarshal(plain, &c); err != nil {
		return Target{}, err
	}
	t.AccessKey, t.SecretKey = c.AccessKey, c.SecretKey
	return t, nil
}

// Add checks t, looks at its destination (Options.Check), and stores it
// under a new ID; it returns the stored target, with its ARN. Why the
// destination is refused goes to the admin, who chose it.
func (r *Targets) Add(ctx context.Context, t Target) (Target, error) {
	if t.ID != "" || t.ARN != "" {
		return Target{}, fmt.Errorf("%w: a new target's ID and ARN are chosen by the server", ErrInvalid)
	}
	if err := t.Validate(); err != nil {
		return Target{}, err
	}
	t.Endpoint = strings.TrimSuffix(t.Endpoint, "/")
	t.Region = cmp.Or(t.Region, DefaultRegion)
	// Refuse what the stored targets refuse before going to the network.
	var existing []Target
	err := r.meta.View(ctx, func(rd meta.Reader) (err error) {
		existing, err = r.all(rd, t.SourceBucket)
		return err
	})
	if err != nil {
		return Target{}, err
	}
	if err := admits(existing, t); err != nil {
		return Target{}, err
	}
	if err := r.check(ctx, t); err != nil {
		return Target{}, err
	}
	t.ID = newID()
	t.ARN = FormatARN(t.Region, t.ID, t.DestBucket)
	t.Created = r.now().UTC()
	v, err := r.encode(t)
	if err != nil {
		return Target{}, err
	}
	err = r.meta.Update(ctx, lockOf(t.SourceBucket), func(tx meta.Txn) error {
		existing, err := r.all(tx, t.SourceBucket)
		if err != nil {
			return err
		}
		if err := admits(existing, t); err != nil {
			return err
		}
		if err := meta.BumpGeneration(tx, TargetsGenerationKey); err != nil {
			return err
		}
		return tx.Set(targetKey(t.SourceBucket, t.ID), v)
	})
	if err != nil {
		return Target{}, err
	}
	return t, nil
}

// admits reports why t cannot join the targets its bucket has.
func admits(existing []Target, t Target) error {
	for _, e := range existing {
		if e.Endpoint == t.Endpoint && e.DestBucket == t.DestBucket {
			return fmt.Errorf("%w: %s replicates to bucket %s at %s as %s", ErrTargetExists, t.SourceBucket, t.DestBucket, t.Endpoint, e.ARN)
		}
	}
	if len(existing) >= MaxTargetsPerBucket {
		return fmt.Errorf("%w: bucket %s has %d targets, the most it may have", ErrTooManyTargets, t.SourceBucket, len(existing))
	}
	return nil
}

func newID() string {
	var b [idLen / 2]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// List returns the targets of source, oldest first, with their
// credentials: what the admin API shows of them is its own choice.
func (r *Targets) List(ctx context.Context, source string) ([]Target, error) {
	var out []Target
	err := r.meta.View(ctx, func(rd meta.Reader) (err error) {
		out, err = r.all(rd, source)
		return err
	})
	return out, err
}

func (r *Targets) all(rd meta.Reader, source string) ([]Target, error) {
	return r.allWith(rd, source, true)
}

func (r *Targets) allWith(rd meta.Reader, source string, withCredentials bool) ([]Target, error) {
	var out []Target
	err := meta.EachEntry(rd, targetsPrefix(source), func(_, v []byte) error {
		t, err := r.decodeWith(v, withCredentials)
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	slices.SortFunc(out, func(a, b Target) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return out, err
}

// Get returns the target of source whose ARN is arn; false when there
// is none.
func (r *Targets) Get(rd meta.Reader, source, arn string) (Target, bool, error) {
	return r.getWith(rd, source, arn, true)
}

func (r *Targets) getWith(rd meta.Reader, source, arn string, withCredentials bool) (Target, bool, error) {
	_, id, _, ok := ParseARN(arn)
	if !ok || !s3name.ValidBucket(source) {
		return Target{}, false, nil
	}
	v, err := rd.Get(targetKey(source, id))
	if errors.Is(err, meta.ErrNotFound) {
		return Target{}, false, nil
	}
	if err != nil {
		return Target{}, false, err
	}
	t, err := r.decodeWith(v, withCredentials)
	if err != nil {
		return Target{}, false, err
	}
	// The ID alone found it: the region and bucket must match too.
	return t, t.ARN == arn, nil
}

// Remove deletes the target of source whose ARN is arn. Whether a
// replication rule still names it is the caller's to ask first.
func (r *Targets) Remove(ctx context.Context, source, arn string) error {
	return r.meta.Update(ctx, lockOf(source), func(tx meta.Txn) error {
		t, found, err := r.Get(tx, source, arn)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: bucket %s has no target %s", ErrNoSuchTarget, source, arn)
		}
		if err := meta.BumpGeneration(tx, TargetsGenerationKey); err != nil {
			return err
		}
		return tx.Delete(targetKey(source, t.ID))
	})
}

// Resolve maps a rule's Destination.Bucket to the target of source it
// names: a target's ARN, or arn:aws:s3:::DEST when exactly one target of
// source points at bucket DEST. It runs in the transaction of every
// replicated write, so the target it returns has no credentials: they
// stay sealed until a worker sends the change.
func (r *Targets) Resolve(rd meta.Reader, source, destARN string) (Target, error) {
	if strings.HasPrefix(destARN, ARNPrefix) {
		t, found, err := r.getWith(rd, source, destARN, false)
		if err != nil {
			return Target{}, err
		}
		if !found {
			return Target{}, fmt.Errorf("%w: bucket %s has no target %s", ErrNoSuchTarget, source, destARN)
		}
		return t, nil
	}
	all, err := r.allWith(rd, source, false)
	if err != nil {
		return Target{}, err
	}
	return ResolveAmong(all, source, destARN)
}

// ResolveAmong is Resolve over targets, the targets of source.
func ResolveAmong(targets []Target, source, destARN string) (Target, error) {
	if strings.HasPrefix(destARN, ARNPrefix) {
		for _, t := range targets {
			if t.ARN == destARN {
				return t, nil
			}
		}
		return Target{}, fmt.Errorf("%w: bucket %s has no target %s", ErrNoSuchTarget, source, destARN)
	}
	dest, ok := strings.CutPrefix(destARN, AWSARNPrefix)
	if !ok {
		return Target{}, fmt.Errorf("%w: %q is neither %sREGION:ID:BUCKET nor %sBUCKET", ErrNoSuchTarget, destARN, ARNPrefix, AWSARNPrefix)
	}
	var found []Target
	for _, t := range targets {
		if t.DestBucket == dest {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return Target{}, fmt.Errorf("%w: no target of bucket %s replicates to a bucket %s", ErrNoSuchTarget, source, dest)
	case 1:
		return found[0], nil
	}
	arns := make([]string, len(found))
	for i, t := range found {
		arns[i] = t.ARN
	}
	return Target{}, fmt.Errorf("%w: %d targets of bucket %s replicate to a bucket %s (%s); name one by its ARN",
		ErrAmbiguousTarget, len(found), source, dest, strings.Join(arns, ", "))
}

// every reads the targets of every bucket.
func (r *Targets) every(ctx context.Context) ([]Target, error) {
	var out []Target
	err := r.meta.View(ctx, func(rd meta.Reader) error {
		out = out[:0]
		return meta.EachEntry(rd, []byte{tagReplication, 't'}, func(_, v []byte) error {
			t, err := r.decode(v)
			if err == nil {
				out = append(out, t)
			}
			return err
		})
	})
	return out, err
}

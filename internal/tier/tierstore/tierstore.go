// Package tierstore is the registry of tiers: their definitions, kept in
// the metadata store with their credentials sealed, and the tiers built
// from them for the object layer (a tier.Source).
//
// Every gateway sharing the metadata store sees a change within
// PollInterval: a change bumps a generation key, and a gateway drops the
// tiers it built once it sees the key change. The cache never fails
// open: when the key cannot be read, no cached tier is handed out.
package tierstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/sealbox"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/internal/tier/dirtier"
	"github.com/kurastore/kura/internal/tier/s3tier"
)

// Tier types.
const (
	TypeS3  = "s3"
	TypeDir = "dir"
)

// Masked replaces secret settings in what List returns.
const Masked = "REDACTED"

// MaxNameLen is the longest tier name.
const MaxNameLen = 32

// DefaultPollInterval is how long a gateway may use a cached tier
// without looking whether the definitions changed.
const DefaultPollInterval = 2 * time.Second

// checkTimeout bounds the Check of a tier being added or reported on.
const checkTimeout = 15 * time.Second

var (
	// ErrTierExists is returned by Add for a name already defined.
	ErrTierExists = errors.New("tier: a tier of that name exists")
	// ErrTierInUse is returned by Remove for a tier still in use.
	ErrTierInUse = errors.New("tier: the tier is in use")
	// ErrInvalid wraps the reasons a definition is refused.
	ErrInvalid = errors.New("tier: invalid definition")
)

// GenerationKey changes whenever a tier is added or removed.
var GenerationKey = meta.GenerationKey("tiers")

// Definition describes a tier. Endpoint, Bucket, Prefix, AccessKey,
// SecretKey and Region are the settings of an s3 tier; Path is the
// directory of a dir tier.
type Definition struct {
	Name string
	Type string

	Endpoint  string
	Bucket    string
	Prefix    string
	AccessKey string
	SecretKey string
	Region    string

	Path string
}

// Status is whether a tier answered its Check.
type Status struct {
	Name, Type string
	Reachable  bool
	// Error is why the tier is not reachable.
	Error string
}

// Options configure a Registry.
type Options struct {
	Meta meta.Store
	// SealKey (32 bytes) seals the tiers' credentials.
	SealKey []byte
	// PollInterval is DefaultPollInterval when zero.
	PollInterval time.Duration
	// Now is the clock of the poll; nil means time.Now.
	Now func() time.Time
}

// Registry keeps the tier definitions and builds the tiers. It is safe
// for concurrent use.
type Registry struct {
	meta meta.Store
	seal *sealbox.Box
	poll time.Duration
	now  func() time.Time

	mu sync.Mutex
	// gen is the generation the cached tiers were built under; checked
	// is when it was last read (zero: read it before using the cache).
	gen     []byte
	checked time.Time
	tiers   map[string]tier.Tier
}

var _ tier.Source = (*Registry)(nil)

// sealPurpose derives the key sealing tier credentials from the seal
// key; changing it would make every stored credential unreadable.
const sealPurpose = "kura tier credentials v1"

// New returns a registry on opts.Meta.
func New(opts Options) (*Registry, error) {
	if opts.Meta == nil {
		return nil, errors.New("tierstore: no metadata store")
	}
	box, err := sealbox.New(opts.SealKey, sealPurpose)
	if err != nil {
		return nil, err
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Registry{meta: opts.Meta, seal: box, poll: opts.PollInterval, now: opts.Now, tiers: map[string]tier.Tier{}}, nil
}

// keyPrefix starts the key of every tier definition: 'T' is the tier
// keyspace, 't' its definitions.
var keyPrefix = []byte("Tt")

func defKey(name string) []byte { return append(slices.Clip(keyPrefix), name...) }

// ValidName reports why name cannot name a tier: a tier's name is the
// storage class transition rules and listings use, so it is upper-case
// letters, digits, '-' and '_', 1 to 32 of them, and not a storage class
// S3 defines for objects kept in place.
func ValidName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("%w: a tier name is 1 to %d characters", ErrInvalid, MaxNameLen)
	}
	for _, c := range []byte(name) {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%w: tier name %q: only upper-case letters, digits, '-' and '_'", ErrInvalid, name)
		}
	}
	if name == "STANDARD" {
		return fmt.Errorf("%w: STANDARD is the storage class of objects kept in place", ErrInvalid)
	}
	return nil
}

// build checks d and makes its tier, without contacting it.
func build(d Definition) (tier.Tier, error) {
	if err := ValidName(d.Name); err != nil {
		return nil, err
	}
	switch d.Type {
	case TypeS3:
		if d.Path != "" {
			return nil, fmt.Errorf("%w: an s3 tier has no path", ErrInvalid)
		}
		t, err := s3tier.New(s3Config(d))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		return t, nil
	case TypeDir:
		if d.Endpoint != "" || d.Bucket != "" || d.Prefix != "" || d.AccessKey != "" || d.SecretKey != "" || d.Region != "" {
			return nil, fmt.Errorf("%w: a dir tier has only a path", ErrInvalid)
		}
		t, err := dirtier.New(d.Path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		return t, nil
	}
	return nil, fmt.Errorf("%w: tier type %q is not %q or %q", ErrInvalid, d.Type, TypeS3, TypeDir)
}

func s3Config(d Definition) s3tier.Config {
	return s3tier.Config{
		Endpoint: d.Endpoint, Bucket: d.Bucket, Prefix: d.Prefix,
		AccessKey: d.AccessKey, SecretKey: d.SecretKey, Region: d.Region,
	}
}

// stored is a definition as the metadata store keeps it: the
// credentials sealed, bound to the tier's name.
type stored struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Endpoint string `json:"endpoint,omitempty"`
	Bucket   string `json:"bucket,omitempty"`
	Prefix   string `json:"prefix,omitempty"`
	Region   string `json:"region,omitempty"`
	Path     string `json:"path,omitempty"`
	Sealed   []byte `json:"sealed,omitempty"`
}

type credentials struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
}

func sealAD(name string) []byte { return []byte("tier:" + name) }

func (r *Registry) encode(d Definition) ([]byte, error) {
	st := stored{Name: d.Name, Type: d.Type, Endpoint: d.Endpoint, Bucket: d.Bucket, Prefix: d.Prefix, Region: d.Region, Path: d.Path}
	if d.AccessKey != "" || d.SecretKey != "" {
		plain, err := json.Marshal(credentials{d.AccessKey, d.SecretKey})
		if err != nil {
			return nil, err
		}
		st.Sealed = r.seal.Seal(plain, sealAD(d.Name))
	}
	return json.Marshal(st)
}

func (r *Registry) decode(v []byte) (Definition, error) {
	var st stored
	if err := json.Unmarshal(v, &st); err != nil {
		return Definition{}, fmt.Errorf("tierstore: a stored definition does not parse: %w", err)
	}
	d := Definition{Name: st.Name, Type: st.Type, Endpoint: st.Endpoint, Bucket: st.Bucket, Prefix: st.Prefix, Region: st.Region, Path: st.Path}
	if len(st.Sealed) > 0 {
		plain, err := r.seal.Open(st.Sealed, sealAD(st.Name))
		if err != nil {
			return Definition{}, fmt.Errorf("tierstore: tier %s: its credentials are sealed under another key", st.Name)
		}
		var c credentials
		if err := json.Unmarshal(plain, &c); err != nil {
			return Definition{}, err
		}
		d.AccessKey, d.SecretKey = c.AccessKey, c.SecretKey
	}
	return d, nil
}

func lockOf(name string) []meta.Lock { return []meta.Lock{{Name: defKey(name)}} }

// Add checks d, makes sure the tier answers (its Check writes and
// removes a probe object), and stores the definition. The reason a tier
// cannot be reached is returned, for the admin who chose its address.
func (r *Registry) Add(ctx context.Context, d Definition) error {
	t, err := build(d)
	if err != nil {
		return err
	}
	if _, err := r.definition(ctx, d.Name); err == nil {
		return fmt.Errorf("%w: %s", ErrTierExists, d.Name)
	} else if !errors.Is(err, tier.ErrNoSuchTier) {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	err = t.Check(cctx)
	cancel()
	if err != nil {
		return fmt.Errorf("%w: tier %s does not answer: %w", ErrInvalid, d.Name, err)
	}
	v, err := r.encode(d)
	if err != nil {
		return err
	}
	defer r.dropCache()
	return r.meta.Update(ctx, lockOf(d.Name), func(tx meta.Txn) error {
		if _, err := tx.Get(defKey(d.Name)); err == nil {
			return fmt.Errorf("%w: %s", ErrTierExists, d.Name)
		} else if !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		if err := meta.BumpGeneration(tx, GenerationKey); err != nil {
			return err
		}
		return tx.Set(defKey(d.Name), v)
	})
}

// InUse reports whether something still needs the tier name (transition
// rules naming it, objects on it).
type InUse func(ctx context.Context, name string) (bool, error)

// Remove deletes the definition of name, unless inUse (when not nil)
// says the tier is in use. Objects on the tier are not touched.
func (r *Registry) Remove(ctx context.Context, name string, inUse InUse) error {
	if _, err := r.definition(ctx, name); err != nil {
		return err
	}
	if inUse != nil {
		used, err := inUse(ctx, name)
		if err != nil {
			return err
		}
		if used {
			return fmt.Errorf("%w: %s", ErrTierInUse, name)
		}
	}
	defer r.dropCache()
	return r.meta.Update(ctx, lockOf(name), func(tx meta.Txn) error {
		if _, err := tx.Get(defKey(name)); errors.Is(err, meta.ErrNotFound) {
			return fmt.Errorf("%w: %s", tier.ErrNoSuchTier, name)
		} else if err != nil {
			return err
		}
		if err := meta.BumpGeneration(tx, GenerationKey); err != nil {
			return err
		}
		return tx.Delete(defKey(name))
	})
}

// List returns the definitions by name, their secret keys Masked.
func (r *Registry) List(ctx context.Context) ([]Definition, error) {
	defs, err := r.all(ctx)
	if err != nil {
		return nil, err
	}
	for i := range defs {
		if defs[i].SecretKey != "" {
			defs[i].SecretKey = Masked
		}
	}
	return defs, nil
}

func (r *Registry) all(ctx context.Context) ([]Definition, error) {
	var defs []Definition
	err := r.meta.View(ctx, func(rd meta.Reader) error {
		defs = defs[:0]
		return meta.EachEntry(rd, keyPrefix, func(_, v []byte) error {
			d, err := r.decode(v)
			if err != nil {
				return err
			}
			defs = append(defs, d)
			return nil
		})
	})
	return defs, err
}

func (r *Registry) definition(ctx context.Context, name string) (Definition, error) {
	d, _, err := r.definitionAt(ctx, name)
	return d, err
}

// definitionAt reads the definition of name and the generation it
// belongs to, in one view.
func (r *Registry) definitionAt(ctx context.Context, name string) (Definition, []byte, error) {
	var v, gen []byte
	err := r.meta.View(ctx, func(rd meta.Reader) (err error) {
		if gen, err = rd.Get(GenerationKey); errors.Is(err, meta.ErrNotFound) {
			gen = nil
		} else if err != nil {
			return err
		}
		v, err = rd.Get(defKey(name))
		return err
	})
	if errors.Is(err, meta.ErrNotFound) {
		return Definition{}, gen, fmt.Errorf("%w: %s", tier.ErrNoSuchTier, name)
	}
	if err != nil {
		return Definition{}, nil, err
	}
	d, err := r.decode(v)
	return d, gen, err
}

// Tier returns the tier name, built once and kept until the definitions
// change. An unknown name is tier.ErrNoSuchTier.
func (r *Registry) Tier(ctx context.Context, name string) (tier.Tier, error) {
	if err := r.refresh(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	t, ok := r.tiers[name]
	r.mu.Unlock()
	if ok {
		return t, nil
	}
	d, gen, err := r.definitionAt(ctx, name)
	if err != nil {
		return nil, err
	}
	t, err = build(d)
	if err != nil {
		return nil, fmt.Errorf("tierstore: the stored tier %s: %w", name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// A definition read under another generation than the cache's is
	// used once, not kept: the cache may have moved on past it (a
	// removal), or the next refresh will start it again.
	if slices.Equal(gen, r.gen) && !r.checked.IsZero() {
		r.tiers[name] = t
	}
	return t, nil
}

// refresh drops the cached tiers when the generation key changed, read
// at most once per poll interval.
func (r *Registry) refresh(ctx context.Context) error {
	r.mu.Lock()
	fresh := !r.checked.IsZero() && r.now().Sub(r.checked) < r.poll
	r.mu.Unlock()
	if fresh {
		return nil
	}
	gen, err := meta.Generation(ctx, r.meta, GenerationKey)
	if err != nil {
		return fmt.Errorf("tierstore: reading the tiers' generation: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(gen, r.gen) {
		r.tiers, r.gen = map[string]tier.Tier{}, gen
	}
	r.checked = r.now()
	return nil
}

// dropCache forgets every built tier after a local change.
func (r *Registry) dropCache() {
	r.mu.Lock()
	r.tiers, r.gen, r.checked = map[string]tier.Tier{}, nil, time.Time{}
	r.mu.Unlock()
}

// Status checks every tier, all at once, each for at most 15 seconds.
func (r *Registry) Status(ctx context.Context) ([]Status, error) {
	defs, err := r.all(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Status, len(defs))
	var wg sync.WaitGroup
	for i, d := range defs {
		out[i] = Status{Name: d.Name, Type: d.Type}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].Reachable, out[i].Error = check(ctx, d)
		}()
	}
	wg.Wait()
	return out, nil
}

func check(ctx context.Context, d Definition) (bool, string) {
	t, err := build(d)
	if err != nil {
		return false, err.Error()
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := t.Check(cctx); err != nil {
		return false, strings.TrimSpace(err.Error())
	}
	return true, ""
}

package tierstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/tier"
)

var ctx = context.Background()

func openMeta(t *testing.T) meta.Store {
	t.Helper()
	m, err := pebblestore.Open(filepath.Join(t.TempDir(), "meta"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func sealKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// clock is a settable clock for the cache's poll.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }
func newClock() *clock {
	c := &clock{}
	c.t.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) opts(m meta.Store) Options { return Options{Meta: m, SealKey: sealKey(1), Now: c.now} }

func newRegistry(t *testing.T, opts Options) *Registry {
	t.Helper()
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func dirDef(t *testing.T, name string) Definition {
	return Definition{Name: name, Type: TypeDir, Path: t.TempDir()}
}

func TestValidName(t *testing.T) {
	good := []string{"A", "COLD", "COLD-1", "WARM_2", "0", strings.Repeat("A", MaxNameLen)}
	bad := []string{"", strings.Repeat("A", MaxNameLen+1), "cold", "Cold", "COLD TIER", "COLD/1", "COLD.1", "STANDARD", "É"}
	for _, n := range good {
		if err := ValidName(n); err != nil {
			t.Errorf("%q refused: %v", n, err)
		}
	}
	for _, n := range bad {
		if err := ValidName(n); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", n, err)
		}
	}
}

func TestAddUseRemove(t *testing.T) {
	r := newRegistry(t, newClock().opts(openMeta(t)))
	d := dirDef(t, "COLD")
	if err := r.Add(ctx, d); err != nil {
		t.Fatal(err)
	}
	tr, err := r.Tier(ctx, "COLD")
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Put(ctx, "u/b", strings.NewReader("data"), 4); err != nil {
		t.Fatal(err)
	}
	rc, err := tr.Open(ctx, "u/b", 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "data" {
		t.Fatalf("read %q", got)
	}
	if err := r.Add(ctx, dirDef(t, "COLD")); !errors.Is(err, ErrTierExists) {
		t.Fatalf("duplicate add: %v", err)
	}
	defs, err := r.List(ctx)
	if err != nil || len(defs) != 1 || defs[0] != d {
		t.Fatalf("list: %+v, %v", defs, err)
	}
	busy := func(context.Context, string) (bool, error) { return true, nil }
	if err := r.Remove(ctx, "COLD", busy); !errors.Is(err, ErrTierInUse) {
		t.Fatalf("remove of a tier in use: %v", err)
	}
	if _, err := r.Tier(ctx, "COLD"); err != nil {
		t.Fatalf("the tier went with a refused removal: %v", err)
	}
	failing := func(context.Context, string) (bool, error) { return false, errors.New("cannot tell") }
	if err := r.Remove(ctx, "COLD", failing); err == nil {
		t.Fatal("remove went ahead though its in-use check failed")
	}
	idle := func(_ context.Context, name string) (bool, error) { return name != "COLD", nil }
	if err := r.Remove(ctx, "COLD", idle); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Tier(ctx, "COLD"); !errors.Is(err, tier.ErrNoSuchTier) {
		t.Fatalf("tier after removal: %v", err)
	}
	if err := r.Remove(ctx, "COLD", nil); !errors.Is(err, tier.ErrNoSuchTier) {
		t.Fatalf("second removal: %v", err)
	}
	if defs, _ := r.List(ctx); len(defs) != 0 {
		t.Fatalf("list after removal: %+v", defs)
	}
}

func TestAddRefuses(t *testing.T) {
	r := newRegistry(t, newClock().opts(openMeta(t)))
	cases := map[string]Definition{
		"lower-case name": {Name: "cold", Type: TypeDir, Path: t.TempDir()},
		"STANDARD":        {Name: "STANDARD", Type: TypeDir, Path: t.TempDir()},
		"unknown type":    {Name: "COLD", Type: "ftp", Path: t.TempDir()},
		"relative path":   {Name: "COLD", Type: TypeDir, Path: "rel"},
		"dir with bucket": {Name: "COLD", Type: TypeDir, Path: t.TempDir(), Bucket: "b"},
		"s3 without keys": {Name: "COLD", Type: TypeS3, Endpoint: "http://127.0.0.1:1", Bucket: "cold"},
		"s3 with path":    {Name: "COLD", Type: TypeS3, Endpoint: "http://127.0.0.1:1", Bucket: "cold", AccessKey: "a", SecretKey: "s", Path: "/x"},
		"missing dir":     {Name: "COLD", Type: TypeDir, Path: filepath.Join(t.TempDir(), "absent")},
		"unreachable s3":  {Name: "COLD", Type: TypeS3, Endpoint: "http://127.0.0.1:1", Bucket: "cold", AccessKey: "a", SecretKey: "s"},
		"s3 bad endpoint": {Name: "COLD", Type: TypeS3, Endpoint: "127.0.0.1:1", Bucket: "cold", AccessKey: "a", SecretKey: "s"},
	}
	for what, d := range cases {
		if err := r.Add(ctx, d); err == nil {
			t.Errorf("%s: added", what)
		}
	}
	if defs, _ := r.List(ctx); len(defs) != 0 {
		t.Fatalf("refused tiers were stored: %+v", defs)
	}
}

// TestOtherGatewaySeesRemoval: two registries on one store stand for two
// gateways sharing PostgreSQL.
func TestOtherGatewaySeesRemoval(t *testing.T) {
	m := openMeta(t)
	clk := newClock()
	a := newRegistry(t, clk.opts(m))
	b := newRegistry(t, clk.opts(m))
	if err := a.Add(ctx, dirDef(t, "COLD")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Tier(ctx, "COLD"); err != nil {
		t.Fatal(err)
	}
	if err := a.Remove(ctx, "COLD", nil); err != nil {
		t.Fatal(err)
	}
	// Within the poll interval b may still use what it built...
	clk.advance(DefaultPollInterval - time.Nanosecond)
	if _, err := b.Tier(ctx, "COLD"); err != nil {
		t.Fatalf("within the poll interval: %v", err)
	}
	// ...and not a moment longer.
	clk.advance(time.Nanosecond)
	if _, err := b.Tier(ctx, "COLD"); !errors.Is(err, tier.ErrNoSuchTier) {
		t.Fatalf("after the poll interval: %v, want ErrNoSuchTier", err)
	}
	// A tier added again under the name, elsewhere, is the new one.
	d2 := dirDef(t, "COLD")
	if err := a.Add(ctx, d2); err != nil {
		t.Fatal(err)
	}
	clk.advance(DefaultPollInterval)
	tr, err := b.Tier(ctx, "COLD")
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.(interface{ Root() string }).Root(); got != d2.Path {
		t.Fatalf("b uses the tier at %s, not the new one at %s", got, d2.Path)
	}
}

// failingMeta fails every View while broken is set.
type failingMeta struct {
	meta.Store
	broken atomic.Bool
}

func (f *failingMeta) View(ctx context.Context, fn func(meta.Reader) error) error {
	if f.broken.Load() {
		return errors.New("the store is unreachable")
	}
	return f.Store.View(ctx, fn)
}

// TestCacheFailsClosed: when the generation cannot be read, a cached tier
// is not handed out past the poll interval.
func TestCacheFailsClosed(t *testing.T) {
	fm := &failingMeta{Store: openMeta(t)}
	clk := newClock()
	r := newRegistry(t, clk.opts(fm))
	if err := r.Add(ctx, dirDef(t, "COLD")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Tier(ctx, "COLD"); err != nil {
		t.Fatal(err)
	}
	fm.broken.Store(true)
	clk.advance(DefaultPollInterval)
	if _, err := r.Tier(ctx, "COLD"); err == nil {
		t.Fatal("a cached tier was handed out while the store could not be read")
	}
	fm.broken.Store(false)
	if _, err := r.Tier(ctx, "COLD"); err != nil {
		t.Fatalf("after the store came back: %v", err)
	}
}

func TestStatus(t *testing.T) {
	r := newRegistry(t, newClock().opts(openMeta(t)))
	good, gone := dirDef(t, "GOOD"), dirDef(t, "GONE")
	for _, d := range []Definition{good, gone} {
		if err := r.Add(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := removeAll(gone.Path); err != nil {
		t.Fatal(err)
	}
	sts, err := r.Status(ctx)
	if err != nil || len(sts) != 2 {
		t.Fatalf("status: %+v, %v", sts, err)
	}
	byName := map[string]Status{}
	for _, s := range sts {
		byName[s.Name] = s
	}
	if s := byName["GOOD"]; !s.Reachable || s.Error != "" || s.Type != TypeDir {
		t.Errorf("GOOD: %+v", s)
	}
	if s := byName["GONE"]; s.Reachable || s.Error == "" {
		t.Errorf("GONE: %+v", s)
	}
}

func TestNewRefusesBadKey(t *testing.T) {
	m := openMeta(t)
	for _, n := range []int{0, 31, 33} {
		if _, err := New(Options{Meta: m, SealKey: make([]byte, n)}); err == nil {
			t.Errorf("a %d-byte seal key was taken", n)
		}
	}
	if _, err := New(Options{SealKey: sealKey(1)}); err == nil {
		t.Error("a registry without a store was made")
	}
}

func removeAll(p string) error { return os.RemoveAll(p) }

// TestConcurrentUseAndChange runs lookups while tiers come and go: every
// lookup gets a tier or ErrNoSuchTier, never another error (run with
// -race).
func TestConcurrentUseAndChange(t *testing.T) {
	clk := newClock()
	r := newRegistry(t, clk.opts(openMeta(t)))
	if err := r.Add(ctx, dirDef(t, "STAY")); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				if _, err := r.Tier(ctx, "STAY"); err != nil {
					errs <- err
					return
				}
				if _, err := r.Tier(ctx, "FLIP"); err != nil && !errors.Is(err, tier.ErrNoSuchTier) {
					errs <- err
					return
				}
				clk.advance(time.Second)
			}
		}()
	}
	for range 20 {
		if err := r.Add(ctx, dirDef(t, "FLIP")); err != nil {
			t.Fatal(err)
		}
		if err := r.Remove(ctx, "FLIP", nil); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Tier(ctx, "FLIP"); !errors.Is(err, tier.ErrNoSuchTier) {
		t.Fatalf("FLIP after its last removal: %v", err)
	}
}

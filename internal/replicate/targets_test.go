package replicate_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/replicate"
	"github.com/kurastore/kura/kuratest"
	"github.com/kurastore/kura/wire/versioning"
)

// The external test package may use kuratest, whose server has its own
// replication targets.

var ctx = context.Background()

func sealKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func openMeta(t *testing.T) meta.Store {
	t.Helper()
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// newTargets returns a registry whose destinations are not contacted:
// checked records what Add looked at.
func newTargets(t *testing.T, m meta.Store, checked *[]replicate.Target) *replicate.Targets {
	t.Helper()
	r, err := replicate.NewTargets(replicate.Options{
		Meta: m, SealKey: sealKey(1),
		Now: func() time.Time { return time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC) },
		Check: func(_ context.Context, tg replicate.Target) error {
			if checked != nil {
				*checked = append(*checked, tg)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func target(source, dest string) replicate.Target {
	return replicate.Target{SourceBucket: source, Endpoint: "http://127.0.0.1:9000", DestBucket: dest, AccessKey: "AK", SecretKey: "secret-key"}
}

func TestAddListGetRemove(t *testing.T) {
	m := openMeta(t)
	var checked []replicate.Target
	r := newTargets(t, m, &checked)
	in := target("src", "dest")
	in.Endpoint += "/"
	in.Bandwidth = 1 << 20
	got, err := r.Add(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(checked) != 1 || checked[0].DestBucket != "dest" {
		t.Fatalf("checked %+v", checked)
	}
	region, id, dest, ok := replicate.ParseARN(got.ARN)
	if !ok || region != replicate.DefaultRegion || id != got.ID || len(id) != 16 || dest != "dest" {
		t.Fatalf("ARN %q: %q %q %q %v", got.ARN, region, id, dest, ok)
	}
	if got.Endpoint != "http://127.0.0.1:9000" || got.Region != replicate.DefaultRegion || got.Created.IsZero() {
		t.Fatalf("added %+v", got)
	}
	list, err := r.List(ctx, "src")
	if err != nil || len(list) != 1 || list[0] != got {
		t.Fatalf("list %+v, %v; want %+v", list, err, got)
	}
	if list, err := r.List(ctx, "other"); err != nil || len(list) != 0 {
		t.Fatalf("list of another bucket: %+v, %v", list, err)
	}
	view := func(fn func(meta.Reader) error) {
		t.Helper()
		if err := m.View(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	view(func(rd meta.Reader) error {
		if g, found, err := r.Get(rd, "src", got.ARN); err != nil || !found || g != got {
			t.Errorf("get: %+v %v %v", g, found, err)
		}
		// The ID of the ARN finds the record; the rest must match too.
		for _, arn := range []string{
			replicate.FormatARN("us-east-1", got.ID, "elsewhere"),
			replicate.FormatARN("eu-west-1", got.ID, "dest"),
			"arn:aws:s3:::dest", "nonsense",
		} {
			if _, found, err := r.Get(rd, "src", arn); err != nil || found {
				t.Errorf("get %s: %v %v", arn, found, err)
			}
		}
		if _, found, err := r.Get(rd, "other", got.ARN); err != nil || found {
			t.Errorf("get from another bucket: %v %v", found, err)
		}
		return nil
	})

	if _, err := r.Add(ctx, target("src", "dest")); !errors.Is(err, replicate.ErrTargetExists) {
		t.Fatalf("the same destination again: %v", err)
	}
	if err := r.Remove(ctx, "other", got.ARN); !errors.Is(err, replicate.ErrNoSuchTarget) {
		t.Fatalf("remove from another bucket: %v", err)
	}
	if err := r.Remove(ctx, "src", got.ARN); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, "src", got.ARN); !errors.Is(err, replicate.ErrNoSuchTarget) {
		t.Fatalf("second remove: %v", err)
	}
	if list, err := r.List(ctx, "src"); err != nil || len(list) != 0 {
		t.Fatalf("list after remove: %+v, %v", list, err)
	}
}

func TestAddRefuses(t *testing.T) {
	r := newTargets(t, openMeta(t), nil)
	with := func(change func(*replicate.Target)) replicate.Target {
		tg := target("src", "dest")
		change(&tg)
		return tg
	}
	for name, tg := range map[string]replicate.Target{
		"bad source":        with(func(t *replicate.Target) { t.SourceBucket = "Src" }),
		"bad dest":          with(func(t *replicate.Target) { t.DestBucket = "d" }),
		"no scheme":         with(func(t *replicate.Target) { t.Endpoint = "127.0.0.1:9000" }),
		"ftp":               with(func(t *replicate.Target) { t.Endpoint = "ftp://host" }),
		"path":              with(func(t *replicate.Target) { t.Endpoint = "http://host/bucket" }),
		"user":              with(func(t *replicate.Target) { t.Endpoint = "http://u:p@host" }),
		"query":             with(func(t *replicate.Target) { t.Endpoint = "http://host?x" }),
		"bad region":        with(func(t *replicate.Target) { t.Region = "Moon Base" }),
		"no access key":     with(func(t *replicate.Target) { t.AccessKey = "" }),
		"no secret key":     with(func(t *replicate.Target) { t.SecretKey = "" }),
		"negative bandwidh": with(func(t *replicate.Target) { t.Bandwidth = -1 }),
		"ID given":          with(func(t *replicate.Target) { t.ID = "0123456789abcdef" }),
		"ARN given":         with(func(t *replicate.Target) { t.ARN = "arn:minio:replication::x:dest" }),
	} {
		if _, err := r.Add(ctx, tg); !errors.Is(err, replicate.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A refused destination is not stored.
	refusing, err := replicate.NewTargets(replicate.Options{Meta: openMeta(t), SealKey: sealKey(1), Check: func(context.Context, replicate.Target) error {
		return fmt.Errorf("%w: no", replicate.ErrInvalid)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := refusing.Add(ctx, target("src", "dest")); !errors.Is(err, replicate.ErrInvalid) {
		t.Fatalf("refused destination: %v", err)
	}
	if list, err := refusing.List(ctx, "src"); err != nil || len(list) != 0 {
		t.Fatalf("list: %+v %v", list, err)
	}
}

// TestTargetsPerBucketLimit: MaxTargetsPerBucket targets, not one more;
// another bucket has a limit of its own.
func TestTargetsPerBucketLimit(t *testing.T) {
	r := newTargets(t, openMeta(t), nil)
	for i := range replicate.MaxTargetsPerBucket {
		if _, err := r.Add(ctx, target("src", fmt.Sprintf("dest-%03d", i))); err != nil {
			t.Fatalf("target %d: %v", i+1, err)
		}
	}
	if _, err := r.Add(ctx, target("src", "one-more")); !errors.Is(err, replicate.ErrTooManyTargets) {
		t.Fatalf("target %d: %v", replicate.MaxTargetsPerBucket+1, err)
	}
	if _, err := r.Add(ctx, target("other", "one-more")); err != nil {
		t.Fatalf("another bucket: %v", err)
	}
	list, err := r.List(ctx, "src")
	if err != nil || len(list) != replicate.MaxTargetsPerBucket {
		t.Fatalf("list: %d %v", len(list), err)
	}
}

func TestResolve(t *testing.T) {
	m := openMeta(t)
	r := newTargets(t, m, nil)
	add := func(tg replicate.Target) replicate.Target {
		t.Helper()
		got, err := r.Add(ctx, tg)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	solo := add(target("src", "solo"))
	twinA := add(target("src", "twin"))
	twinB := target("src", "twin")
	twinB.Endpoint, twinB.Region = "https://other.example:9000", "eu-west-1"
	twinB = add(twinB)
	elsewhere := add(target("other", "mine"))

	for _, tt := range []struct {
		arn  string
		want replicate.Target
		err  error
	}{
		{solo.ARN, solo, nil},
		{"arn:aws:s3:::solo", solo, nil},
		{twinA.ARN, twinA, nil},
		{twinB.ARN, twinB, nil},
		{"arn:aws:s3:::twin", replicate.Target{}, replicate.ErrAmbiguousTarget},
		{"arn:aws:s3:::nowhere", replicate.Target{}, replicate.ErrNoSuchTarget},
		{elsewhere.ARN, replicate.Target{}, replicate.ErrNoSuchTarget},
		{"arn:aws:s3:::mine", replicate.Target{}, replicate.ErrNoSuchTarget},
		{replicate.FormatARN("us-east-1", "0123456789abcdef", "solo"), replicate.Target{}, replicate.ErrNoSuchTarget},
		{"solo", replicate.Target{}, replicate.ErrNoSuchTarget},
	} {
		var got replicate.Target
		err := m.View(ctx, func(rd meta.Reader) (err error) {
			got, err = r.Resolve(rd, "src", tt.arn)
			return err
		})
		// Resolve routes a change: the target it returns keeps its
		// credentials sealed.
		if got != withoutCredentials(tt.want) || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("Resolve(%s) = %+v, %v; want %+v, %v", tt.arn, got, err, tt.want, tt.err)
		}
		list, lerr := r.List(ctx, "src")
		if lerr != nil {
			t.Fatal(lerr)
		}
		if again, err2 := replicate.ResolveAmong(list, "src", tt.arn); withoutCredentials(again) != got || (err2 == nil) != (err == nil) {
			t.Errorf("ResolveAmong(%s) = %+v, %v; Resolve said %+v, %v", tt.arn, again, err2, got, err)
		}
	}
	// The ambiguity is explained with the ARNs to choose from.
	_, err := replicate.ResolveAmong([]replicate.Target{twinA, twinB}, "src", "arn:aws:s3:::twin")
	if err == nil || !strings.Contains(err.Error(), twinA.ARN) || !strings.Contains(err.Error(), twinB.ARN) {
		t.Fatalf("ambiguity: %v", err)
	}
}

func withoutCredentials(t replicate.Target) replicate.Target {
	t.AccessKey, t.SecretKey = "", ""
	return t
}

// TestCheckDestination: a destination is accepted only when its bucket
// answers the target's credentials with versioning Enabled.
func TestCheckDestination(t *testing.T) {
	srv := kuratest.NewServer(t)
	for _, b := range []string{"plain", "suspended", "versioned"} {
		if err := srv.Client.MakeBucket(ctx, b, client.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	setVersioning(t, srv, "suspended", versioning.Suspended)
	setVersioning(t, srv, "versioned", versioning.Enabled)
	good := replicate.Target{SourceBucket: "src", Endpoint: srv.URL, DestBucket: "versioned", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	if err := replicate.CheckDestination(ctx, good, nil); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*replicate.Target){
		"never versioned": func(t *replicate.Target) { t.DestBucket = "plain" },
		"suspended":       func(t *replicate.Target) { t.DestBucket = "suspended" },
		"missing bucket":  func(t *replicate.Target) { t.DestBucket = "missing" },
		"wrong secret":    func(t *replicate.Target) { t.SecretKey = "wrong" },
		"nobody there":    func(t *replicate.Target) { t.Endpoint = "http://127.0.0.1:1" },
	} {
		tg := good
		change(&tg)
		if err := replicate.CheckDestination(ctx, tg, nil); !errors.Is(err, replicate.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	err := replicate.CheckDestination(ctx, replicate.Target{Endpoint: srv.URL, DestBucket: "suspended", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}, nil)
	if err == nil || !strings.Contains(err.Error(), "Suspended") || !strings.Contains(err.Error(), "Enabled") {
		t.Fatalf("the reason is not given: %v", err)
	}
}

func setVersioning(t *testing.T, srv *kuratest.Server, bucket, status string) {
	t.Helper()
	if err := srv.Client.SetBucketVersioning(ctx, bucket, &versioning.Configuration{Status: status}); err != nil {
		t.Fatal(err)
	}
}

// TestCredentialsSealedAtRest reads every value of the metadata store:
// none holds the secret key or the access key; another seal key does not
// open them.
func TestCredentialsSealedAtRest(t *testing.T) {
	srv := kuratest.NewServer(t)
	if err := srv.Client.MakeBucket(ctx, "dest", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	setVersioning(t, srv, "dest", versioning.Enabled)
	m := openMeta(t)
	r, err := replicate.NewTargets(replicate.Options{Meta: m, SealKey: sealKey(1)})
	if err != nil {
		t.Fatal(err)
	}
	added, err := r.Add(ctx, replicate.Target{SourceBucket: "src", Endpoint: srv.URL, DestBucket: "dest", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = m.View(ctx, func(rd meta.Reader) error {
		return meta.EachEntry(rd, nil, func(k, v []byte) error {
			n++
			for _, secret := range []string{srv.SecretKey, srv.AccessKey} {
				if bytes.Contains(k, []byte(secret)) || holds(v, secret) {
					t.Errorf("key %q holds a credential in the clear", k)
				}
			}
			return nil
		})
	})
	if err != nil || n == 0 {
		t.Fatalf("%d entries, %v", n, err)
	}
	list, err := r.List(ctx, "src")
	if err != nil || len(list) != 1 || list[0].SecretKey != srv.SecretKey || list[0].AccessKey != srv.AccessKey {
		t.Fatalf("list: %+v, %v", list, err)
	}
	// Another seal key cannot open them: the target is refused, not
	// handed out with empty credentials.
	other, err := replicate.NewTargets(replicate.Options{Meta: m, SealKey: sealKey(2)})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := other.List(ctx, "src"); err == nil {
		t.Fatalf("list under another seal key: %+v", list)
	}
	err = m.View(ctx, func(rd meta.Reader) error {
		_, _, err := other.Get(rd, "src", added.ARN)
		return err
	})
	if err == nil {
		t.Fatal("get under another seal key succeeded")
	}
}

// TestSealedValueBoundToItsKey: a target's record copied under another
// bucket's key does not open there.
func TestSealedValueBoundToItsKey(t *testing.T) {
	m := openMeta(t)
	r := newTargets(t, m, nil)
	added, err := r.Add(ctx, target("src", "dest"))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Update(ctx, nil, func(tx meta.Txn) error {
		v, err := tx.Get([]byte("Qtsrc/" + added.ID))
		if err != nil {
			return err
		}
		var st map[string]any
		if err := json.Unmarshal(v, &st); err != nil {
			return err
		}
		st["source"] = "thief"
		moved, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return tx.Set([]byte("Qtthief/"+added.ID), moved)
	})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := r.List(ctx, "thief"); err == nil {
		t.Fatalf("a moved record opened: %+v", list)
	}
}

// holds reports whether a stored value holds secret in the clear, or in
// base64 (as JSON carries bytes) in one of its members.
func holds(v []byte, secret string) bool {
	if bytes.Contains(v, []byte(secret)) {
		return true
	}
	var members map[string]any
	if json.Unmarshal(v, &members) != nil {
		return false
	}
	for _, m := range members {
		if s, ok := m.(string); ok {
			if dec, err := base64.StdEncoding.DecodeString(s); err == nil && bytes.Contains(dec, []byte(secret)) {
				return true
			}
		}
	}
	return false
}

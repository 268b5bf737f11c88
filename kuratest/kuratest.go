// Package kuratest starts a real kura server in-process for tests: on a
// temporary directory and a loopback port, with random credentials, and a
// ready *client.Client. Users of the SDK test their own code against it.
package kuratest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/certs"
	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/lifecycle"
	"github.com/kurastore/kura/internal/manualclock"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/notify"
	_ "github.com/kurastore/kura/internal/notify/webhook" // the kind of Options.Webhooks
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/replicate"
	"github.com/kurastore/kura/internal/tier/tierstore"
)

// Server is a running kura.
type Server struct {
	// Endpoint is "127.0.0.1:port", as client.New takes it.
	Endpoint string
	// URL is the endpoint with its scheme.
	URL                  string
	AccessKey, SecretKey string
	Region               string
	// RootCAs trusts the server's certificate (Options.TLS); CertPEM is
	// that certificate, for clients that load a CA file.
	RootCAs *x509.CertPool
	CertPEM []byte
	// Client is a client with the root credentials.
	Client *client.Client

	scanner     *lifecycle.Scanner
	layer       *object.Layer
	tiers       *tierstore.Registry
	replTargets *replicate.Targets
	replication *replicate.Service
}

// AddTier adds a tier, where lifecycle transitions to the storage class
// name move data: Type "dir" with Path (a directory), or "s3" with
// Endpoint, Bucket, Prefix, AccessKey, SecretKey and Region (a bucket of
// another server, another kuratest.Server's URL for one). The server
// writes and deletes a probe object on it first, as kura admin tier add
// does.
func (s *Server) AddTier(ctx context.Context, name string, t admin.Tier) error {
	return s.tiers.Add(ctx, tierstore.Definition{
		Name: name, Type: t.Type, Path: t.Path, Endpoint: t.Endpoint, Bucket: t.Bucket, Prefix: t.Prefix,
		AccessKey: t.AccessKey, SecretKey: t.SecretKey, Region: t.Region,
	})
}

// AddReplicationTarget registers a destination for bucket's replication,
// as kura admin replicate add does: Endpoint (another kuratest.Server's
// URL, say), DestBucket, AccessKey, SecretKey and optionally Region and
// Bandwidth. The server checks that the destination bucket answers with
// versioning Enabled. It returns the target's ARN, which the rules of
// bucket's replication configuration name as their destination.
func (s *Server) AddReplicationTarget(ctx context.Context, bucket string, t admin.ReplicationTarget) (string, error) {
	added, err := s.replTargets.Add(ctx, replicate.Target{
		SourceBucket: bucket, Endpoint: t.Endpoint, DestBucket: t.DestBucket, Region: t.Region,
		AccessKey: t.AccessKey, SecretKey: t.SecretKey, Bandwidth: t.Bandwidth,
	})
	return added.ARN, err
}

// ReplicationStatus reports how bucket's replication goes, per target,
// as kura admin replicate status does.
func (s *Server) ReplicationStatus(ctx context.Context, bucket string) ([]admin.ReplicationTargetStatus, error) {
	return s.replication.Status(ctx, bucket)
}

// ResyncReplication queues bucket's existing objects for replication to
// the target arn, as kura admin replicate resync does; ReplicationStatus
// follows it.
func (s *Server) ResyncReplication(ctx context.Context, bucket, arn string) error {
	return s.replication.Resync(ctx, bucket, arn)
}

// RunLifecycle makes one whole pass of the lifecycle scanner now: every
// rule of every bucket is applied at the server's current time.
// The restores it asks for are made, and the remote copies of deleted
// versions are deleted, before it returns.
func (s *Server) RunLifecycle(ctx context.Context) error {
	if err := s.scanner.Pass(ctx); err != nil {
		return err
	}
	if _, err := s.layer.DrainRestores(ctx); err != nil {
		return err
	}
	_, err := s.layer.DrainTierDeletes(ctx)
	return err
}

// Clock is a clock a test moves by hand (Options.Clock): Now, Advance
// and Set.
type Clock = manualclock.Clock

// NewClock returns a clock that reads t until it is moved.
func NewClock(t time.Time) *Clock { return manualclock.New(t) }

// Options tune NewServer. The zero value is fine.
type Options struct {
	// Region defaults to us-east-1.
	Region string
	// Now is the server's clock (signature checks, and later lifecycle
	// and retention); nil means time.Now.
	Now func() time.Time
	// TLS serves HTTPS with a fresh self-signed certificate for
	// 127.0.0.1 (SSE-C needs it).
	TLS bool
	// Clock, when set, is the clock of the server's objects and of its
	// lifecycle rules (not of signature checks): a test writes objects,
	// moves the clock on with Advance, and calls RunLifecycle to have
	// the rules applied at once, deterministically. The scanner then
	// runs only when RunLifecycle is called.
	Clock *Clock
	// LifecycleDay is the length of a lifecycle day; default 24 hours.
	LifecycleDay time.Duration
	// Webhooks are event notification targets: name to the URL events are
	// POSTed to. A bucket's notification configuration names one by the
	// ARN arn:minio:sqs::NAME:webhook. The URL need not answer; events for
	// a webhook that does not wait, queued.
	Webhooks map[string]string
}

// NewServer starts kura for t and stops it when t ends.
func NewServer(t testing.TB) *Server { return NewServerWith(t, Options{}) }

// NewServerWith is NewServer with options.
func NewServerWith(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	dir := t.TempDir()
	meta, err := pebblestore.Open(filepath.Join(dir, "meta"), nil)
	if err != nil {
		t.Fatalf("kuratest: %v", err)
	}
	blobs, err := dirstore.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		meta.Close()
		t.Fatalf("kuratest: %v", err)
	}
	log := slog.New(slog.DiscardHandler)
	keys, err := localkms.New(meta, localkms.NewSecret("kuratest-key"))
	if err != nil {
		meta.Close()
		t.Fatalf("kuratest: %v", err)
	}
	creds := auth.Credentials{AccessKey: "KT" + randomHex(9), SecretKey: randomHex(20)}
	var hooks []notify.Config
	for name, url := range opts.Webhooks {
		hooks = append(hooks, notify.Config{Type: "webhook", Name: name, Settings: map[string]string{"endpoint": url}})
	}
	sealKey := []byte(randomHex(16))
	events, err := notify.New(notify.Options{
		Meta: meta, Region: opts.Region, Owner: httpapi.OwnerID(opts.Region), SealKey: sealKey, Env: hooks, Logger: log,
	})
	if err != nil {
		meta.Close()
		t.Fatalf("kuratest: %v", err)
	}
	tiers, err := tierstore.New(tierstore.Options{Meta: meta, SealKey: sealKey})
	if err != nil {
		meta.Close()
		t.Fatalf("kuratest: %v", err)
	}
	replTargets, err := replicate.NewTargets(replicate.Options{Meta: meta, SealKey: sealKey})
	if err != nil {
		meta.Close()
		t.Fatalf("kuratest: %v", err)
	}
	replication := replicate.NewService(replicate.ServiceOptions{Meta: meta, Targets: replTargets, Holder: "kuratest", Poll: 100 * time.Millisecond, Logger: log})
	objectClock := opts.Now
	if opts.Clock != nil {
		objectClock = opts.Clock.Now
	}
	layer := object.New(meta, blobs, object.Options{
		Region: opts.Region, Now: objectClock, Logger: log, KMS: keys, Events: events, LifecycleDay: opts.LifecycleDay, Tiers: tiers,
		Replicator: replication,
	})
	scanner := lifecycle.New(lifecycle.Options{Meta: meta, Objects: layer, Day: opts.LifecycleDay, Now: objectClock, Rate: -1, Holder: "kuratest", Logger: log})
	api := httpapi.New(httpapi.Config{
		Objects: layer, Region: opts.Region, Credentials: auth.NewStatic(creds).Secret, Logger: log, Now: opts.Now, KMS: keys,
		Events: events, Lifecycle: scanner, LifecycleDay: opts.LifecycleDay, Tiers: tiers, TierAdmin: tiers,
		ReplicationTargets: replTargets, Replication: replication,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		meta.Close()
		t.Fatalf("kuratest: %v", err)
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 30 * time.Second}
	s := &Server{
		Endpoint: ln.Addr().String(), URL: "http://" + ln.Addr().String(),
		AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, Region: opts.Region, scanner: scanner, layer: layer, tiers: tiers,
		replTargets: replTargets, replication: replication,
	}
	if opts.TLS {
		certPEM, keyPEM, err := certs.Generate()
		if err == nil {
			var cert tls.Certificate
			if cert, err = tls.X509KeyPair(certPEM, keyPEM); err == nil {
				srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
				ln = tls.NewListener(ln, srv.TLSConfig)
			}
		}
		if err != nil {
			meta.Close()
			t.Fatalf("kuratest: %v", err)
		}
		s.URL, s.CertPEM, s.RootCAs = "https://"+s.Endpoint, certPEM, x509.NewCertPool()
		s.RootCAs.AppendCertsFromPEM(certPEM)
	}
	ctx, stopCollector := context.WithCancel(context.Background())
	collected := make(chan struct{})
	go func() { defer close(collected); layer.RunCollector(ctx) }()
	delivered := make(chan struct{})
	go func() { defer close(delivered); events.Run(ctx) }()
	replicated := make(chan struct{})
	go func() { defer close(replicated); replication.Run(ctx, layer) }()
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		if opts.Clock == nil {
			scanner.Run(ctx)
		}
	}()
	go srv.Serve(ln)
	t.Cleanup(func() {
		events.CloseListeners()
		srv.Shutdown(context.Background())
		stopCollector()
		<-collected
		<-delivered
		<-replicated
		<-scanned
		meta.Close()
	})
	s.Client, err = client.New(s.Endpoint, &client.Options{
		AccessKey: s.AccessKey, SecretKey: s.SecretKey, Region: opts.Region, Secure: opts.TLS, RootCAs: s.RootCAs,
	})
	if err != nil {
		t.Fatalf("kuratest: %v", err)
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

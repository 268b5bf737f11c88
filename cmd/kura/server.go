package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/internal/accesslog"
	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/certs"
	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp/clientcert"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/lifecycle"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/meta/pgstore"
	"github.com/kurastore/kura/internal/metrics"
	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/replicate"
	"github.com/kurastore/kura/internal/tier/tierstore"
)

type serverFlags struct {
	address     string
	region      string
	signatureV2 bool
	// objectOwnership is the Object Ownership of buckets without one.
	objectOwnership string
	domain          string
	inlineLimit     int64
	logLevel        string
	tlsCert         string
	tlsKey          string
	selfSigned      bool
	tlsClientCA     string
	tlsClientCRL    string
	limits          limitFlags
	metaURL         string
	blobDir         string
	// Event notifications.
	eventHistory    time.Duration
	eventQueueLimit int
	// Lifecycle.
	lifecycleDay  time.Duration
	lifecycleRate int
	// orphanGrace is object.Options.OrphanGrace: hidden, for tests.
	orphanGrace time.Duration
	website     websiteFlags
	// accessLogInterval is how often access logs are delivered.
	accessLogInterval time.Duration
	opLogs            opLogFlags
	// metricsPublic serves the metrics without a token.
	metricsPublic bool
	// consoleAddress serves the web console when set.
	consoleAddress string
	// consoleAPIURL is the API's public address, for the console's
	// shared links.
	consoleAPIURL string
	// federation bounds the unsigned STS logins.
	federation federationFlags
}

func serverCommand() *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "server [flags] DIR",
		Short: "Serve the S3 API from a data directory",
		Long: `Serve the S3 API, keeping metadata and data in DIR.

Root credentials come from KURA_ROOT_USER and KURA_ROOT_PASSWORD. When they
are unset, the first start generates random ones, saves them in
DIR/` + auth.RootFile + ` (mode 0600) and prints them; later starts reuse them.

The secrets of users and service accounts, and session tokens, are sealed
with the IAM seal key: KURA_IAM_SECRET_KEY (NAME:BASE64 of 32 bytes), or
DIR/` + iamKeyFile + `, generated on first start. The root credentials can
change at any restart; the seal key cannot.

` + openIDEnvHelp + "\n\n" + ldapEnvHelp + "\n\n" + federationHelp(),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.federation.fromEnv(cmd.Flags(), os.Getenv); err != nil {
				return err
			}
			return runServer(cmd.Context(), args[0], f)
		},
	}
	cmd.Flags().StringVar(&f.address, "address", ":9000", "address to listen on")
	cmd.Flags().StringVar(&f.region, "region", "us-east-1", "the server's region: requests may be signed for it, and buckets created without a LocationConstraint are in it (buckets of other regions are held too)")
	cmd.Flags().BoolVar(&f.signatureV2, "signature-v2", true, "accept requests signed with AWS Signature Version 2 (HMAC-SHA1, no signed body; refuse with --signature-v2=false)")
	cmd.Flags().StringVar(&f.objectOwnership, "default-object-ownership", "BucketOwnerEnforced", "Object Ownership of buckets that set none: BucketOwnerEnforced (ACLs disabled), BucketOwnerPreferred or ObjectWriter (ACLs enabled)")
	cmd.Flags().StringVar(&f.domain, "domain", "", "domain for virtual-host-style requests (<bucket>.DOMAIN)")
	cmd.Flags().Int64Var(&f.inlineLimit, "inline-limit", object.DefaultInlineLimit, "largest object stored inline in metadata, in bytes")
	cmd.Flags().StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	cmd.Flags().StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM); reloaded on SIGHUP")
	cmd.Flags().StringVar(&f.tlsKey, "tls-key", "", "private key (PEM) of --tls-cert")
	cmd.Flags().BoolVar(&f.selfSigned, "tls-self-signed", false, "serve HTTPS with a certificate for localhost generated in DIR/tls")
	cmd.Flags().StringVar(&f.tlsClientCA, "tls-client-ca", "", "request (not require) TLS client certificates; AssumeRoleWithCertificate accepts those this PEM CA file verifies")
	cmd.Flags().StringVar(&f.tlsClientCRL, "tls-client-crl", "", "revocation lists (PEM or DER) of --tls-client-ca's CAs; revoked certificates are refused")
	cmd.Flags().StringVar(&f.metaURL, "meta", "", "keep metadata in PostgreSQL (postgres://…) instead of DIR/meta; gateways on one database and one --blobs directory serve one namespace")
	cmd.Flags().StringVar(&f.blobDir, "blobs", "", "blob directory (default DIR/blobs); with --meta, a directory every gateway shares")
	cmd.Flags().DurationVar(&f.eventHistory, "event-history", notify.DefaultHistory, "how long every event stays in the history, for listeners that resume after a sequencer")
	cmd.Flags().IntVar(&f.eventQueueLimit, "event-queue-limit", notify.DefaultMaxQueued, "most events kept queued for one notification target that does not take them; past it the oldest are dropped, counted and logged")
	cmd.Flags().DurationVar(&f.lifecycleDay, "lifecycle-day", 24*time.Hour, "length of a lifecycle day (testing: a rule's Days, restored copies' Days and the scanner's passes count in it, as Ceph's rgw_lc_debug_interval does)")
	cmd.Flags().IntVar(&f.lifecycleRate, "lifecycle-rate", lifecycle.DefaultRate, "most object versions the lifecycle scanner evaluates per second (negative: no bound)")
	cmd.Flags().DurationVar(&f.orphanGrace, "orphan-grace", 0, "testing: how old an unreferenced blob, or the remote object of a transition that never committed, must be before the collector deletes it (default 6h; it must exceed the longest upload)")
	_ = cmd.Flags().MarkHidden("orphan-grace")
	cmd.Flags().DurationVar(&f.accessLogInterval, "access-log-interval", accesslog.DefaultInterval, "how often the server access logs of buckets with logging enabled are delivered into their target buckets (sooner for a bucket with 10,000 records waiting)")
	cmd.Flags().BoolVar(&f.metricsPublic, "metrics-public", false, "serve the Prometheus metrics (/.kura/metrics) to anyone, without a token from kura admin metrics token")
	addLimitFlags(cmd, &f.limits)
	addWebsiteFlags(cmd, &f.website)
	addOpLogFlags(cmd, &f.opLogs)
	addConsoleFlags(cmd, &f.consoleAddress, &f.consoleAPIURL)
	addFederationFlags(cmd.Flags(), &f.federation)
	return cmd
}

func rootCredentials(dir string, log *slog.Logger) (auth.Credentials, error) {
	user, pass := os.Getenv("KURA_ROOT_USER"), os.Getenv("KURA_ROOT_PASSWORD")
	if user != "" || pass != "" {
		c := auth.Credentials{AccessKey: user, SecretKey: pass}
		if err := c.Validate(); err != nil {
			return c, fmt.Errorf("KURA_ROOT_USER/KURA_ROOT_PASSWORD: %w", err)
		}
		return c, nil
	}
	c, created, err := auth.LoadOrCreateRoot(dir)
	if err != nil {
		return c, err
	}
	if created {
		fmt.Printf("Generated root credentials (saved in %s):\n  access key: %s\n  secret key: %s\n",
			filepath.Join(dir, auth.RootFile), c.AccessKey, c.SecretKey)
	} else {
		log.Info("using saved root credentials", "file", filepath.Join(dir, auth.RootFile), "access_key", c.AccessKey)
	}
	return c, nil
}

// kmsSecretFile holds the generated master key of the built-in KMS.
const (
	kmsSecretFile     = "kms.key"
	defaultKMSKeyName = "kura-default-key"
)

// builtinKMS starts the built-in KMS with the master key from
// KURA_KMS_SECRET_KEY, or from DIR/kms.key, generated on first start.
func builtinKMS(dir string, m meta.Store, log *slog.Logger) (*localkms.KMS, error) {
	secret := os.Getenv("KURA_KMS_SECRET_KEY")
	if secret == "" {
		path := filepath.Join(dir, kmsSecretFile)
		var created bool
		var err error
		if secret, created, err = localkms.LoadOrCreateSecret(path, defaultKMSKeyName); err != nil {
			return nil, fmt.Errorf("KMS master key: %w", err)
		}
		if created {
			fmt.Printf("Generated the KMS master key (saved in %s; back it up: encrypted objects need it)\n", path)
		}
	}
	k, err := localkms.New(m, secret)
	if err != nil {
		return nil, fmt.Errorf("KURA_KMS_SECRET_KEY: %w", err)
	}
	log.Info("KMS", "default_key", k.DefaultKey())
	return k, nil
}

// iamKeyFile holds the generated seal key of IAM secrets and session
// tokens.
const (
	iamKeyFile     = "iam.key"
	iamSealKeyName = "kura-iam-key"
)

// iamSealKey returns the key that seals IAM secrets and session tokens:
// KURA_IAM_SECRET_KEY, or DIR/iam.key, generated on first start. It is
// kept apart from the root credentials so that they can change.
func iamSealKey(dir string) ([]byte, error) {
	secret := os.Getenv("KURA_IAM_SECRET_KEY")
	if secret == "" {
		path := filepath.Join(dir, iamKeyFile)
		var created bool
		var err error
		if secret, created, err = localkms.LoadOrCreateSecret(path, iamSealKeyName); err != nil {
			return nil, fmt.Errorf("IAM seal key: %w", err)
		}
		if created {
			fmt.Printf("Generated the IAM seal key (saved in %s; back it up: users' secrets need it)\n", path)
		}
	}
	_, key, err := localkms.ParseSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("KURA_IAM_SECRET_KEY: %w", err)
	}
	return key, nil
}

// openIAM opens the IAM store and, on the first start with a seal key,
// re-seals the secrets older versions sealed under a key derived from the
// root credentials (which must still be the ones that sealed them).
func openIAM(ctx context.Context, dir string, m meta.Store, creds auth.Credentials, log *slog.Logger) (*iam.Store, error) {
	key, err := iamSealKey(dir)
	if err != nil {
		return nil, err
	}
	identities, err := iam.NewStore(m, creds, key, nil)
	if err != nil {
		return nil, err
	}
	rep, err := identities.AdoptSealKey(ctx)
	if err != nil {
		return nil, err
	}
	if rep.Adopted && (rep.Resealed > 0 || rep.Dropped > 0 || len(rep.Unreadable) > 0) {
		log.Info("IAM secrets re-sealed under the IAM seal key", "resealed", rep.Resealed, "stored_sessions_dropped", rep.Dropped)
	}
	if len(rep.Unreadable) > 0 {
		log.Warn("IAM secrets the root credentials could not open (sealed under earlier root credentials); these keys stay unusable", "access_keys", rep.Unreadable)
	}
	return identities, nil
}

// tlsSetup returns the certificate source the flags ask for, or nil for
// plain HTTP.
func tlsSetup(dir string, f serverFlags, log *slog.Logger) (*certs.Reloader, error) {
	certFile, keyFile := f.tlsCert, f.tlsKey
	switch {
	case f.selfSigned:
		var err error
		if certFile, keyFile, err = certs.SelfSigned(filepath.Join(dir, "tls")); err != nil {
			return nil, err
		}
		fmt.Printf("Self-signed certificate for localhost: %s (trust it as the CA file)\n", certFile)
	case certFile == "" && keyFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, certs.ErrNoCertificate
	}
	log.Info("TLS", "cert", certFile)
	return certs.NewReloader(certFile, keyFile)
}

func runServer(ctx context.Context, dir string, f serverFlags) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return err
	}
	if !httpapi.ValidObjectOwnership(f.objectOwnership) {
		return fmt.Errorf("--default-object-ownership: %q is not BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter", f.objectOwnership)
	}
	logHandler, err := newLogHandler(os.Stderr, f.opLogs.logFormat, level)
	if err != nil {
		return err
	}
	log := slog.New(logHandler)
	slog.SetDefault(log)
	if err := f.website.check(f.domain); err != nil {
		return err
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	opLogs, err := openOpLogs(f.opLogs, log)
	if err != nil {
		return err
	}
	defer opLogs.close() // after the shutdown below, or on a failed start
	creds, err := rootCredentials(dir, log)
	if err != nil {
		return err
	}
	metaStore, err := openMeta(ctx, dir, f.metaURL, log)
	if err != nil {
		return fmt.Errorf("opening metadata: %w", err)
	}
	defer metaStore.Close()
	blobDir := f.blobDir
	if blobDir == "" {
		blobDir = filepath.Join(dir, "blobs")
	}
	blobStore, err := dirstore.Open(blobDir)
	if err != nil {
		return fmt.Errorf("opening blobs: %w", err)
	}
	keys, err := builtinKMS(dir, metaStore, log)
	if err != nil {
		return err
	}
	serverMetrics := metrics.New(metrics.Options{Logger: log})
	countedKeys := serverMetrics.CountKMS(keys)
	events, err := openEvents(dir, metaStore, f, log)
	if err != nil {
		return err
	}
	tiers, err := openTiers(dir, metaStore)
	if err != nil {
		return err
	}
	holder := leaseHolder(f.metaURL != "")
	replTargets, err := openReplicationTargets(dir, metaStore)
	if err != nil {
		return err
	}
	replication := replicate.NewService(replicate.ServiceOptions{
		Meta: metaStore, Targets: replTargets, Holder: holder, Shared: f.metaURL != "", Logger: log,
	})
	layer := object.New(metaStore, blobStore, object.Options{
		InlineLimit: f.inlineLimit, Region: f.region, Logger: log, KMS: countedKeys, Events: events,
		Tiers: tiers, LifecycleDay: f.lifecycleDay, OrphanGrace: f.orphanGrace, Holder: holder,
		Replicator: replication,
		// Gateways on one database share the blob directory too: each
		// records its blob writes where the others' collectors see them,
		// and none caches bucket configuration the others may change.
		Shared: f.metaURL != "",
	})

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	bg, stopBackground := context.WithCancel(context.Background())
	collectorDone := make(chan struct{})
	go func() { defer close(collectorDone); layer.RunCollector(bg) }()
	eventsDone := make(chan struct{})
	go func() { defer close(eventsDone); events.Run(bg) }()
	replicationDone := make(chan struct{})
	go func() { defer close(replicationDone); replication.Run(bg, layer) }()
	scanner := lifecycle.New(lifecycle.Options{
		Meta: metaStore, Objects: layer, Day: f.lifecycleDay, Rate: f.lifecycleRate, Holder: holder, Logger: log,
	})
	scannerDone := make(chan struct{})
	go func() { defer close(scannerDone); scanner.Run(bg) }()
	accessLog := accesslog.New(accesslog.Options{
		Meta: metaStore, Objects: layer, Account: httpapi.AccountID(f.region), Region: f.region,
		Interval: f.accessLogInterval, Holder: holder, Logger: log,
		LogDeliveryACL: httpapi.LogDeliveryACL(layer, f.region, f.objectOwnership),
	})
	accessLogDone := make(chan struct{})
	go func() { defer close(accessLogDone); accessLog.Run(bg) }()

	ln, err := net.Listen("tcp", f.address)
	if err != nil {
		stopBackground()
		return err
	}
	consoleLn, err := consoleListen(f.consoleAddress)
	if err != nil {
		ln.Close()
		stopBackground()
		return err
	}
	webLn, err := f.website.listen()
	if err != nil {
		ln.Close()
		if consoleLn != nil {
			consoleLn.Close()
		}
		stopBackground()
		return err
	}
	identities, err := openIAM(ctx, dir, metaStore, creds, log)
	if err == nil {
		err = configureOpenIDFromEnv(ctx, identities, log)
	}
	if err == nil {
		err = configureLDAPFromEnv(ctx, identities, log)
	}
	var clientCerts *clientcert.Verifier
	if err == nil {
		clientCerts, err = clientCertSetup(ctx, f, identities, log)
	}
	if err != nil {
		stopBackground()
		return err
	}
	serverMetrics.Watch(metricsSources(metaStore, blobDir, layer, events, replication, scanner, opLogs))
	var observers requestObservers
	observers = append(observers, opLogs.observers()...)
	observers = append(observers, serverMetrics.Observe)
	api := httpapi.New(httpapi.Config{
		Observe:     observers.hook(),
		Objects:     layer,
		Region:      f.region,
		Domain:      f.domain,
		Credentials: auth.NewStatic(creds).Secret,
		IAM:         identities,
		KMS:         countedKeys,

		ClientCertificates: clientCerts,
		Events:             events,
		Lifecycle:          scanner,
		Tiers:              tiers,
		TierAdmin:          tiers,
		TierInUse:          lifecycle.TierInUse(layer),

		ReplicationTargets: replTargets,
		Replication:        replication,
		AccessLog:          accessLog,
		LifecycleDay:       f.lifecycleDay,
		Version:            version(),
		Logger:             log,

		MaxRequests:    f.limits.maxRequests,
		MaxRequestWait: f.limits.maxRequestWait,
		MinBodyRate:    f.limits.minBodyRate,
		BodyRateWindow: f.limits.bodyRateWindow,

		RefuseSignatureV2:      !f.signatureV2,
		DefaultObjectOwnership: f.objectOwnership,

		WebsiteDomain: f.website.domain,

		Metrics:       serverMetrics.Handler(),
		MetricsPublic: f.metricsPublic,

		Federation: f.federation.limits(),
	})
	go watchChanges(bg, metaStore, identities, api, log)
	srv := &http.Server{
		Handler:           serverMetrics.CountInFlight(api),
		ReadHeaderTimeout: f.limits.readHeaderTimeout,
		IdleTimeout:       f.limits.idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	reloader, err := tlsSetup(dir, f, log)
	if err != nil {
		stopBackground()
		return err
	}
	var hangupActions []func()
	if reloader != nil {
		scheme = "https"
		srv.TLSConfig = reloader.Config()
		if clientCerts != nil {
			// Requested, not required: S3 clients without a certificate
			// go on signing requests; AssumeRoleWithCertificate verifies.
			srv.TLSConfig.ClientAuth = tls.RequestClientCert
		}
		hangupActions = append(hangupActions, reloadCertificate(reloader, log))
	}
	// The certificate first: reopening the access log waits for its
	// writer, which a stalled disk can hold.
	hangupActions = append(hangupActions, opLogs.hangupActions()...)
	onHangup(ctx, hangupActions...)
	fmt.Printf("kura %s serving S3 on %s://%s (region %s, data %s)\n", version(), scheme, browsableAddr(ln.Addr()), f.region, dir)

	served := make(chan error, 3)
	serve := func(srv *http.Server, ln net.Listener) {
		if reloader != nil {
			served <- srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig
			return
		}
		served <- srv.Serve(ln)
	}
	// Made before the API server starts: Serve configures HTTP/2 on the
	// server it runs, which writes the fields copied here.
	webSrv := websiteServer(srv, api.WebsiteHandler())
	// The console is a server beside the API's, with its limits and TLS.
	consoleSrv := websiteServer(srv, nil)
	if consoleLn != nil {
		handler, err := consoleHandler(ln.Addr(), consoleLn.Addr(), reloader != nil, f.region, f.consoleAPIURL, identities, log)
		if err != nil {
			stopBackground()
			return err
		}
		consoleSrv.Handler = handler
	}
	go serve(srv, ln)
	if consoleLn != nil {
		fmt.Printf("kura serving the console on %s://%s\n", scheme, browsableAddr(consoleLn.Addr()))
		go serve(consoleSrv, consoleLn)
	}
	if webLn != nil {
		fmt.Printf("kura serving websites on %s://%s\n", scheme, browsableAddr(webLn.Addr()))
		go serve(webSrv, webLn)
	}
	select {
	case err := <-served:
		stopBackground()
		<-collectorDone
		<-eventsDone
		<-scannerDone
		<-replicationDone
		<-accessLogDone
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	events.CloseListeners() // a listener's stream would hold Shutdown
	err = srv.Shutdown(shutdownCtx)
	if webErr := webSrv.Shutdown(shutdownCtx); err == nil {
		err = webErr
	}
	if consoleErr := consoleSrv.Shutdown(shutdownCtx); err == nil {
		err = consoleErr
	}
	opLogs.close() // every request answered is observed by now
	stopBackground()
	<-collectorDone
	<-eventsDone
	<-scannerDone
	<-replicationDone
	<-accessLogDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

// openMeta opens the metadata store: PostgreSQL when url is set, else
// Pebble in DIR/meta.
func openMeta(ctx context.Context, dir, url string, log *slog.Logger) (meta.Store, error) {
	if url == "" {
		return pebblestore.Open(filepath.Join(dir, "meta"), &pebblestore.Options{Logger: log})
	}
	log.Info("metadata in PostgreSQL")
	return pgstore.Open(ctx, url, nil)
}

// changePoll is how often a server looks for changes other servers made
// to what it caches: a change reaches every gateway within a second.
const changePoll = 500 * time.Millisecond

// watchChanges drops the identity and bucket-policy caches when another
// server sharing the metadata store changed IAM or a bucket
// configuration. On a single server it finds nothing but its own
// changes, whose caches are already fresh.
func watchChanges(ctx context.Context, m meta.Store, identities *iam.Store, api *httpapi.Server, log *slog.Logger) {
	iamGen := meta.GenerationWatch{Key: iam.GenerationKey}
	configGen := meta.GenerationWatch{Key: object.ConfigGenerationKey}
	tick := time.NewTicker(changePoll)
	defer tick.Stop()
	for {
		if changed, err := iamGen.Changed(ctx, m); err != nil {
			if ctx.Err() == nil {
				log.Warn("watching IAM changes", "err", err)
			}
		} else if changed {
			identities.ForgetCache()
		}
		if changed, err := configGen.Changed(ctx, m); err == nil && changed {
			api.ForgetPolicies()
			api.ForgetLoggingStatuses()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// openTiers makes the registry of tiers, whose credentials the IAM seal
// key seals.
func openTiers(dir string, m meta.Store) (*tierstore.Registry, error) {
	key, err := iamSealKey(dir)
	if err != nil {
		return nil, err
	}
	return tierstore.New(tierstore.Options{Meta: m, SealKey: key})
}

// openReplicationTargets makes the registry of replication targets,
// whose credentials the IAM seal key seals.
func openReplicationTargets(dir string, m meta.Store) (*replicate.Targets, error) {
	key, err := iamSealKey(dir)
	if err != nil {
		return nil, err
	}
	return replicate.NewTargets(replicate.Options{Meta: m, SealKey: key})
}

// openEvents makes the event notification service: targets from the
// environment (KURA_NOTIFY_...), and those added through the admin API,
// whose secrets the IAM seal key seals.
func openEvents(dir string, m meta.Store, f serverFlags, log *slog.Logger) (*notify.Service, error) {
	env, err := notify.FromEnv(os.Environ())
	if err != nil {
		return nil, err
	}
	key, err := iamSealKey(dir)
	if err != nil {
		return nil, err
	}
	for _, c := range env {
		log.Info("notification target from the environment", "arn", c.ARN(f.region))
	}
	return notify.New(notify.Options{
		Meta: m, Region: f.region, Owner: httpapi.OwnerID(f.region), SealKey: key, Env: env,
		Shared: f.metaURL != "", History: f.eventHistory, MaxQueued: f.eventQueueLimit, Logger: log,
	})
}

// leaseHolder names this server in the leases of background work (the
// collector, the lifecycle scanner). Gateways sharing a database each
// have their own name, <hostname>-<pid>-<random>, and one takes a lease
// over only once its holder stopped renewing it. A server on its own
// Pebble store is the only process that can open it (Pebble locks its
// directory), so a lease found there is this server's own from before a
// restart: it keeps one name, <hostname>-alone, and after a crash
// resumes the work at once rather than waiting its own lease out.
func leaseHolder(shared bool) string {
	host, _ := os.Hostname()
	if !shared {
		return host + "-alone"
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}

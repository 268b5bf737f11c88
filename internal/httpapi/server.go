package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/accesslog"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/clientcert"
	"github.com/kurastore/kura/internal/idp/openid"
	"github.com/kurastore/kura/internal/kms"
	"github.com/kurastore/kura/internal/lifecycle"
	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/internal/tier/tierstore"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
	"github.com/kurastore/kura/sigv2"
	"github.com/kurastore/kura/sigv4"
)

// Config wires a Server.
type Config struct {
	Objects *object.Layer
	// Region is the server's region: the scope requests must be signed for.
	Region string
	// Domain enables virtual-host-style addressing: a request for
	// <bucket>.<Domain> addresses <bucket>.
	Domain string
	// WebsiteDomain enables website endpoints on the API's listener: a
	// request for <bucket>.<WebsiteDomain> is a request for the bucket's
	// static website (websiteendpoint.go).
	WebsiteDomain string
	// Credentials resolves an access key to its secret.
	Credentials sigv4.SecretLookup
	Logger      *slog.Logger
	// Ready reports whether the server can serve; nil means always.
	Ready func() error
	// Now is the clock for signature checks; nil means time.Now.
	Now func() time.Time
	// ClientCertificates, when set, checks the TLS client certificates of
	// AssumeRoleWithCertificate; nil refuses that call.
	ClientCertificates *clientcert.Verifier
	// IAM, when set, resolves access keys to identities (users, service
	// accounts) and serves the admin API. Without it every signed request
	// is the root user's.
	IAM *iam.Store
	// Version is reported by the admin API.
	Version string
	// KMS, when set, is the key management service behind SSE-S3 and
	// SSE-KMS; the admin API manages its keys.
	KMS kms.KMS
	// MaxRequests bounds the requests served at once (health checks
	// aside); 0 means no bound. A request over the bound waits up to
	// MaxRequestWait (0 means DefaultMaxRequestWait) for a slot, then is
	// refused with 503 SlowDown.
	MaxRequests    int
	MaxRequestWait time.Duration
	// MinBodyRate, in bytes per second, is the slowest a request body may
	// arrive, averaged over BodyRateWindow of waiting for it; a slower
	// client gets 400 RequestTimeout. 0 disables the check.
	MinBodyRate    int64
	BodyRateWindow time.Duration
	// RefuseSignatureV2 refuses requests signed with Signature Version
	// 2, which is otherwise accepted (see package sigv2).
	RefuseSignatureV2 bool
	// Events, when set, checks notification destinations, records read
	// events and serves listeners. The object layer records the events of
	// writes itself.
	Events *notify.Service
	// Lifecycle, when set, is the lifecycle scanner the admin API
	// reports on.
	Lifecycle LifecycleScanner
	// Tiers are the storage classes lifecycle transitions may name; nil
	// means none.
	Tiers tier.Source
	// LifecycleDay is the length of a lifecycle day (0 means 24 hours):
	// x-amz-expiration and x-amz-abort-date count in it.
	LifecycleDay time.Duration
	// TierAdmin, when set, is the registry of tiers the admin API
	// manages.
	TierAdmin *tierstore.Registry
	// TierInUse, when set, says whether a tier is still needed; the
	// admin API refuses to remove a tier in use.
	TierInUse tierstore.InUse
	// ReplicationTargets, when set, is the registry of the buckets'
	// replication targets: the admin API manages it, and bucket
	// replication configurations may be put, naming its targets.
	ReplicationTargets ReplicationTargets
	// Replication, when set, is the replication engine the admin API
	// reports on and starts resyncs with.
	Replication ReplicationEngine
	// AccessLog, when set, queues the access log records of requests on
	// buckets whose logging is enabled (accessrecord.go).
	AccessLog *accesslog.Service
	// DefaultObjectOwnership is the Object Ownership of buckets without
	// a setting of their own (ownership.go); "" means
	// BucketOwnerEnforced, as on AWS.
	DefaultObjectOwnership string
	// Observe, when set, is told of every request answered (health
	// checks aside) once its handler returns (observe.go): metrics and
	// the operator's logs. It runs on the request's goroutine and must
	// not block.
	Observe func(*RequestRecord)
	// Metrics, when set, serves the Prometheus exposition at
	// adminapi.MetricsPaths (metrics.go), to bearer tokens from the admin
	// API or, with MetricsPublic, to anyone.
	Metrics       http.Handler
	MetricsPublic bool
	// Federation bounds the unsigned STS logins (loginlimit.go); the
	// zero value bounds nothing.
	Federation FederationLimits
}

// Server is the S3 API as an http.Handler.
type Server struct {
	objects  *object.Layer
	region   string
	domain   string
	verifier *sigv4.Verifier
	// v2 verifies Signature Version 2; nil when it is refused.
	v2        *sigv2.Verifier
	log       *slog.Logger
	ready     func() error
	ridBase   string
	ridSeq    atomic.Uint64
	ownerID   string
	now       func() time.Time
	policies  policyCache
	iam       *iam.Store
	events    *notify.Service
	lifecycle LifecycleScanner
	version   string
	kms       kms.KMS
	// tierAdmin and tierInUse serve the admin API of tiers.
	tierAdmin *tierstore.Registry
	tierInUse tierstore.InUse
	// replTargets and replication serve bucket replication.
	replTargets ReplicationTargets
	replication ReplicationEngine
	// defaultOwnership is the Object Ownership of buckets without one.
	defaultOwnership string
	// Limits (limits.go).
	slots       chan struct{}
	slotWait    time.Duration
	minBodyRate int64
	rateWindow  time.Duration
	// Lifecycle (lifecycle.go).
	tiers          tier.Source
	lifecycleDay   time.Duration
	lifecycleRules lifecycle.Cache
	// websiteDomain is Config.WebsiteDomain, lowercase (websiteendpoint.go).
	websiteDomain string
	// Access logging (logging.go, accessrecord.go).
	accessLog       *accesslog.Service
	loggingStatuses loggingCache
	// observer is Config.Observe (observe.go).
	observer func(*RequestRecord)
	// metrics and metricsPublic are Config.Metrics and
	// Config.MetricsPublic (metrics.go).
	metrics       http.Handler
	metricsPublic bool
	// selectPartSize is the part size of split S3 Select scans.
	selectPartSize int64
	// openid verifies the tokens of AssumeRoleWithWebIdentity.
	openid *openid.Verifier
	// loginLimit bounds the unsigned STS logins per client address, and
	// ldapFailures the failed LDAP logins per login name (loginlimit.go);
	// nil: no bound.
	loginLimit, ldapFailures *keyedLimiter
	// clientCerts is Config.ClientCertificates.
	clientCerts *clientcert.Verifier
}

// New returns a Server.
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	var base [4]byte
	_, _ = rand.Read(base[:])
	s := &Server{
		selectPartSize: selectPartSize,
		objects:        cfg.Objects,
		region:         cfg.Region,
		domain:         strings.ToLower(strings.TrimPrefix(cfg.Domain, ".")),
		log:            log,
		ready:          cfg.Ready,
		ridBase:        strings.ToUpper(hex.EncodeToString(base[:])),
		verifier: &sigv4.Verifier{
			Region: cfg.Region,
			// Buckets may be in any region (region.go).
			OtherRegion: s3name.ValidRegion,
			Lookup:      cfg.Credentials,
			Now:         cfg.Now,
		},
	}
	s.ownerID = ownerID(cfg.Region)
	fl := cfg.Federation
	s.openid = &openid.Verifier{Now: cfg.Now, ClockSkew: fl.ClockSkew, KeyRefreshInterval: fl.KeyRefreshInterval}
	s.loginLimit = newKeyedLimiter(fl.LoginRate, fl.LoginBurst, maxLimitedKeys)
	s.ldapFailures = newKeyedLimiter(fl.LDAPFailureRate, fl.LDAPFailureBurst, maxLimitedKeys)
	s.clientCerts = cfg.ClientCertificates
	s.websiteDomain = strings.ToLower(strings.TrimPrefix(cfg.WebsiteDomain, "."))
	s.iam, s.version, s.kms, s.events = cfg.IAM, cfg.Version, cfg.KMS, cfg.Events
	s.lifecycle = cfg.Lifecycle
	s.tierAdmin, s.tierInUse = cfg.TierAdmin, cfg.TierInUse
	s.replTargets, s.replication = cfg.ReplicationTargets, cfg.Replication
	s.accessLog = cfg.AccessLog
	s.observer = cfg.Observe
	s.metrics, s.metricsPublic = cfg.Metrics, cfg.MetricsPublic
	s.defaultOwnership = cfg.DefaultObjectOwnership
	if !ValidObjectOwnership(s.defaultOwnership) {
		s.defaultOwnership = ownerEnforced
	}
	if s.iam != nil {
		s.verifier.Lookup = s.iam.Secret
		s.iam.SetSubjectCheck(idp.KindLDAP, s.checkLDAPSubject)
	}
	if !cfg.RefuseSignatureV2 {
		s.v2 = &sigv2.Verifier{Lookup: s.verifier.Lookup, Now: cfg.Now, Subresources: signedSubresources()}
	}
	s.now = cfg.Now
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.MaxRequests > 0 {
		s.slots = make(chan struct{}, cfg.MaxRequests)
	}
	s.slotWait = cfg.MaxRequestWait
	if s.slotWait <= 0 {
		s.slotWait = DefaultMaxRequestWait
	}
	s.minBodyRate, s.rateWindow = cfg.MinBodyRate, cfg.BodyRateWindow
	s.tiers, s.lifecycleDay = cfg.Tiers, cfg.LifecycleDay
	if s.lifecycleDay <= 0 {
		s.lifecycleDay = 24 * time.Hour
	}
	return s
}

// request is one S3 request as the handlers see it.
type request struct {
	http *http.Request
	ctx  context.Context
	// release gives up the request's slot among those served at once
	// (limits.go), early for a request that streams for long.
	release func()
	id      string
	bucket  string
	key     string
	// body is the authenticated body: it reports a payload that fails its
	// signature or checksum with an error instead of io.EOF.
	body io.Reader
	// bodyLength is the decoded length of body, -1 if unknown.
	bodyLength int64
	// out is the response header, for headers that an error response
	// carries too (a 304's ETag).
	out http.Header
	// identity is the authenticated caller; nil for anonymous requests.
	identity *iam.Identity
	// service is the signature scope's service: "s3" or "sts".
	service string
	// signatureVersion is the s3:signatureversion of a signed request:
	// "AWS4-HMAC-SHA256" or, for Signature Version 2, "AWS".
	signatureVersion string
	// authType is the s3:authType of a signed request: REST-HEADER,
	// REST-QUERY-STRING or POST.
	authType string
	// hostBucket is the bucket named by the Host header in
	// virtual-hosted-style addressing, "" in path style.
	hostBucket string
	// signedV4 is the verified SigV4 signature, nil when there is none
	// (anonymous, or Signature Version 2, which names no region); its
	// region is checked against the bucket's (region.go).
	signedV4 *sigv4.Result
	// sts marks a security token service call, whose errors take the
	// query protocol's form.
	sts bool
	// authz is what authorization gathered beyond the headers.
	authz authzState
	// access gathers the access log record; nil when the bucket's
	// logging is off.
	access *accessEntry
	// obs follows the request for Config.Observe; nil without one.
	obs *observation
}

func (s *Server) requestID() string {
	// A random per-process prefix and a counter: unique and cheap.
	n := s.ridSeq.Add(1)
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = byte(n)
		n >>= 8
	}
	return s.ridBase + strings.ToUpper(hex.EncodeToString(b[:]))
}

// ServeHTTP routes, authenticates, runs the handler and writes its
// response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w, obs := s.observe(w, r, start)
	defer s.finishObservation(obs)
	if bucket, ok := s.websiteBucket(r.Host); ok {
		s.serveWebsite(w, r, bucket, start, obs)
		return
	}
	// Whatever the answer, it must not wait for a body nobody reads.
	w, restoreBody := guardUnreadBody(w, r)
	defer restoreBody()
	h := w.Header()
	rq := &request{http: r, ctx: r.Context(), id: s.requestID(), bodyLength: -1, out: h}
	h.Set("x-amz-request-id", rq.id)
	h.Set("x-amz-id-2", rq.id)
	h.Set("Server", "kura")
	h.Set("Accept-Ranges", "bytes")

	// A request whose Host names a bucket addresses that bucket whatever
	// its path; the server's own paths are on its own name.
	rq.bucket, rq.key, rq.hostBucket = s.splitPath(r)
	if rq.hostBucket == "" && s.serveHealth(w, r) {
		return
	}
	rq.obs = obs
	obs.follow(rq)
	if s.isMetricsRequest(rq) {
		s.serveMetrics(w, rq)
		return
	}
	if rq.hostBucket != "" || !strings.HasPrefix(r.URL.Path, AdminPrefix) {
		var finishRecord func()
		w, finishRecord = s.startAccessLog(w, rq, start)
		defer finishRecord()
	}
	if err := checkHeaderCount(r); err != nil {
		s.writeError(w, rq, err)
		return
	}
	release, err := s.admit(r)
	if err != nil {
		s.writeError(w, rq, err)
		return
	}
	rq.release = sync.OnceFunc(release)
	defer rq.release()
	// The body must arrive at the minimum rate until the handler returns.
	defer s.limitBodyRate(w, r)()
	if r.ContentLength == 0 && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// net/http sends 100 Continue when a handler first reads the
		// body; an empty body is never read, and botocore then stalls
		// until its read timeout (boto/botocore#3755). Answer it now.
		w.WriteHeader(http.StatusContinue)
	}
	if rq.hostBucket == "" && strings.HasPrefix(r.URL.Path, AdminPrefix) {
		rq.bucket, rq.key = "", ""
		s.serveAdmin(w, rq)
		return
	}
	op := route(r, rq.bucket, rq.key)
	rq.setAccessOp(op.name)
	if !op.preflight {
		s.applyCORS(rq)
	}
	resp, err := s.serve(rq, op)
	if err != nil {
		s.writeError(w, rq, err)
		return
	}
	if err := resp.write(w, rq); err != nil {
		// The status line is out; the client sees a cut-short body.
		s.log.Warn("response interrupted", "request_id", rq.id, "op", op.name, "err", err)
	}
}

func (s *Server) serve(rq *request, op operation) (response, error) {
	rq.sts = op.sts
	if op.preflight {
		// CORS preflight is answered without credentials, as browsers
		// send none.
		return op.handler(s, rq)
	}
	if !op.formAuth {
		if err := s.authenticate(rq); err != nil {
			return nil, err
		}
		if op.name != "CreateBucket" {
			if err := s.checkSignedRegion(rq, rq.signedV4); err != nil {
				return nil, err
			}
		}
		switch {
		case op.sts && rq.identity == nil && rq.signedV4 == nil:
			// Unsigned: only the calls that carry their own proof of
			// identity (AssumeRoleWithWebIdentity and its kin) are
			// answered; the handler refuses the others.
		case op.sts != (rq.service == "sts"):
			return nil, s3err.ErrAuthorizationHeaderMalformed.WithMessage("The credential scope's service must be %q for this call.", map[bool]string{true: "sts", false: "s3"}[op.sts])
		case op.sts && rq.identity == nil:
			return nil, s3err.ErrAccessDenied
		case op.sts:
			// Any authenticated caller may ask for its own temporary
			// credentials; they can never exceed the caller's access.
		default:
			if err := s.authorizeOperation(rq, op); err != nil {
				return nil, err
			}
		}
	}
	if replicationAction(rq, op.name) != "" {
		// The change is another bucket's, replicated here: it is not
		// replicated again.
		rq.ctx = object.WithReplicaRequest(rq.ctx)
	}
	if !op.sts {
		if err := s.checkExpectedOwner(rq); err != nil {
			return nil, err
		}
	}
	if op.handler == nil {
		return nil, op.unsupported
	}
	if s.events != nil {
		rq.ctx = notify.WithOrigin(rq.ctx, s.origin(rq))
	}
	resp, err := op.handler(s, rq)
	if err != nil {
		return nil, s.hideMissingKey(rq, op, err)
	}
	return resp, nil
}

// authenticate verifies the request's signature and replaces its body with
// the verifying body. An anonymous request passes with no identity: it
// gets only what bucket policies grant everyone.
func (s *Server) authenticate(rq *request) error {
	if sigv4.IsAnonymous(rq.http) {
		rq.identity, rq.body, rq.bodyLength = nil, rq.http.Body, rq.http.ContentLength
		return nil
	}
	if s.v2 != nil && sigv2.Is(rq.http) {
		return s.authenticateV2(rq)
	}
	res, err := s.verifier.Verify(rq.http)
	if err != nil {
		return err
	}
	rq.signedV4 = res
	rq.body = res.Body
	rq.bodyLength = res.DecodedLength
	rq.service = res.Service
	rq.signatureVersion = sigv4.Algorithm
	rq.authType = authType(res.Presigned)
	return s.identify(rq, res.AccessKey, res.SessionToken)
}

// authenticateV2 verifies a Signature Version 2 request. Its body is
// not signed; a Content-MD5 it signed is checked by the handler, as for
// any request.
func (s *Server) authenticateV2(rq *request) error {
	res, err := s.v2.Verify(rq.http, rq.hostBucket)
	if err != nil {
		return err
	}
	rq.body, rq.bodyLength = rq.http.Body, rq.http.ContentLength
	rq.service = "s3"
	rq.signatureVersion = sigv2.Algorithm
	rq.authType = authType(res.Presigned)
	return s.identify(rq, res.AccessKey, res.SessionToken)
}

func authType(presigned bool) string {
	if presigned {
		return "REST-QUERY-STRING"
	}
	return "REST-HEADER"
}

// authorizeOperation decides, before any data is touched and before
// conditional headers are evaluated, whether the caller may perform op
// on the request's resource (operationAuthz). The root user may do
// anything; other identities get what their policies grant. An
// operation on keys the request's body names is decided key by key by
// its handler.
func (s *Server) authorizeOperation(rq *request, op operation) error {
	a, known := operationAuthz[op.name]
	if action := replicationAction(rq, op.name); action != "" {
		return s.authorize(rq, action, iamResource(rq.bucket, rq.key))
	}
	switch {
	case known && a.on == onEachObject:
		return nil
	case known:
		for _, action := range a.actionsFor(versionID(rq) != "") {
			var err error
			if hidesMissingKeys[op.name] && versionID(rq) == "" {
				err = s.hideMissingKey(rq, op, s.authorizeKeyRead(rq, action, rq.key))
			} else {
				err = s.authorize(rq, action, resourceOf(a.on, rq.bucket, rq.key))
			}
			if err != nil {
				return err
			}
		}
		return nil
	case op.handler != nil:
		// Served but missing from the table: refused (but to root)
		// rather than guessed.
		return s.authorize(rq, "", "")
	}
	// An operation kura does not serve: a caller allowed it, which only a
	// wildcard can, learns that it is not implemented.
	return s.authorize(rq, "s3:"+op.name, iamResource(rq.bucket, rq.key))
}

// authorize decides action on resource, in the request's bucket; an
// empty action is allowed to the root user only.
func (s *Server) authorize(rq *request, action, resource string) error {
	if rq.identity != nil && rq.identity.Root {
		return nil
	}
	if action != "" && s.allows(rq, action, resource, rq.bucket) {
		return nil
	}
	return rq.authz.denial()
}

// identify records who a verified request comes from, and checks the
// session token it carried ("" for none), which temporary credentials
// need and other keys must not have.
func (s *Server) identify(rq *request, access, token string) error {
	if s.iam == nil {
		if token != "" {
			return s3err.ErrInvalidToken
		}
		rq.identity = &iam.Identity{AccessKey: access, Username: access, Root: true}
		return nil
	}
	id, err := s.iam.Authenticate(rq.ctx, access, token)
	if err != nil {
		return err
	}
	rq.identity = id
	return nil
}

// healthPrefixes are where the health checks are answered: kura's own
// and MinIO's, which MinIO clients and load balancers probe. Each is
// followed by "live" or "ready".
var healthPrefixes = []string{"/health/", "/minio/health/"}

// reservedBucketNames are the first segments of the paths the server
// answers itself; a bucket of that name could never serve the objects
// at those paths, so none can be created. (The admin API's prefix is
// not a valid bucket name.)
var reservedBucketNames = []string{"health", "minio"}

// checkReservedBucketName refuses a new bucket named like one of the
// server's own paths.
func checkReservedBucketName(name string) error {
	if slices.Contains(reservedBucketNames, name) {
		return s3err.ErrInvalidBucketName.WithMessage("The bucket name %q is reserved: the server answers /%s/ itself.", name, name)
	}
	return nil
}

// serveHealth answers GET and HEAD of a health check: live whenever the
// server runs, ready when Ready says so.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) bool {
	p := ""
	for _, prefix := range healthPrefixes {
		if rest, ok := strings.CutPrefix(r.URL.Path, prefix); ok {
			p = "/health/" + rest
			break
		}
	}
	if p != "/health/live" && p != "/health/ready" {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if p == "/health/ready" && s.ready != nil {
		if err := s.ready(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
	}
	w.WriteHeader(http.StatusOK)
	return true
}

// splitPath returns the bucket and key the request addresses, from a
// virtual host name when Domain is set and matches, else from the path;
// hostBucket is the bucket when the host name gave it.
func (s *Server) splitPath(r *http.Request) (bucket, key, hostBucket string) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if s.domain != "" {
		host := strings.ToLower(r.Host)
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
			host = host[:i]
		}
		if b, ok := strings.CutSuffix(host, "."+s.domain); ok && b != "" {
			return b, path, b
		}
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key, ""
}

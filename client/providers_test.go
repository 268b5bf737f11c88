package client_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

// credentialVars are every variable the environment providers read;
// each test starts with all of them empty.
var credentialVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
	"MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD",
	"KURA_ACCESS_KEY", "KURA_SECRET_KEY", "KURA_ROOT_USER", "KURA_ROOT_PASSWORD",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE",
}

func clearCredentialEnv(t *testing.T) {
	for _, v := range credentialVars {
		t.Setenv(v, "")
	}
}

func TestEnvProviders(t *testing.T) {
	tests := []struct {
		name     string
		provider client.Provider
		env      map[string]string
		want     client.Credentials
		wantErr  bool
	}{
		{"aws", client.EnvAWS{}, map[string]string{"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SESSION_TOKEN": "T"}, client.Credentials{AccessKey: "A", SecretKey: "S", SessionToken: "T"}, false},
		{"aws older names", client.EnvAWS{}, map[string]string{"AWS_ACCESS_KEY": "A2", "AWS_SECRET_KEY": "S2"}, client.Credentials{AccessKey: "A2", SecretKey: "S2"}, false},
		{"aws first pair wins", client.EnvAWS{}, map[string]string{"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_ACCESS_KEY": "A2", "AWS_SECRET_KEY": "S2"}, client.Credentials{AccessKey: "A", SecretKey: "S"}, false},
		{"aws pairs not mixed", client.EnvAWS{}, map[string]string{"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_KEY": "S2"}, client.Credentials{}, true},
		{"aws unset", client.EnvAWS{}, nil, client.Credentials{}, true},
		{"minio", client.EnvMinio{}, map[string]string{"MINIO_ACCESS_KEY": "M", "MINIO_SECRET_KEY": "MS"}, client.Credentials{AccessKey: "M", SecretKey: "MS"}, false},
		{"minio root", client.EnvMinio{}, map[string]string{"MINIO_ROOT_USER": "R", "MINIO_ROOT_PASSWORD": "RP"}, client.Credentials{AccessKey: "R", SecretKey: "RP"}, false},
		{"minio ignores aws token", client.EnvMinio{}, map[string]string{"MINIO_ROOT_USER": "R", "MINIO_ROOT_PASSWORD": "RP", "AWS_SESSION_TOKEN": "T"}, client.Credentials{AccessKey: "R", SecretKey: "RP"}, false},
		{"minio half", client.EnvMinio{}, map[string]string{"MINIO_SECRET_KEY": "MS"}, client.Credentials{}, true},
		{"kura", client.EnvKura{}, map[string]string{"KURA_ACCESS_KEY": "K", "KURA_SECRET_KEY": "KS"}, client.Credentials{AccessKey: "K", SecretKey: "KS"}, false},
		{"kura root", client.EnvKura{}, map[string]string{"KURA_ROOT_USER": "KR", "KURA_ROOT_PASSWORD": "KRP"}, client.Credentials{AccessKey: "KR", SecretKey: "KRP"}, false},
		{"kura unset", client.EnvKura{}, map[string]string{"MINIO_ROOT_USER": "R", "MINIO_ROOT_PASSWORD": "RP"}, client.Credentials{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearCredentialEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, err := tt.provider.Retrieve(t.Context())
			if tt.wantErr {
				if !errors.Is(err, client.ErrNoCredentials) {
					t.Fatalf("err %v, want ErrNoCredentials", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

const sharedCredentials = `# written by aws configure
[default]
aws_access_key_id = DEFAULTKEY
aws_secret_access_key = default/secret+key=

; a temporary profile
[ temp ]
AWS_ACCESS_KEY_ID=TEMPKEY
aws_secret_access_key=TEMPSECRET
aws_session_token = TOKEN==
s3 =
  max_concurrent_requests = 20
  aws_access_key_id = NESTED

[legacy]
aws_access_key_id = LEGACYKEY
aws_secret_access_key = LEGACYSECRET
aws_security_token = LEGACYTOKEN

[incomplete]
aws_access_key_id = ONLYKEY
`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestSharedFile(t *testing.T) {
	dir := t.TempDir()
	explicit := writeFile(t, filepath.Join(dir, "creds"), sharedCredentials)
	home := filepath.Join(dir, "home")
	writeFile(t, filepath.Join(home, ".aws", "credentials"), "[default]\naws_access_key_id=HOMEKEY\naws_secret_access_key=HOMESECRET\n")
	defaultCreds := client.Credentials{AccessKey: "DEFAULTKEY", SecretKey: "default/secret+key="}
	tests := []struct {
		name    string
		file    *client.SharedFile
		env     map[string]string
		want    client.Credentials
		wantErr bool
	}{
		{"default profile", &client.SharedFile{Filename: explicit}, nil, defaultCreds, false},
		{"named profile with token", &client.SharedFile{Filename: explicit, Profile: "temp"}, nil, client.Credentials{AccessKey: "TEMPKEY", SecretKey: "TEMPSECRET", SessionToken: "TOKEN=="}, false},
		{"legacy token name", &client.SharedFile{Filename: explicit, Profile: "legacy"}, nil, client.Credentials{AccessKey: "LEGACYKEY", SecretKey: "LEGACYSECRET", SessionToken: "LEGACYTOKEN"}, false},
		{"AWS_PROFILE", &client.SharedFile{Filename: explicit}, map[string]string{"AWS_PROFILE": "legacy"}, client.Credentials{AccessKey: "LEGACYKEY", SecretKey: "LEGACYSECRET", SessionToken: "LEGACYTOKEN"}, false},
		{"Profile beats AWS_PROFILE", &client.SharedFile{Filename: explicit, Profile: "default"}, map[string]string{"AWS_PROFILE": "legacy"}, defaultCreds, false},
		{"AWS_SHARED_CREDENTIALS_FILE", &client.SharedFile{}, map[string]string{"AWS_SHARED_CREDENTIALS_FILE": explicit, "HOME": home}, defaultCreds, false},
		{"home file", &client.SharedFile{}, map[string]string{"HOME": home}, client.Credentials{AccessKey: "HOMEKEY", SecretKey: "HOMESECRET"}, false},
		{"tilde", &client.SharedFile{Filename: "~/.aws/credentials"}, map[string]string{"HOME": home}, client.Credentials{AccessKey: "HOMEKEY", SecretKey: "HOMESECRET"}, false},
		{"missing profile", &client.SharedFile{Filename: explicit, Profile: "nope"}, nil, client.Credentials{}, true},
		{"incomplete profile", &client.SharedFile{Filename: explicit, Profile: "incomplete"}, nil, client.Credentials{}, true},
		{"missing file", &client.SharedFile{Filename: filepath.Join(dir, "absent")}, nil, client.Credentials{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearCredentialEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, err := tt.file.Retrieve(t.Context())
			if tt.wantErr {
				if !errors.Is(err, client.ErrNoCredentials) {
					t.Fatalf("err %v, want ErrNoCredentials", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestSharedFileReadOnce(t *testing.T) {
	name := writeFile(t, filepath.Join(t.TempDir(), "creds"), "[default]\naws_access_key_id=FIRST\naws_secret_access_key=S\n")
	p := &client.SharedFile{Filename: name, Profile: "default"}
	first, err := p.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, name, "[default]\naws_access_key_id=SECOND\naws_secret_access_key=S\n")
	again, err := p.Retrieve(t.Context())
	if err != nil || again != first {
		t.Fatalf("second Retrieve: %+v, %v; want the cached %+v", again, err, first)
	}
}

func TestChain(t *testing.T) {
	clearCredentialEnv(t)
	static := client.Static{AccessKey: "SA", SecretKey: "SS"}
	missingFile := &client.SharedFile{Filename: filepath.Join(t.TempDir(), "absent")}
	tests := []struct {
		name    string
		env     map[string]string
		chain   client.Chain
		want    client.Credentials
		wantErr bool
	}{
		{"falls through to static", nil, client.Chain{Providers: []client.Provider{client.EnvAWS{}, missingFile, client.Anonymous{}, static}}, client.Credentials(static), false},
		{"first with keys wins", map[string]string{"KURA_ACCESS_KEY": "K", "KURA_SECRET_KEY": "KS"}, client.Chain{Providers: []client.Provider{client.EnvAWS{}, client.EnvKura{}, static}}, client.Credentials{AccessKey: "K", SecretKey: "KS"}, false},
		{"empty static skipped", nil, client.Chain{Providers: []client.Provider{client.Static{}, static}}, client.Credentials(static), false},
		{"nothing found", nil, client.Chain{Providers: []client.Provider{client.EnvAWS{}, client.EnvMinio{}, missingFile}}, client.Credentials{}, true},
		{"only anonymous", nil, client.Chain{Providers: []client.Provider{client.Anonymous{}}}, client.Credentials{}, true},
		{"empty chain", nil, client.Chain{}, client.Credentials{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, err := tt.chain.Retrieve(t.Context())
			if tt.wantErr {
				if !errors.Is(err, client.ErrNoCredentials) {
					t.Fatalf("err %v, want ErrNoCredentials", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// stsTransport counts the STS calls and fails them on demand.
type stsTransport struct {
	calls atomic.Int32
	down  atomic.Bool
}

func (s *stsTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.calls.Add(1)
	if s.down.Load() {
		return nil, errors.New("sts is down")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// fakeClock is a settable clock for AssumeRole's expiry decisions.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// startMotoSTS starts moto_server, which serves STS AssumeRole on the
// same port as S3, and returns its URL. It skips when moto is missing.
func startMotoSTS(t *testing.T) string {
	t.Helper()
	return startMoto(t).Endpoint().String()
}

func TestAssumeRoleMotoRefresh(t *testing.T) {
	endpoint := startMotoSTS(t)
	transport := &stsTransport{}
	clock := &fakeClock{t: time.Now()}
	p := &client.AssumeRole{
		Endpoint: endpoint, AccessKey: "testing", SecretKey: "testing",
		RoleARN: "arn:aws:iam::123456789012:role/kura-test", SessionName: "kura-test",
		Duration: 15 * time.Minute, HTTPClient: &http.Client{Transport: transport},
	}
	client.SetAssumeRoleClock(p, clock.now)

	// Concurrent first callers share one STS call.
	var wg sync.WaitGroup
	results := make([]client.Credentials, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := p.Retrieve(t.Context())
			if err != nil {
				t.Error(err)
			}
			results[i] = c
		}()
	}
	wg.Wait()
	first := results[0]
	if first.AccessKey == "" || first.SessionToken == "" || first.Expires.IsZero() {
		t.Fatalf("credentials %+v lack a key, token or expiration", first)
	}
	for _, c := range results {
		if c != first {
			t.Fatalf("concurrent callers got different credentials: %+v and %+v", c, first)
		}
	}

	// Each step's time is relative to the credentials cached before it.
	steps := []struct {
		name      string
		at        time.Duration // from the cached credentials' expiration
		down      bool
		wantCalls int32
		wantNew   bool // credentials differ from the cached ones
		wantErr   bool
	}{
		{"cached well before expiry", -10 * time.Minute, false, 1, false, false},
		{"refreshed shortly before expiry", -30 * time.Second, false, 2, true, false},
		{"old ones kept while STS is down", -30 * time.Second, true, 3, false, false},
		{"error once they expired", time.Hour, true, 4, false, true},
		{"refreshed after expiry", time.Hour, false, 5, true, false},
	}
	prev := first
	for _, st := range steps {
		clock.set(prev.Expires.Add(st.at))
		transport.down.Store(st.down)
		got, err := p.Retrieve(t.Context())
		if calls := transport.calls.Load(); calls != st.wantCalls {
			t.Fatalf("%s: %d STS calls, want %d", st.name, calls, st.wantCalls)
		}
		if st.wantErr {
			if err == nil {
				t.Fatalf("%s: no error", st.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if isNew := got != prev; isNew != st.wantNew {
			t.Fatalf("%s: new credentials %v, want %v", st.name, isNew, st.wantNew)
		}
		prev = got
	}
}

func TestAssumeRoleRefusesBadInput(t *testing.T) {
	transport := &stsTransport{}
	hc := &http.Client{Transport: transport}
	tests := []struct {
		name string
		p    *client.AssumeRole
	}{
		{"no endpoint", &client.AssumeRole{AccessKey: "A", SecretKey: "S", HTTPClient: hc}},
		{"endpoint without scheme", &client.AssumeRole{Endpoint: "127.0.0.1:9000", AccessKey: "A", SecretKey: "S", HTTPClient: hc}},
		{"no keys", &client.AssumeRole{Endpoint: "http://127.0.0.1:1", HTTPClient: hc}},
		{"too short", &client.AssumeRole{Endpoint: "http://127.0.0.1:1", AccessKey: "A", SecretKey: "S", Duration: 14 * time.Minute, HTTPClient: hc}},
		{"too long", &client.AssumeRole{Endpoint: "http://127.0.0.1:1", AccessKey: "A", SecretKey: "S", Duration: 12*time.Hour + time.Second, HTTPClient: hc}},
	}
	for _, tt := range tests {
		if _, err := tt.p.Retrieve(t.Context()); !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: err %v, want ErrInvalidArgument", tt.name, err)
		}
	}
	if n := transport.calls.Load(); n != 0 {
		t.Errorf("%d STS calls for refused input", n)
	}
}

// TestWebIdentityMotoRefresh: WebIdentity reads a fresh token and asks
// STS again shortly before its credentials expire, and not before.
func TestWebIdentityMotoRefresh(t *testing.T) {
	endpoint := startMotoSTS(t)
	var reads atomic.Int32
	p := &client.WebIdentity{
		Endpoint: endpoint, RoleARN: "arn:aws:iam::123456789012:role/kura-test", Duration: 15 * time.Minute,
		Token: func(context.Context) (string, error) {
			reads.Add(1)
			return "token-" + strconv.Itoa(int(reads.Load())), nil
		},
	}
	clock := &fakeClock{t: time.Now()}
	client.SetWebIdentityClock(p, clock.now)
	first, err := p.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if first.AccessKey == "" || first.SessionToken == "" || first.Expires.IsZero() || reads.Load() != 1 {
		t.Fatalf("credentials %+v after %d token reads", first, reads.Load())
	}
	clock.set(first.Expires.Add(-2 * time.Minute))
	if again, err := p.Retrieve(t.Context()); err != nil || again != first || reads.Load() != 1 {
		t.Fatalf("credentials replaced two minutes before expiry: %v, %d token reads", err, reads.Load())
	}
	clock.set(first.Expires.Add(-30 * time.Second))
	renewed, err := p.Retrieve(t.Context())
	if err != nil || renewed.AccessKey == first.AccessKey || reads.Load() != 2 {
		t.Fatalf("credentials not renewed 30 s before expiry: %v, %d token reads", err, reads.Load())
	}
}

// kuraSTS is a kura, whose STS answers its root user.
type kuraSTS struct {
	endpoint, url        string
	accessKey, secretKey string
}

func startKuraSTS(t *testing.T) kuraSTS {
	t.Helper()
	s := kuraproc.Start(t, kuraproc.Options{})
	return kuraSTS{endpoint: s.Endpoint, url: s.URL, accessKey: s.AccessKey, secretKey: s.SecretKey}
}

// TestAssumeRoleKura uses temporary credentials from kura's own STS for
// signed calls, presigned URLs and a POST policy: kura checks both the
// STS call's signature and the session token on every use.
func TestAssumeRoleKura(t *testing.T) {
	k := startKuraSTS(t)
	p := &client.AssumeRole{Endpoint: k.url, AccessKey: k.accessKey, SecretKey: k.secretKey, Duration: time.Hour}
	creds, err := p.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKey == k.accessKey || creds.SessionToken == "" || creds.Expires.IsZero() {
		t.Fatalf("not temporary credentials: %+v", creds)
	}
	c, err := client.New(k.endpoint, &client.Options{Credentials: p})
	if err != nil {
		t.Fatal(err)
	}
	const bucket = "sts-bucket"
	if err := c.MakeBucket(t.Context(), bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket with temporary credentials: %v", err)
	}
	put := presign(t, c, http.MethodPut, bucket, "k", client.PresignOptions{})
	if put.Query().Get("X-Amz-Security-Token") != creds.SessionToken {
		t.Fatalf("presigned URL lacks the session token: %s", put)
	}
	if status, _, body := send(t, http.MethodPut, put, []byte("data")); status != http.StatusOK {
		t.Fatalf("presigned PUT: %d %s", status, body)
	}
	policy := client.NewPostPolicy(bucket, time.Now().Add(time.Hour))
	if err := policy.SetKey("posted"); err != nil {
		t.Fatal(err)
	}
	u, fields, err := c.PresignedPostPolicy(t.Context(), policy)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := postForm(t, u, fields, nil, []byte("form")); status != http.StatusNoContent {
		t.Fatalf("POST with session token: %d %s", status, body)
	}
	if status, _, body := send(t, http.MethodGet, presign(t, c, http.MethodGet, bucket, "posted", client.PresignOptions{}), nil); status != http.StatusOK || string(body) != "form" {
		t.Fatalf("GET posted: %d %q", status, body)
	}

	// A wrong session token is refused, so the token really is checked.
	forged, err := client.New(k.endpoint, &client.Options{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, SessionToken: "forged"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := forged.ListBuckets(t.Context()); client.ErrorCode(err) != "InvalidToken" {
		t.Fatalf("forged token: err %v, want InvalidToken", err)
	}
}

func TestAssumeRoleKuraErrors(t *testing.T) {
	k := startKuraSTS(t)
	tests := []struct {
		name     string
		p        *client.AssumeRole
		wantCode string
	}{
		{"wrong secret", &client.AssumeRole{Endpoint: k.url, AccessKey: k.accessKey, SecretKey: "wrong"}, "SignatureDoesNotMatch"},
		{"invalid session policy", &client.AssumeRole{Endpoint: k.url, AccessKey: k.accessKey, SecretKey: k.secretKey, Policy: "{not json"}, ""},
	}
	for _, tt := range tests {
		_, err := tt.p.Retrieve(t.Context())
		var e *client.ErrorResponse
		if !errors.As(err, &e) || e.Code == "" || e.StatusCode < 400 {
			t.Errorf("%s: err %v, want an *ErrorResponse", tt.name, err)
			continue
		}
		if tt.wantCode != "" && e.Code != tt.wantCode {
			t.Errorf("%s: code %s, want %s", tt.name, e.Code, tt.wantCode)
		}
	}
}

package httpapi

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/oidctest"
	"github.com/kurastore/kura/internal/idp/openid"
	"github.com/kurastore/kura/internal/object"
)

// fedServer is a kura server on a loopback port with an IAM store, two
// buckets (alpha and beta, each holding a and b) and a policy per
// bucket, read-alpha and read-beta.
type fedServer struct {
	url  string
	ids  *iam.Store
	root auth.Credentials
}

const readAlphaPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::alpha","arn:aws:s3:::alpha/*"]}]}`

func newFedServer(t *testing.T) *fedServer {
	t.Helper()
	return newFedServerAt(t, nil)
}

// newFedServerAt is newFedServer with the IAM store's clock now (nil:
// the real one), which decides when cached checks are stale.
func newFedServerAt(t *testing.T, now func() time.Time) *fedServer {
	t.Helper()
	return newFedServerWith(t, fedOptions{iamNow: now})
}

// fedOptions change a fedServer: the clocks of the IAM store and of the
// server (signatures, tokens, rate limits), nil for the real one, and the
// bounds of unsigned logins.
type fedOptions struct {
	iamNow, serverNow func() time.Time
	federation        FederationLimits
}

func newFedServerWith(t *testing.T, o fedOptions) *fedServer {
	t.Helper()
	m, blobs := memStores(t)
	root := auth.Credentials{AccessKey: "fedroot", SecretKey: "fedroot-secret"}
	ids, err := iam.NewStore(m, root, make([]byte, iam.SealKeySize), o.iamNow)
	if err != nil {
		t.Fatal(err)
	}
	layer := object.New(m, blobs, object.Options{Region: "us-east-1"})
	api := New(Config{Objects: layer, Region: "us-east-1", IAM: ids, Logger: slog.New(slog.DiscardHandler), Now: o.serverNow, Federation: o.federation})
	hs := httptest.NewServer(api)
	t.Cleanup(hs.Close)
	s := &fedServer{url: hs.URL, ids: ids, root: root}
	ctx := context.Background()
	rc := s.s3(root.AccessKey, root.SecretKey, "")
	for _, b := range []string{"alpha", "beta"} {
		if _, err := rc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"a", "b"} {
			if _, err := rc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader(b + "/" + k)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := ids.PutPolicy(ctx, "read-alpha", []byte(readAlphaPolicy)); err != nil {
		t.Fatal(err)
	}
	if err := ids.PutPolicy(ctx, "read-beta", []byte(strings.ReplaceAll(readAlphaPolicy, "alpha", "beta"))); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *fedServer) s3(access, secret, token string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url), UsePathStyle: true,
		Credentials: awscreds.NewStaticCredentialsProvider(access, secret, token)})
}

// addOpenID configures an OpenID provider of issuer i for client "kura".
func (s *fedServer) addOpenID(t *testing.T, name string, i *oidctest.Issuer, st openid.Settings) {
	t.Helper()
	st.ConfigURL, st.ClientID = i.ConfigURL(), "kura"
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(st)
	if err := s.ids.PutIdentityProvider(context.Background(), iam.IdentityProvider{Name: name, Kind: idp.KindOpenID, Settings: raw}, "", false); err != nil {
		t.Fatal(err)
	}
}

type stsAnswer struct {
	status int
	code   string
	creds  stsCredentials
	result federatedResult
	body   string
}

// call posts an unsigned STS form, as minio-py and boto3 send
// AssumeRoleWithWebIdentity.
func (s *fedServer) call(t *testing.T, form url.Values) stsAnswer {
	t.Helper()
	form.Set("Version", "2011-06-15")
	resp, err := http.Post(s.url+"/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	return readSTSAnswer(t, resp)
}

// readSTSAnswer reads an STS answer: the error code, or the result of
// whichever action was answered (its element is <ActionResult>).
func readSTSAnswer(t *testing.T, resp *http.Response) stsAnswer {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	a := stsAnswer{status: resp.StatusCode, body: string(body)}
	if resp.StatusCode != http.StatusOK {
		var e stsErrorResponse
		_ = xml.Unmarshal(body, &e)
		a.code = e.Error.Code
		return a
	}
	var ok struct {
		Results []federatedResult `xml:",any"`
	}
	if err := xml.Unmarshal(body, &ok); err != nil {
		t.Fatal(err)
	}
	for _, r := range ok.Results {
		if r.Credentials.AccessKeyID != "" {
			a.result = r
		}
	}
	a.creds = a.result.Credentials
	return a
}

func webIdentity(token string, extra ...string) url.Values {
	v := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "WebIdentityToken": {token}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func (s *fedServer) get(c *s3.Client, bucket, key string) error {
	_, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	return err
}

func TestWebIdentityRefusesBadTokens(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	claims := func(change func(map[string]any)) map[string]any {
		c := i.Claims("alice", "kura")
		c["policy"] = "read-alpha"
		if change != nil {
			change(c)
		}
		return c
	}
	other := oidctest.New(t)
	i.Rotate()
	rotatedOut := i.SignWithOldest(claims(nil)) // verifies until Retire
	if a := s.call(t, webIdentity(rotatedOut)); a.status != http.StatusOK {
		t.Fatalf("a token of the previous key before it is retired: %d %s", a.status, a.body)
	}
	i.Retire()
	for _, tc := range []struct {
		name, token, code string
		status            int
	}{
		{"forged signature", i.SignForged(claims(nil)), "InvalidIdentityToken", 400},
		{"another issuer's key", other.Sign(claims(nil)), "InvalidIdentityToken", 400},
		{"wrong issuer", i.Sign(claims(func(c map[string]any) { c["iss"] = other.URL })), "InvalidIdentityToken", 400},
		{"wrong audience", i.Sign(claims(func(c map[string]any) { c["aud"] = "someone-else" })), "InvalidIdentityToken", 400},
		{"expired", i.Sign(claims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() })), "ExpiredTokenException", 400},
		{"not yet valid", i.Sign(claims(func(c map[string]any) { c["nbf"] = time.Now().Add(10 * time.Minute).Unix() })), "InvalidIdentityToken", 400},
		{"rotated-out key", rotatedOut, "InvalidIdentityToken", 400},
		{"unknown key ID", i.SignUnknownKey(claims(nil)), "InvalidIdentityToken", 400},
		{"alg none", oidctest.Unsigned(claims(nil)), "InvalidIdentityToken", 400},
		{"not a JWT", "not-a-token", "InvalidIdentityToken", 400},
		{"no token", "", "MissingParameter", 400},
		{"no policy claim", i.Sign(claims(func(c map[string]any) { delete(c, "policy") })), "AccessDenied", 403},
		{"only unknown policies", i.Sign(claims(func(c map[string]any) { c["policy"] = "nope,also-nope" })), "AccessDenied", 403},
	} {
		a := s.call(t, webIdentity(tc.token))
		if a.status != tc.status || a.code != tc.code {
			t.Errorf("%s: %d %s, want %d %s: %s", tc.name, a.status, a.code, tc.status, tc.code, a.body)
		}
	}
	// A token whose audience is another client but whose authorized
	// party is kura's is accepted.
	azp := i.Sign(claims(func(c map[string]any) { c["aud"] = []string{"other"}; c["azp"] = "kura" }))
	if a := s.call(t, webIdentity(azp)); a.status != http.StatusOK {
		t.Errorf("aud other, azp kura: %d %s", a.status, a.body)
	}
}

func TestWebIdentityPoliciesAndSessions(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	c := i.Claims("alice", "kura")
	c["policy"] = []string{"read-alpha", "no-such-policy"}
	token := i.Sign(c)

	a := s.call(t, webIdentity(token))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if a.result.Subject != "alice" || a.result.Audience != "kura" || a.result.Provider != i.URL || a.result.AssumedRoleUser.Arn != "arn:kura:iam:::role/corp" {
		t.Errorf("result %+v", a.result)
	}
	alice := s.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if err := s.get(alice, "alpha", "a"); err != nil {
		t.Errorf("alpha/a with read-alpha: %v", err)
	}
	if err := s.get(alice, "beta", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("beta/a with read-alpha: %v", err)
	}

	// A policy edit applies to a live session.
	ctx := context.Background()
	if err := s.ids.PutPolicy(ctx, "read-alpha", []byte(strings.ReplaceAll(readAlphaPolicy, "alpha", "beta"))); err != nil {
		t.Fatal(err)
	}
	if err := s.get(alice, "beta", "a"); err != nil {
		t.Errorf("beta/a once read-alpha allows beta: %v", err)
	}
	if err := s.ids.PutPolicy(ctx, "read-alpha", []byte(readAlphaPolicy)); err != nil {
		t.Fatal(err)
	}

	// A session policy narrows.
	narrow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::alpha/a"}]}`
	a = s.call(t, webIdentity(token, "Policy", narrow))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	narrowed := s.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if err := s.get(narrowed, "alpha", "a"); err != nil {
		t.Errorf("alpha/a narrowed to alpha/a: %v", err)
	}
	if err := s.get(narrowed, "alpha", "b"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("alpha/b narrowed to alpha/a: %v", err)
	}
	// A session policy cannot widen.
	wide := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	if a = s.call(t, webIdentity(token, "Policy", wide)); a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	widened := s.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if err := s.get(widened, "beta", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("beta/a with a session policy allowing everything: %v", err)
	}

	// Disabling the provider ends its sessions, enabling restores them.
	if err := s.ids.SetIdentityProviderStatus(ctx, "corp", iam.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if err := s.get(alice, "alpha", "a"); apiErrorCode(err) != "InvalidToken" {
		t.Errorf("a session of a disabled provider: %v", err)
	}
	if a := s.call(t, webIdentity(token)); a.status == http.StatusOK {
		t.Errorf("a disabled provider issued credentials")
	}
	if err := s.ids.SetIdentityProviderStatus(ctx, "corp", iam.StatusEnabled); err != nil {
		t.Fatal(err)
	}
	if err := s.get(alice, "alpha", "a"); err != nil {
		t.Errorf("a session once its provider is enabled again: %v", err)
	}
	// Removing it ends them for good, even once a provider of the same
	// name is added again.
	if err := s.ids.RemoveIdentityProvider(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	if err := s.get(alice, "alpha", "a"); apiErrorCode(err) != "InvalidToken" {
		t.Errorf("a session of a removed provider: %v", err)
	}
	s.addOpenID(t, "corp", i, openid.Settings{})
	if err := s.get(alice, "alpha", "a"); apiErrorCode(err) != "InvalidToken" {
		t.Errorf("a session of a removed provider added again: %v", err)
	}
}

func TestWebIdentityRolePolicy(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	s.addOpenID(t, "apps", i, openid.Settings{RolePolicy: "read-beta"})
	token := i.Sign(i.Claims("svc-1", "kura"))
	if a := s.call(t, webIdentity(token)); a.code != "InvalidIdentityToken" {
		t.Errorf("a role-policy provider without RoleArn: %d %s", a.status, a.body)
	}
	if a := s.call(t, webIdentity(token, "RoleArn", "arn:kura:iam:::role/nope")); a.code != "InvalidParameterValue" {
		t.Errorf("a RoleArn naming no provider: %d %s", a.status, a.body)
	}
	a := s.call(t, webIdentity(token, "RoleArn", "arn:kura:iam:::role/apps"))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	c := s.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if err := s.get(c, "beta", "b"); err != nil {
		t.Errorf("beta/b with the role policy read-beta: %v", err)
	}
	if err := s.get(c, "alpha", "b"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("alpha/b with the role policy read-beta: %v", err)
	}
}

// TestWebIdentityDuration: DurationSeconds within 900..43200, and the
// credentials end no later than the token.
func TestWebIdentityDuration(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	c := i.Claims("alice", "kura")
	c["policy"] = "read-alpha"
	tokenEnd := time.Now().Add(5 * time.Hour).Truncate(time.Second)
	c["exp"] = tokenEnd.Unix()
	token := i.Sign(c)
	for _, tc := range []struct {
		seconds int
		status  int
		want    time.Duration // from now; 0: the token's end
	}{
		{899, 400, 0}, {900, 200, 900 * time.Second}, {43200, 200, 0}, {43201, 400, 0},
	} {
		before := time.Now()
		a := s.call(t, webIdentity(token, "DurationSeconds", strconv.Itoa(tc.seconds)))
		if a.status != tc.status {
			t.Errorf("DurationSeconds %d: %d %s", tc.seconds, a.status, a.body)
			continue
		}
		if a.status != http.StatusOK {
			if a.code != "ValidationError" {
				t.Errorf("DurationSeconds %d: %s", tc.seconds, a.code)
			}
			continue
		}
		exp, err := time.Parse(time.RFC3339, a.creds.Expiration)
		if err != nil {
			t.Fatal(err)
		}
		want := tokenEnd
		if tc.want != 0 {
			want = before.Add(tc.want)
		}
		if d := exp.Sub(want); d < -2*time.Second || d > 2*time.Second {
			t.Errorf("DurationSeconds %d: expires %s, want about %s", tc.seconds, exp, want)
		}
	}
	// Without DurationSeconds: an hour.
	a := s.call(t, webIdentity(token))
	exp, _ := time.Parse(time.RFC3339, a.creds.Expiration)
	if d := time.Until(exp); d < 59*time.Minute || d > time.Hour {
		t.Errorf("default duration: %s", d)
	}
}

// TestClientGrants: the older form takes Token and answers
// AssumeRoleWithClientGrantsResponse.
func TestClientGrants(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	c := i.Claims("client-7", "kura")
	c["policy"] = "read-alpha"
	a := s.call(t, url.Values{"Action": {"AssumeRoleWithClientGrants"}, "Token": {i.Sign(c)}})
	if a.status != http.StatusOK || !strings.Contains(a.body, "<AssumeRoleWithClientGrantsResponse") || a.result.SubjectClient != "client-7" {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if err := s.get(s.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken), "alpha", "a"); err != nil {
		t.Error(err)
	}
}

// TestUnsignedSTSIsOnlyForFederatedCalls: AssumeRole and
// GetCallerIdentity still need a signature.
func TestUnsignedSTSIsOnlyForFederatedCalls(t *testing.T) {
	s := newFedServer(t)
	for _, action := range []string{"AssumeRole", "GetCallerIdentity", "Nope"} {
		a := s.call(t, url.Values{"Action": {action}})
		if a.status != http.StatusForbidden || a.code != "AccessDenied" {
			t.Errorf("unsigned %s: %d %s", action, a.status, a.body)
		}
	}
}

// TestWebIdentityUserinfoClaim: with ClaimUserinfo the policies come
// from the userinfo endpoint, not from the token.
func TestWebIdentityUserinfoClaim(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{ClaimUserinfo: true})
	c := i.Claims("alice", "kura")
	c["policy"] = "read-alpha" // ignored: userinfo says read-beta
	i.SetUserinfo(map[string]any{"sub": "alice", "policy": "read-beta"})
	a := s.call(t, webIdentity(i.Sign(c)))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	cl := s.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if err := s.get(cl, "beta", "a"); err != nil {
		t.Errorf("beta/a with read-beta from userinfo: %v", err)
	}
	if err := s.get(cl, "alpha", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("alpha/a, named only in the token: %v", err)
	}
	i.SetUserinfo(nil)
	if a := s.call(t, webIdentity(i.Sign(c))); a.code != "IDPCommunicationError" {
		t.Errorf("userinfo refusing the token: %d %s", a.status, a.body)
	}
}

// TestWebIdentityUnreachableProvider: a provider whose discovery document
// cannot be read does not stop another from serving its tokens, and is
// reported when no provider can.
func TestWebIdentityUnreachableProvider(t *testing.T) {
	s := newFedServer(t)
	down := oidctest.New(t)
	s.addOpenID(t, "broken", down, openid.Settings{}) // listed before corp
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	c := i.Claims("alice", "kura")
	c["policy"] = "read-alpha"
	token := i.Sign(c)
	downURL := down.URL
	down.Close()
	if a := s.call(t, webIdentity(token)); a.status != http.StatusOK {
		t.Errorf("a token of a reachable provider beside an unreachable one: %d %s", a.status, a.body)
	}
	c["iss"] = downURL
	if a := s.call(t, webIdentity(i.Sign(c))); a.code != "IDPCommunicationError" {
		t.Errorf("a token no reachable provider issues: %d %s", a.status, a.body)
	}
}

// TestWebIdentityChainedAssumeRole: federated credentials may ask
// AssumeRole for more, which act for the same login and end with its
// provider.
func TestWebIdentityChainedAssumeRole(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	c := i.Claims("alice", "kura")
	c["policy"] = "read-alpha"
	a := s.call(t, webIdentity(i.Sign(c)))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	ctx := context.Background()
	fed, err := s.ids.Authenticate(ctx, a.creds.AccessKeyID, a.creds.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	chained, err := s.ids.AssumeRole(ctx, fed, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl := s.s3(chained.AccessKey, chained.SecretKey, chained.SessionToken)
	if err := s.get(cl, "alpha", "a"); err != nil {
		t.Errorf("alpha/a through a chained session: %v", err)
	}
	if err := s.get(cl, "beta", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("beta/a through a chained session: %v", err)
	}
	if err := s.ids.RemoveIdentityProvider(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	if err := s.get(cl, "alpha", "a"); apiErrorCode(err) != "InvalidToken" {
		t.Errorf("a chained session of a removed provider: %v", err)
	}
}

// TestWebIdentitySessionPolicySize: a session policy of 2048 bytes is
// taken, one of 2049 refused.
func TestWebIdentitySessionPolicySize(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	c := i.Claims("alice", "kura")
	c["policy"] = "read-alpha"
	token := i.Sign(c)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::alpha/a"}]}`
	pad := func(n int) string { return doc[:len(doc)-1] + strings.Repeat(" ", n-len(doc)) + "}" }
	if a := s.call(t, webIdentity(token, "Policy", pad(2048))); a.status != http.StatusOK {
		t.Errorf("a 2048-byte session policy: %d %s", a.status, a.body)
	}
	if a := s.call(t, webIdentity(token, "Policy", pad(2049))); a.code != "ValidationError" {
		t.Errorf("a 2049-byte session policy: %d %s", a.status, a.body)
	}
}

// TestWebIdentityCallerIdentity: GetCallerIdentity names a federated
// session by its provider's role and its subject.
func TestWebIdentityCallerIdentity(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	c := i.Claims("alice", "kura")
	c["policy"] = "read-alpha"
	a := s.call(t, webIdentity(i.Sign(c)))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	cl := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url),
		Credentials: awscreds.NewStaticCredentialsProvider(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)})
	out, err := cl.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(out.Arn); !strings.HasSuffix(arn, ":assumed-role/corp/alice") {
		t.Errorf("ARN %s", arn)
	}
}

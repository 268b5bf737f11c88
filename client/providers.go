package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kurastore/kura/sigv4"
)

// ErrNoCredentials is returned, wrapped, by a provider that finds no keys
// where it looks (unset variables, a missing profile).
var ErrNoCredentials = errors.New("client: no credentials found")

// envPair is one pair of variables that hold an access and a secret key.
type envPair struct{ access, secret string }

// fromEnv returns the keys of the first pair whose variables are both
// set. Pairs are never mixed: half of one pair with half of another is
// certainly not a key.
func fromEnv(pairs []envPair, tokenVar string) (Credentials, error) {
	var partial error
	for _, p := range pairs {
		access, secret := os.Getenv(p.access), os.Getenv(p.secret)
		switch {
		case access != "" && secret != "":
			c := Credentials{AccessKey: access, SecretKey: secret}
			if tokenVar != "" {
				c.SessionToken = os.Getenv(tokenVar)
			}
			return c, nil
		case partial == nil && (access != "" || secret != ""):
			partial = fmt.Errorf("%w: only one of %s and %s is set", ErrNoCredentials, p.access, p.secret)
		}
	}
	if partial != nil {
		return Credentials{}, partial
	}
	return Credentials{}, fmt.Errorf("%w: %s and %s are not set", ErrNoCredentials, pairs[0].access, pairs[0].secret)
}

// EnvAWS reads the keys from the environment as the AWS tools do:
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the older
// AWS_ACCESS_KEY and AWS_SECRET_KEY), and AWS_SESSION_TOKEN.
type EnvAWS struct{}

// Retrieve reads the variables on every call, so that a change is seen.
func (EnvAWS) Retrieve(context.Context) (Credentials, error) {
	return fromEnv([]envPair{
		{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
		{"AWS_ACCESS_KEY", "AWS_SECRET_KEY"},
	}, "AWS_SESSION_TOKEN")
}

// EnvMinio reads the keys from MINIO_ACCESS_KEY and MINIO_SECRET_KEY, or
// from MINIO_ROOT_USER and MINIO_ROOT_PASSWORD, as MinIO deployments set
// them.
type EnvMinio struct{}

// Retrieve reads the variables on every call.
func (EnvMinio) Retrieve(context.Context) (Credentials, error) {
	return fromEnv([]envPair{
		{"MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"},
		{"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"},
	}, "")
}

// EnvKura reads the keys from KURA_ACCESS_KEY and KURA_SECRET_KEY, or
// from KURA_ROOT_USER and KURA_ROOT_PASSWORD.
type EnvKura struct{}

// Retrieve reads the variables on every call.
func (EnvKura) Retrieve(context.Context) (Credentials, error) {
	return fromEnv([]envPair{
		{"KURA_ACCESS_KEY", "KURA_SECRET_KEY"},
		{"KURA_ROOT_USER", "KURA_ROOT_PASSWORD"},
	}, "")
}

// SharedFile reads a profile of the AWS shared credentials file (the INI
// file `aws configure` writes). Use it as a pointer: the keys are read
// once and kept, because the client asks for them on every request.
type SharedFile struct {
	// Filename defaults to $AWS_SHARED_CREDENTIALS_FILE, else
	// ~/.aws/credentials.
	Filename string
	// Profile defaults to $AWS_PROFILE, else "default".
	Profile string

	mu     sync.Mutex
	loaded *Credentials
}

// Retrieve returns the profile's keys, reading the file on first use.
func (s *SharedFile) Retrieve(context.Context) (Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded != nil {
		return *s.loaded, nil
	}
	name, err := s.filename()
	if err != nil {
		return Credentials{}, err
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return Credentials{}, fmt.Errorf("%w: %w", ErrNoCredentials, err)
	}
	profile := s.profile()
	c, err := parseSharedCredentials(data, profile)
	if err != nil {
		return Credentials{}, fmt.Errorf("%s: %w", name, err)
	}
	s.loaded = &c
	return c, nil
}

func (s *SharedFile) filename() (string, error) {
	name := s.Filename
	if name == "" {
		name = os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	}
	if name != "" && !strings.HasPrefix(name, "~/") {
		return name, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoCredentials, err)
	}
	if name == "" {
		return filepath.Join(home, ".aws", "credentials"), nil
	}
	return filepath.Join(home, name[2:]), nil
}

func (s *SharedFile) profile() string {
	switch {
	case s.Profile != "":
		return s.Profile
	case os.Getenv("AWS_PROFILE") != "":
		return os.Getenv("AWS_PROFILE")
	}
	return "default"
}

// parseSharedCredentials reads profile from the INI text: [sections],
// "name = value" lines, and # or ; comments. Indented lines continue a
// nested setting (as in ~/.aws/config) and are skipped.
func parseSharedCredentials(data []byte, profile string) (Credentials, error) {
	values, found := map[string]string{}, false
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(line[1 : len(line)-1])
			found = found || section == profile
		case raw[0] == ' ' || raw[0] == '\t' || section != profile:
		default:
			name, value, ok := strings.Cut(line, "=")
			if ok {
				values[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return Credentials{}, err
	}
	if !found {
		return Credentials{}, fmt.Errorf("%w: no profile [%s]", ErrNoCredentials, profile)
	}
	c := Credentials{AccessKey: values["aws_access_key_id"], SecretKey: values["aws_secret_access_key"], SessionToken: values["aws_session_token"]}
	if c.SessionToken == "" {
		c.SessionToken = values["aws_security_token"] // the older name
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		return Credentials{}, fmt.Errorf("%w: profile [%s] lacks aws_access_key_id or aws_secret_access_key", ErrNoCredentials, profile)
	}
	return c, nil
}

// Chain asks each provider in turn and returns the first keys found, as
// MinIO's ChainedProvider does: e.g. environment, then shared file,
// then STS.
type Chain struct {
	Providers []Provider
}

// Retrieve returns the first provider's keys that are not empty; when
// none has any, the error wraps ErrNoCredentials and every provider's
// error.
func (c Chain) Retrieve(ctx context.Context) (Credentials, error) {
	var errs []error
	for _, p := range c.Providers {
		creds, err := p.Retrieve(ctx)
		if err == nil && creds.AccessKey != "" && creds.SecretKey != "" {
			return creds, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			return Credentials{}, ctx.Err()
		}
	}
	if len(errs) == 0 {
		return Credentials{}, fmt.Errorf("%w: no provider in the chain has keys", ErrNoCredentials)
	}
	return Credentials{}, fmt.Errorf("%w: %w", ErrNoCredentials, errors.Join(errs...))
}

// Limits of AssumeRole's DurationSeconds, as AWS STS sets them.
const (
	minAssumeRoleDuration = 15 * time.Minute
	maxAssumeRoleDuration = 12 * time.Hour
)

// assumeRoleRefreshMargin is how long before their expiration temporary
// credentials are replaced: a request signed just before the deadline
// must still arrive before it, and clocks differ a little.
const assumeRoleRefreshMargin = time.Minute

// AssumeRole obtains temporary credentials from an STS endpoint (AWS STS
// AssumeRole; kura serves it on its S3 endpoint) and keeps them until
// shortly before they expire. Use it as a pointer; it is safe for
// concurrent use, and concurrent callers share one STS call.
type AssumeRole struct {
	// Endpoint is the STS URL, e.g. https://sts.amazonaws.com or kura's
	// http://host:port.
	Endpoint string
	// AccessKey and SecretKey are the long-term keys of the caller.
	AccessKey, SecretKey string
	// RoleARN names the role to assume (AWS requires it; kura ignores
	// it: the credentials act for the caller).
	RoleARN string
	// SessionName names the session; default "kura-go-<unix time>".
	SessionName string
	// ExternalID is passed on for roles that demand one.
	ExternalID string
	// Duration is how long the credentials last, 15 min to 12 h; zero
	// leaves it to the server (one hour).
	Duration time.Duration
	// Policy is a session policy (JSON) that narrows the credentials.
	Policy string
	// Region is the region the call is signed for; default us-east-1.
	Region string
	// HTTPClient makes the call; nil means http.DefaultClient.
	HTTPClient *http.Client

	stsSession
}

// Retrieve returns the cached credentials, fetching new ones when they
// are about to expire. When fetching fails while the old ones still
// work, the old ones are returned: a brief STS outage must not fail
// requests that could still be signed.
func (a *AssumeRole) Retrieve(ctx context.Context) (Credentials, error) {
	return a.retrieve(ctx, fixedMargin, a.fetch)
}

func (a *AssumeRole) check() (*url.URL, error) {
	u, err := url.Parse(a.Endpoint)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return nil, invalidArgument("STS endpoint %q is not an http(s) URL", a.Endpoint)
	case a.AccessKey == "" || a.SecretKey == "":
		return nil, invalidArgument("AssumeRole needs an access key and a secret key")
	case a.Duration != 0 && (a.Duration < minAssumeRoleDuration || a.Duration > maxAssumeRoleDuration):
		return nil, invalidArgument("AssumeRole duration %v is not between %v and %v", a.Duration, minAssumeRoleDuration, maxAssumeRoleDuration)
	}
	return u, nil
}

// form is the AssumeRole call in the AWS query protocol.
func (a *AssumeRole) form(now time.Time) url.Values {
	f := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}}
	session := a.SessionName
	if session == "" {
		session = "kura-go-" + strconv.FormatInt(now.Unix(), 10)
	}
	f.Set("RoleSessionName", session)
	optional := map[string]string{"RoleArn": a.RoleARN, "ExternalId": a.ExternalID, "Policy": a.Policy}
	for name, value := range optional {
		if value != "" {
			f.Set(name, value)
		}
	}
	if a.Duration != 0 {
		f.Set("DurationSeconds", strconv.FormatInt(int64(a.Duration/time.Second), 10))
	}
	return f
}

func (a *AssumeRole) fetch(ctx context.Context, now time.Time) (Credentials, error) {
	u, err := a.check()
	if err != nil {
		return Credentials{}, err
	}
	body := a.form(now).Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(body))
	if err != nil {
		return Credentials{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	region := a.Region
	if region == "" {
		region = defaultRegion
	}
	sum := sha256.Sum256([]byte(body))
	sigv4.SignRequest(req, sigv4.Credentials{AccessKey: a.AccessKey, SecretKey: a.SecretKey}, region, "sts", hex.EncodeToString(sum[:]), now)
	return callSTS(a.HTTPClient, req, "AssumeRole")
}

// stsError turns an STS error answer (the query protocol's ErrorResponse,
// which wraps the code one level deeper than S3) into an *ErrorResponse.
func stsError(resp *http.Response, data []byte) error {
	var doc struct {
		Code      string `xml:"Error>Code"`
		Message   string `xml:"Error>Message"`
		RequestID string `xml:"RequestId"`
	}
	_ = xml.Unmarshal(data, &doc)
	e := &ErrorResponse{StatusCode: resp.StatusCode, Code: doc.Code, Message: doc.Message, RequestID: doc.RequestID}
	if e.Code == "" {
		e.Code, e.Message = codeForStatus(resp.StatusCode, "", ""), http.StatusText(resp.StatusCode)
	}
	return e
}

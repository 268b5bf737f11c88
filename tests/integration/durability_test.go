package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKillNineKeepsAcknowledgedWrites: every PUT that was answered 200
// survives kill -9 and reads back byte-identical with its metadata.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	s := startServer(t)
	now := time.Now
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, now())), 200)
	objects := map[string][]byte{"inline": []byte("small and inline"), "blob": pattern(2<<20, 5)}
	for k, data := range objects {
		req := s.signed(t, "PUT", "/bkt/"+k, data, s.secretKey, now())
		expectStatus(t, "put "+k, do(t, withSignedMeta(t, s, req, data)), 200)
	}
	s.kill9()
	s.start()
	for k, data := range objects {
		r := do(t, s.signed(t, "GET", "/bkt/"+k, nil, s.secretKey, now()))
		if r.status != 200 || !bytes.Equal(r.body, data) {
			t.Fatalf("%s after kill -9: %d, %d bytes", k, r.status, len(r.body))
		}
		if r.header.Get("X-Amz-Meta-Color") != "blue" || r.header.Get("Content-Type") != "text/x-kura" {
			t.Errorf("%s lost its metadata: %v", k, r.header)
		}
	}
}

// withSignedMeta re-signs req with metadata headers included.
func withSignedMeta(t *testing.T, s *server, req *http.Request, body []byte) *http.Request {
	r := s.signed(t, req.Method, strings.TrimPrefix(req.URL.String(), s.url()), body, s.secretKey, time.Now())
	r.Header.Set("X-Amz-Meta-Color", "blue")
	r.Header.Set("Content-Type", "text/x-kura")
	r.Header.Del("Authorization")
	return s.resign(t, r, body)
}

func TestGeneratedCredentialsPersist(t *testing.T) {
	s := startServer(t)
	s.env = nil // no KURA_ROOT_USER: kura must generate and keep credentials
	s.restart()
	path := filepath.Join(s.dir, "root-credentials.json")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	var creds struct{ AccessKey, SecretKey string }
	if err := json.Unmarshal(data, &creds); err != nil || len(creds.SecretKey) < 32 {
		t.Fatalf("credentials file: %v", err)
	}
	s.accessKey, s.secretKey = creds.AccessKey, creds.SecretKey
	expectStatus(t, "generated credentials work", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	s.restart()
	expectStatus(t, "same credentials after restart", do(t, s.signed(t, "HEAD", "/bkt", nil, s.secretKey, time.Now())), 200)
}

func TestVirtualHostStyle(t *testing.T) {
	s := startServer(t, "--domain", "kura.test")
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/vhost", nil, s.secretKey, time.Now())), 200)
	expectStatus(t, "put", do(t, s.signed(t, "PUT", "/vhost/key", []byte("by path"), s.secretKey, time.Now())), 200)
	// The same object addressed as vhost.kura.test/key, dialled to loopback.
	_, port, _ := net.SplitHostPort(s.addr)
	req := mustRequest(t, "GET", "http://vhost.kura.test:"+port+"/key", nil)
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
	req = s.resign(t, req, nil)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx2 context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx2, network, s.addr)
	}}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || buf.String() != "by path" {
		t.Fatalf("virtual-host GET: %d %q", resp.StatusCode, buf.String())
	}
}

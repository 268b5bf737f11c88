package httpapi

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/sigv4"
)

// rawAnswerWait bounds each read of a raw-socket test: generous, so that
// a slow machine never fails a test whose answer does arrive.
const rawAnswerWait = 10 * time.Second

// readRawAnswer reads one response from br, body included.
func readRawAnswer(t *testing.T, conn net.Conn, br *bufio.Reader, method string) (*http.Response, []byte) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(rawAnswerWait))
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("answer's body: %v", err)
	}
	return resp, body
}

// A refused request whose body has barely begun is answered at once, and
// its connection then closes: the server does not wait for the rest of a
// body it has no use for. A client announcing 100000 bytes and sending
// one would otherwise hold the connection open for as long as it likes.
func TestRefusedRequestWithUnreadBodyIsAnswered(t *testing.T) {
	s := compatServer(t, "bkt")
	srv := httptest.NewServer(s.api)
	t.Cleanup(srv.Close)

	badSig := "AWS4-HMAC-SHA256 Credential=" + s.creds.AccessKey + "/20261124/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + strings.Repeat("0", 64)
	cases := []struct {
		name, head string
		status     int
	}{
		{"anonymous", "PUT /bkt/k HTTP/1.1\r\n", http.StatusForbidden},
		{"bad signature", "PUT /bkt/k HTTP/1.1\r\nAuthorization: " + badSig + "\r\nX-Amz-Date: 20261124T120000Z\r\nX-Amz-Content-Sha256: UNSIGNED-PAYLOAD\r\n", http.StatusForbidden},
		{"unknown route", "PUT / HTTP/1.1\r\n", http.StatusForbidden},
		{"signed, unknown route", "PUT / HTTP/1.1\r\n" + signedHeaders(t, s, "PUT", srv.URL+"/"), http.StatusMethodNotAllowed},
		{"signed, not implemented", "PUT /bkt?analytics HTTP/1.1\r\n" + signedHeaders(t, s, "PUT", srv.URL+"/bkt?analytics"), http.StatusNotImplemented},
		{"unknown admin route", "PUT " + AdminPrefix + "/nothing HTTP/1.1\r\n", http.StatusNotImplemented},
		{"chunked", "PUT /bkt/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n", http.StatusForbidden},
		{"health check", "GET /health/live HTTP/1.1\r\n", http.StatusOK},
		{"waiting for 100 Continue", "PUT /bkt/k HTTP/1.1\r\nExpect: 100-continue\r\n", http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			req := c.head + "Host: " + srv.Listener.Addr().String() + "\r\n"
			if strings.Contains(c.head, "chunked") {
				req += "\r\n186a0\r\nx" // a 100000-byte chunk, one byte of it sent
			} else {
				req += "Content-Length: 100000\r\n\r\n"
				if !strings.Contains(c.head, "100-continue") {
					req += "x"
				}
			}
			if _, err := io.WriteString(conn, req); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			resp, body := readRawAnswer(t, conn, br, "PUT")
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, c.status, body)
			}
			if !resp.Close {
				t.Errorf("the answer does not say Connection: close: %v", resp.Header)
			}
			_ = conn.SetReadDeadline(time.Now().Add(rawAnswerWait))
			n, err := br.Read(make([]byte, 1))
			if n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("the connection stays open after the answer: read %d, %v", n, err)
			}
		})
	}
}

// signedHeaders are the header lines signing a request to url by the
// root user, its payload unsigned.
func signedHeaders(t *testing.T, s *fzServer, method, url string) string {
	t.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	sigv4.SignRequest(r, s.creds, fzRegion, "s3", sigv4.UnsignedPayload, s.now)
	var b strings.Builder
	for _, k := range []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256"} {
		b.WriteString(k + ": " + r.Header.Get(k) + "\r\n")
	}
	return b.String()
}

// A request whose body the server reads to its end keeps its connection:
// the next request on it is served.
func TestReadBodyKeepsConnection(t *testing.T) {
	s := compatServer(t, "bkt")
	srv := httptest.NewServer(s.api)
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	send := func(method string, body []byte) (*http.Response, []byte) {
		t.Helper()
		r, err := http.NewRequest(method, srv.URL+"/bkt/k", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		sigv4.SignRequest(r, s.creds, fzRegion, "s3", hex.EncodeToString(sum[:]), s.now)
		if err := r.Write(conn); err != nil {
			t.Fatal(err)
		}
		resp, got := readRawAnswer(t, conn, br, method)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", method, resp.StatusCode, got)
		}
		return resp, got
	}
	data := bytes.Repeat([]byte("k"), 100000)
	for _, method := range []string{http.MethodPut, http.MethodGet, http.MethodPut} {
		body := data
		if method == http.MethodGet {
			body = nil
		}
		resp, got := send(method, body)
		if resp.Close {
			t.Fatalf("%s: the server closes a connection whose request it read whole", method)
		}
		if method == http.MethodGet && !bytes.Equal(got, data) {
			t.Fatalf("GET: %d bytes, want the %d put", len(got), len(data))
		}
	}
}

package bench

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/sigv4"
)

const (
	gib      = 1 << 30
	partSize = 64 << 20
	workers  = 4
)

// send makes one request with an unsigned payload, so that the client's
// hashing does not weigh on what is measured, and returns the response.
func (t *target) send(b *testing.B, method, path string, body []byte) *http.Response {
	req, err := http.NewRequest(method, t.url+path, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	sigv4.SignRequest(req, t.creds, "us-east-1", "s3", sigv4.UnsignedPayload, time.Now())
	resp, err := t.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(resp.Body)
		b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, msg)
	}
	return resp
}

func gibPayload() []byte {
	body := make([]byte, gib)
	for i := 0; i < len(body); i += 4096 {
		body[i] = byte(i >> 12)
	}
	return body
}

// BenchmarkPut1GiB compares one 1 GiB PUT with a 1 GiB multipart upload
// of 64 MiB parts, four in flight at a time. The target is
// multipart ≥ 0.8× the single PUT; compare the MB/s of the two.
func BenchmarkPut1GiB(b *testing.B) {
	body := gibPayload()
	b.Run("single", func(b *testing.B) {
		t := startKura(b)
		b.SetBytes(gib)
		b.ResetTimer()
		for i := range b.N {
			t.send(b, "PUT", fmt.Sprintf("/bench/single-%d", i), body).Body.Close()
		}
	})
	b.Run("multipart-4", func(b *testing.B) {
		t := startKura(b)
		b.SetBytes(gib)
		b.ResetTimer()
		for i := range b.N {
			key := fmt.Sprintf("/bench/multi-%d", i)
			resp := t.send(b, "POST", key+"?uploads", nil)
			var init struct {
				UploadID string `xml:"UploadId"`
			}
			xml.NewDecoder(resp.Body).Decode(&init)
			resp.Body.Close()
			parts := gib / partSize
			etags := make([]string, parts)
			var wg sync.WaitGroup
			next := make(chan int)
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := range next {
						chunk := body[n*partSize : (n+1)*partSize]
						resp := t.send(b, "PUT", fmt.Sprintf("%s?partNumber=%d&uploadId=%s", key, n+1, init.UploadID), chunk)
						etags[n] = resp.Header.Get("ETag")
						resp.Body.Close()
					}
				}()
			}
			for n := range parts {
				next <- n
			}
			close(next)
			wg.Wait()
			var doc strings.Builder
			doc.WriteString("<CompleteMultipartUpload>")
			for n, etag := range etags {
				fmt.Fprintf(&doc, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", n+1, etag)
			}
			doc.WriteString("</CompleteMultipartUpload>")
			t.send(b, "POST", key+"?uploadId="+init.UploadID, []byte(doc.String())).Body.Close()
		}
	})
}

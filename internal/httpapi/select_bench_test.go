package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/s3select"
)

// BenchmarkSelectCSV selects a tenth of the rows of a CSV object of
// 100,000 rows (about 4 MB) through the handler.
func BenchmarkSelectCSV(b *testing.B) {
	s := newFzServer(b)
	if err := s.layer.CreateBucket(context.Background(), "bkt", object.CreateBucketOptions{}); err != nil {
		b.Fatal(err)
	}
	var data bytes.Buffer
	data.WriteString("id,name,city,score\n")
	for i := range 100_000 {
		fmt.Fprintf(&data, "%d,name%d,city%d,%d.5\n", i, i, i%10, i%1000)
	}
	if _, err := s.layer.PutObject(context.Background(), "bkt", "big.csv", bytes.NewReader(data.Bytes()), object.PutOptions{Size: int64(data.Len())}); err != nil {
		b.Fatal(err)
	}
	req := s3select.Request{
		Expression: "SELECT s.id, s.name FROM S3Object s WHERE s.city = 'city3' AND s.score > 10", ExpressionType: s3select.SQL,
		Input:  s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse}},
		Output: s3select.OutputSerialization{JSON: &s3select.JSONOutput{}},
	}
	body, err := req.Encode()
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256(body)
	b.SetBytes(int64(data.Len()))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:9000/bkt/big.csv?select&select-type=2", bytes.NewReader(body))
		sigv4.SignRequest(r, s.creds, fzRegion, "s3", hex.EncodeToString(sum[:]), s.now)
		rec := httptest.NewRecorder()
		s.api.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		io.Copy(io.Discard, rec.Body)
	}
}

package integration

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/encrypt"
	"github.com/parquet-go/parquet-go"

	kuraclient "github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/s3select"
)

const selectCSV = "id,name,age\n1,Ann,34\n2,Bob,27\n3,Cy,41\n"

// selectCastFailsAt is a CSV object of 2000 rows of a kilobyte whose row
// n does not CAST to INT: the rows before it are streamed before the
// error is found.
func selectCastFailsAt(n int) []byte {
	var b bytes.Buffer
	b.WriteString("n,pad\n")
	pad := strings.Repeat("x", 1000)
	for i := 1; i <= 2000; i++ {
		v := fmt.Sprint(i)
		if i == n {
			v = "not a number"
		}
		fmt.Fprintf(&b, "%s,%s\n", v, pad)
	}
	return b.Bytes()
}

func kuraClientAs(t *testing.T, s *server, access, secret string) *kuraclient.Client {
	t.Helper()
	kc, err := kuraclient.New(s.addr, &kuraclient.Options{AccessKey: access, SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

// TestSelectObjectContentGoSDK runs S3 Select through kura's Go SDK: rows
// filtered by a WHERE, the final Stats, an error in the expression as an
// S3 error, an error found while scanning as an error after records, and
// AccessDenied for a user who may not read the object.
func TestSelectObjectContentGoSDK(t *testing.T) {
	s := startServer(t)
	c := ctx(t)
	kc := kuraClientAs(t, s, s.accessKey, s.secretKey)
	if err := kc.MakeBucket(c, "sel", kuraclient.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	big := selectCastFailsAt(1000)
	for key, data := range map[string][]byte{"people.csv": []byte(selectCSV), "big.csv": big} {
		if _, err := kc.PutObject(c, "sel", key, bytes.NewReader(data), int64(len(data)), kuraclient.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	csvReq := func(expr string) *s3select.Request {
		return &s3select.Request{
			Expression: expr,
			Input:      s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse}},
			Output:     s3select.OutputSerialization{CSV: &s3select.CSVOutput{}},
		}
	}

	res, err := kc.SelectObjectContent(c, "sel", "people.csv", csvReq("SELECT s.name FROM S3Object s WHERE s.age > 30"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res)
	res.Close()
	if err != nil || string(got) != "Ann\nCy\n" {
		t.Fatalf("records %q, %v", got, err)
	}
	if st := res.Stats(); st == nil || st.BytesScanned != int64(len(selectCSV)) || st.BytesReturned != int64(len(got)) {
		t.Errorf("stats %+v", st)
	}

	selectFormats(t, kc)

	var er *kuraclient.ErrorResponse
	_, err = kc.SelectObjectContent(c, "sel", "people.csv", csvReq("SELECT * FROM S3Object WHERE"))
	if !errors.As(err, &er) || er.Code != "ParseExpectedExpression" || er.StatusCode != 400 {
		t.Errorf("bad SQL: %v, want a 400 ParseExpectedExpression", err)
	}

	res, err = kc.SelectObjectContent(c, "sel", "big.csv", csvReq("SELECT pad, CAST(n AS INT) FROM S3Object"))
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(res)
	res.Close()
	if !errors.As(err, &er) || er.Code != "CastFailed" {
		t.Errorf("a CAST failure on row 1000: %v, want CastFailed", err)
	}
	if len(got) == 0 || strings.Count(string(got), "\n") > 999 {
		t.Errorf("%d rows before the error, want some of the 999 good ones", strings.Count(string(got), "\n"))
	}

	kuraAdmin(t, s, "user", "add", "writer", "writer-secret")
	kuraAdmin(t, s, "policy", "attach", "writeonly", "--user", "writer")
	kuraAdmin(t, s, "user", "add", "reader", "reader-secret")
	kuraAdmin(t, s, "policy", "attach", "readonly", "--user", "reader")
	_, err = kuraClientAs(t, s, "writer", "writer-secret").SelectObjectContent(c, "sel", "people.csv", csvReq("SELECT * FROM S3Object"))
	if !errors.As(err, &er) || er.Code != "AccessDenied" {
		t.Errorf("select without s3:GetObject: %v, want AccessDenied", err)
	}
	res, err = kuraClientAs(t, s, "reader", "reader-secret").SelectObjectContent(c, "sel", "people.csv", csvReq("SELECT COUNT(*) FROM S3Object"))
	if err != nil {
		t.Fatalf("select with s3:GetObject: %v", err)
	}
	got, err = io.ReadAll(res)
	res.Close()
	if err != nil || string(got) != "3\n" {
		t.Errorf("COUNT(*) as a reader: %q, %v", got, err)
	}
}

// TestSelectObjectContentSSEC: an object stored with a customer key is
// selected with that key, and refused without it (minio-go sends the
// key headers with its select).
func TestSelectObjectContentSSEC(t *testing.T) {
	s := startServer(t, "--tls-self-signed")
	mc, _ := tlsClients(t, s)
	c := ctx(t)
	if err := mc.MakeBucket(c, "sel", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	ssec, _ := encrypt.NewSSEC(bytes.Repeat([]byte{7}, 32))
	if _, err := mc.PutObject(c, "sel", "people.csv", strings.NewReader(selectCSV), int64(len(selectCSV)), minio.PutObjectOptions{ServerSideEncryption: ssec}); err != nil {
		t.Fatal(err)
	}
	opts := minio.SelectObjectOptions{
		Expression: "SELECT name FROM S3Object WHERE id = '2'", ExpressionType: minio.QueryExpressionTypeSQL,
		InputSerialization: minio.SelectObjectInputSerialization{
			CompressionType: minio.SelectCompressionNONE,
			CSV:             &minio.CSVInputOptions{FileHeaderInfo: minio.CSVFileHeaderInfoUse},
		},
		OutputSerialization: minio.SelectObjectOutputSerialization{CSV: &minio.CSVOutputOptions{}},
	}
	opts.ServerSideEncryption = ssec
	res, err := mc.SelectObjectContent(c, "sel", "people.csv", opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res)
	res.Close()
	if err != nil || string(got) != "Bob\n" {
		t.Fatalf("select with the key: %q, %v", got, err)
	}
	opts.ServerSideEncryption = nil
	if _, err := mc.SelectObjectContent(c, "sel", "people.csv", opts); minio.ToErrorResponse(err).Code != "InvalidRequest" {
		t.Errorf("select without the key: %v, want InvalidRequest", err)
	}
}

// TestSelectObjectContentBoto3 runs testdata/boto3_select.py: CSV, JSON
// lines, gzip, progress, scan range and an error event through boto3's
// event stream parser.
func TestSelectObjectContentBoto3(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	runScript(t, py, s, "boto3_select.py", "boto3 select_object_content")
}

// TestSelectObjectContentMinioPy: minio-py's select_object_content and
// its stats.
func TestSelectObjectContentMinioPy(t *testing.T) {
	python, env := minioPy(t)
	s := startServer(t)
	script := `
import io, sys
from minio import Minio
from minio.select import SelectRequest, CSVInputSerialization, CSVOutputSerialization
addr, ak, sk = sys.argv[1:4]
c = Minio(addr, access_key=ak, secret_key=sk, secure=False)
c.make_bucket("sel")
data = b"id,name,age\n1,Ann,34\n2,Bob,27\n3,Cy,41\n"
c.put_object("sel", "people.csv", io.BytesIO(data), len(data))
req = SelectRequest("SELECT s.name FROM S3Object s WHERE s.age > 30",
    CSVInputSerialization(file_header_info="USE"), CSVOutputSerialization(), request_progress=True)
with c.select_object_content("sel", "people.csv", req) as result:
    out = b"".join(result.stream())
    assert out == b"Ann\nCy\n", out
    st = result.stats()
    assert int(st.bytes_scanned) == len(data), vars(st)
    assert int(st.bytes_returned) == len(out), vars(st)
print("OK")
`
	cmd := exec.Command(python, "-c", script, s.addr, s.accessKey, s.secretKey)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("minio-py select: %v\n%s", err, out)
	}
}

// selectFormats selects from JSON lines, gzip CSV and Parquet objects
// through the SDK, with LIMIT, aggregates, ScanRange and progress.
func selectFormats(t *testing.T, kc *kuraclient.Client) {
	t.Helper()
	c := ctx(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(selectCSV))
	zw.Close()
	type person struct {
		ID   int64  `parquet:"id"`
		Name string `parquet:"name"`
		Age  int32  `parquet:"age"`
	}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, []person{{1, "Ann", 34}, {2, "Bob", 27}, {3, "Cy", 41}}); err != nil {
		t.Fatal(err)
	}
	objects := map[string][]byte{
		"people.jsonl":   []byte(`{"id":1,"name":"Ann"}` + "\n" + `{"id":2,"name":"Bob"}` + "\n"),
		"people.csv.gz":  gz.Bytes(),
		"people.parquet": pq.Bytes(),
	}
	for key, data := range objects {
		if _, err := kc.PutObject(c, "sel", key, bytes.NewReader(data), int64(len(data)), kuraclient.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	csvUse := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse}}
	gzipUse := csvUse
	gzipUse.CompressionType = s3select.CompressionGZIP
	csvOut := s3select.OutputSerialization{CSV: &s3select.CSVOutput{}}
	jsonOut := s3select.OutputSerialization{JSON: &s3select.JSONOutput{}}
	second := int64(strings.Index(selectCSV, "2,Bob"))
	for _, tc := range []struct {
		key  string
		req  s3select.Request
		want string
	}{
		{"people.jsonl", s3select.Request{Expression: "SELECT s.name FROM S3Object s WHERE s.id > 1",
			Input: s3select.InputSerialization{JSON: &s3select.JSONInput{Type: s3select.JSONLines}}, Output: jsonOut}, `{"name":"Bob"}` + "\n"},
		{"people.csv.gz", s3select.Request{Expression: "SELECT name FROM S3Object LIMIT 2", Input: gzipUse, Output: csvOut, RequestProgress: true}, "Ann\nBob\n"},
		{"people.csv", s3select.Request{Expression: "SELECT AVG(CAST(age AS INT)), MIN(name) FROM S3Object", Input: csvUse, Output: csvOut}, "34.0,Ann\n"},
		{"people.csv", s3select.Request{Expression: "SELECT name FROM S3Object", Input: csvUse, Output: csvOut,
			ScanRange: &s3select.ScanRange{Start: &second}}, "Bob\nCy\n"},
		{"people.parquet", s3select.Request{Expression: "SELECT s.name FROM S3Object s WHERE s.age < 30",
			Input: s3select.InputSerialization{Parquet: &s3select.ParquetInput{}}, Output: csvOut}, "Bob\n"},
	} {
		res, err := kc.SelectObjectContent(c, "sel", tc.key, &tc.req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.key, tc.req.Expression, err)
		}
		got, err := io.ReadAll(res)
		res.Close()
		if err != nil || string(got) != tc.want {
			t.Errorf("%s %s: %q, %v; want %q", tc.key, tc.req.Expression, got, err, tc.want)
		}
		if tc.req.RequestProgress && res.Progress() == nil {
			t.Errorf("%s %s: no Progress with RequestProgress", tc.key, tc.req.Expression)
		}
	}
}

package httpapi

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/sigv4"
)

// The tests of this file cover the checksum algorithms S3 added in April
// 2026 (MD5, SHA512, XXHASH64, XXHASH3, XXHASH128) end to end: headers,
// trailers, form fields, multipart (COMPOSITE only), copies and the
// documents that name them.

var addedAlgorithms = []checksum.Algorithm{checksum.MD5, checksum.SHA512, checksum.XXHASH64, checksum.XXHASH3, checksum.XXHASH128}

// checksumHeader is a header carrying v as alg's checksum.
func checksumHeader(alg checksum.Algorithm, v string) http.Header {
	return http.Header{http.CanonicalHeaderKey(alg.HeaderName()): {v}}
}

// expectCode checks an answer's status and S3 error code.
func expectCode(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if rec.Code != status || !strings.Contains(rec.Body.String(), "<Code>"+code+"</Code>") {
		t.Fatalf("%s: %d %s, want %d %s", what, rec.Code, rec.Body, status, code)
	}
}

// expectStored checks that HEAD with checksum mode reports want as the
// object's alg checksum, of type typ.
func expectStored(t *testing.T, s *fzServer, path string, alg checksum.Algorithm, want, typ string) {
	t.Helper()
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		rec := s.send(t, fzNewRequest(method, path, http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}}, nil), false)
		if got := rec.Header().Get(alg.HeaderName()); rec.Code != http.StatusOK || got != want || rec.Header().Get("x-amz-checksum-type") != typ {
			t.Fatalf("%s %s: %d, %s %q type %q, want %q %s", method, path, rec.Code, alg.HeaderName(), got, rec.Header().Get("x-amz-checksum-type"), want, typ)
		}
	}
}

func expectAbsent(t *testing.T, s *fzServer, path string) {
	t.Helper()
	if rec := s.send(t, fzNewRequest(http.MethodHead, path, nil, nil), false); rec.Code != http.StatusNotFound {
		t.Fatalf("a refused write stored %s: HEAD %d", path, rec.Code)
	}
}

// A PUT carrying one of the added checksums in its header is verified and
// stored; GET and HEAD return it with checksum mode. A value for other
// data is BadDigest; a value one byte short or long, or not base64, is
// InvalidRequest, as for the original five. Nothing is stored then.
func TestAddedChecksumHeaders(t *testing.T) {
	s := compatServer(t, "bkt")
	data := []byte("the quick brown fox")
	for _, alg := range addedAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			path := "/bkt/" + strings.ToLower(string(alg))
			want := sumOf(alg, string(data))
			rec := s.send(t, fzNewRequest(http.MethodPut, path, checksumHeader(alg, want), data), false)
			if rec.Code != http.StatusOK || rec.Header().Get(alg.HeaderName()) != want || rec.Header().Get("x-amz-checksum-type") != "FULL_OBJECT" {
				t.Fatalf("PUT: %d %v %s", rec.Code, rec.Header(), rec.Body)
			}
			expectStored(t, s, path, alg, want, "FULL_OBJECT")

			bad := path + "-bad"
			expectCode(t, "value of other data", s.send(t, fzNewRequest(http.MethodPut, bad,
				checksumHeader(alg, sumOf(alg, "other")), data), false), http.StatusBadRequest, "BadDigest")
			size := alg.New().Size()
			for _, v := range []string{
				checksum.Encode(make([]byte, size-1)), checksum.Encode(make([]byte, size+1)),
				"!" + want[1:], want[:len(want)-2],
			} {
				expectCode(t, "value "+v, s.send(t, fzNewRequest(http.MethodPut, bad, checksumHeader(alg, v), data), false),
					http.StatusBadRequest, "InvalidRequest")
			}
			expectAbsent(t, s, bad)

			// Named by the SDK only: the server computes it.
			named := path + "-named"
			rec = s.send(t, fzNewRequest(http.MethodPut, named, http.Header{"X-Amz-Sdk-Checksum-Algorithm": {strings.ToLower(string(alg))}}, data), false)
			if rec.Code != http.StatusOK || rec.Header().Get(alg.HeaderName()) != want {
				t.Fatalf("PUT naming %s: %d %v", alg, rec.Code, rec.Header())
			}
			expectStored(t, s, named, alg, want, "FULL_OBJECT")
		})
	}
	// Two checksums are still one too many.
	expectCode(t, "md5 and sha512", s.send(t, fzNewRequest(http.MethodPut, "/bkt/two", http.Header{
		"X-Amz-Checksum-Md5": {sumOf(checksum.MD5, string(data))}, "X-Amz-Checksum-Sha512": {sumOf(checksum.SHA512, string(data))},
	}, data), false), http.StatusBadRequest, "InvalidRequest")
	expectAbsent(t, s, "/bkt/two")
}

// x-amz-checksum-md5 is an S3 checksum like the others, checked apart
// from the legacy Content-MD5 header, which keeps its own errors.
func TestChecksumMD5BesideContentMD5(t *testing.T) {
	s := compatServer(t, "bkt")
	data := []byte("payload")
	m := md5.Sum(data)
	right := base64.StdEncoding.EncodeToString(m[:])
	wrong := sumOf(checksum.MD5, "other")
	put := func(key string, h http.Header) *httptest.ResponseRecorder {
		return s.send(t, fzNewRequest(http.MethodPut, "/bkt/"+key, h, data), false)
	}
	rec := put("both", http.Header{"Content-Md5": {right}, "X-Amz-Checksum-Md5": {right}})
	if rec.Code != http.StatusOK || rec.Header().Get("x-amz-checksum-md5") != right || rec.Header().Get("ETag") != fmt.Sprintf("%q", fmt.Sprintf("%x", m)) {
		t.Fatalf("both right: %d %v", rec.Code, rec.Header())
	}
	rec = put("checksum-wrong", http.Header{"Content-Md5": {right}, "X-Amz-Checksum-Md5": {wrong}})
	expectCode(t, "x-amz-checksum-md5 wrong", rec, http.StatusBadRequest, "BadDigest")
	if !strings.Contains(rec.Body.String(), "The MD5 you specified did not match the calculated checksum.") {
		t.Errorf("x-amz-checksum-md5 wrong: %s", rec.Body)
	}
	rec = put("content-wrong", http.Header{"Content-Md5": {wrong}, "X-Amz-Checksum-Md5": {right}})
	expectCode(t, "Content-MD5 wrong", rec, http.StatusBadRequest, "BadDigest")
	if !strings.Contains(rec.Body.String(), "Content-MD5") {
		t.Errorf("Content-MD5 wrong: %s", rec.Body)
	}
	// A Content-MD5 that is not a digest stays InvalidDigest, whatever
	// x-amz-checksum-md5 says.
	expectCode(t, "Content-MD5 malformed", put("content-bad", http.Header{"Content-Md5": {"AAAA"}, "X-Amz-Checksum-Md5": {right}}),
		http.StatusBadRequest, "InvalidDigest")
	for _, key := range []string{"checksum-wrong", "content-wrong", "content-bad"} {
		expectAbsent(t, s, "/bkt/"+key)
	}
	// Content-MD5 alone stores no S3 checksum.
	if rec := put("legacy", http.Header{"Content-Md5": {right}}); rec.Code != http.StatusOK || rec.Header().Get("x-amz-checksum-md5") != "" {
		t.Fatalf("Content-MD5 alone: %d %v", rec.Code, rec.Header())
	}
}

// unsignedTrailerRequest is an aws-chunked PUT of data whose trailer
// carries value as the header trailer names.
func (s *fzServer) unsignedTrailerRequest(path string, data []byte, trailer, value string) *http.Request {
	var b bytes.Buffer
	for off := 0; off < len(data); off += 7 {
		chunk := data[off:min(off+7, len(data))]
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	fmt.Fprintf(&b, "0\r\n%s:%s\r\n\r\n", trailer, value)
	r := fzNewRequest(http.MethodPut, path, http.Header{
		"Content-Encoding":             {"aws-chunked"},
		"X-Amz-Decoded-Content-Length": {strconv.Itoa(len(data))},
		"X-Amz-Trailer":                {trailer},
	}, b.Bytes())
	sigv4.SignRequest(r, s.creds, fzRegion, "s3", sigv4.StreamingUnsignedTrailer, s.now)
	return r
}

// The added checksums come in aws-chunked trailers too (x-amz-trailer),
// checked when the body ends.
func TestAddedChecksumTrailers(t *testing.T) {
	s := compatServer(t, "bkt")
	data := []byte("a body sent in chunks of seven bytes")
	for _, alg := range addedAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			path := "/bkt/trailer-" + strings.ToLower(string(alg))
			want := sumOf(alg, string(data))
			rec := s.send(t, s.unsignedTrailerRequest(path, data, alg.HeaderName(), want), true)
			if rec.Code != http.StatusOK || rec.Header().Get(alg.HeaderName()) != want {
				t.Fatalf("PUT: %d %v %s", rec.Code, rec.Header(), rec.Body)
			}
			expectStored(t, s, path, alg, want, "FULL_OBJECT")
			if rec := s.send(t, fzNewRequest(http.MethodGet, path, nil, nil), false); rec.Body.String() != string(data) {
				t.Fatalf("read back %q", rec.Body)
			}
			bad := path + "-bad"
			expectCode(t, "trailer of other data", s.send(t, s.unsignedTrailerRequest(bad, data, alg.HeaderName(), sumOf(alg, "x")), true),
				http.StatusBadRequest, "BadDigest")
			long := checksum.Encode(make([]byte, alg.New().Size()+1))
			expectCode(t, "trailer one byte long", s.send(t, s.unsignedTrailerRequest(bad, data, alg.HeaderName(), long), true),
				http.StatusBadRequest, "InvalidRequest")
			expectAbsent(t, s, bad)
		})
	}
}

// A browser POST's x-amz-checksum-sha512 field is verified like the
// header.
func TestPostObjectAddedChecksum(t *testing.T) {
	s := compatServer(t, "bkt")
	data := []byte("form file")
	post := func(key, sum string) *http.Response {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("key", key)
		w.WriteField("x-amz-checksum-sha512", sum)
		s.fzPostSign(w, `{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"bkt"},["starts-with","$key",""],`+
			`["starts-with","$x-amz-checksum-sha512",""],`+
			`["starts-with","$x-amz-algorithm",""],["starts-with","$x-amz-credential",""],["starts-with","$x-amz-date",""]]}`)
		fw, _ := w.CreateFormFile("file", "f")
		fw.Write(data)
		w.Close()
		r := fzNewRequest(http.MethodPost, "/bkt", http.Header{"Content-Type": {w.FormDataContentType()}}, buf.Bytes())
		return s.send(t, r, true).Result()
	}
	want := sumOf(checksum.SHA512, string(data))
	if res := post("good", want); res.StatusCode != http.StatusNoContent || res.Header.Get("X-Amz-Checksum-Sha512") != want {
		t.Fatalf("POST with the right SHA512: %d %v", res.StatusCode, res.Header)
	}
	expectStored(t, s, "/bkt/good", checksum.SHA512, want, "FULL_OBJECT")
	if res := post("bad", sumOf(checksum.SHA512, "x")); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("POST with a wrong SHA512: %d", res.StatusCode)
	}
	expectAbsent(t, s, "/bkt/bad")
}

// completeDoc is a CompleteMultipartUpload body naming each part's
// checksum in alg's element.
func completeDoc(alg checksum.Algorithm, etags, sums []string) []byte {
	var b strings.Builder
	b.WriteString("<CompleteMultipartUpload>")
	el := "Checksum" + string(alg)
	for i := range etags {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag><%s>%s</%s></Part>", i+1, etags[i], el, sums[i], el)
	}
	b.WriteString("</CompleteMultipartUpload>")
	return []byte(b.String())
}

// A multipart upload with an added algorithm is COMPOSITE: each part is
// verified against its header, ListParts and the completion name the
// part checksums in the algorithm's element, and the object's checksum is
// the checksum of the parts' raw digests with "-N", reported by HEAD and
// (without "-N") GetObjectAttributes, with the parts'. FULL_OBJECT is
// refused, as AWS refuses it for SHA256.
func TestAddedChecksumMultipart(t *testing.T) {
	s := compatServer(t, "bkt")
	parts := [][]byte{[]byte("first part"), []byte("second"), []byte("3")}
	for _, alg := range addedAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			key := "mp-" + strings.ToLower(string(alg))
			rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt/"+key+"?uploads", http.Header{
				"X-Amz-Checksum-Algorithm": {string(alg)}, "X-Amz-Checksum-Type": {"FULL_OBJECT"},
			}, nil), false)
			expectCode(t, "FULL_OBJECT", rec, http.StatusBadRequest, "InvalidRequest")
			if want := fmt.Sprintf("The FULL_OBJECT checksum type cannot be used with the %s checksum algorithm.", strings.ToLower(string(alg))); !strings.Contains(rec.Body.String(), want) {
				t.Errorf("FULL_OBJECT message: %s", rec.Body)
			}

			rec = s.send(t, fzNewRequest(http.MethodPost, "/bkt/"+key+"?uploads", http.Header{"X-Amz-Checksum-Algorithm": {strings.ToLower(string(alg))}}, nil), false)
			var up struct {
				UploadID string `xml:"UploadId"`
			}
			decodeXML(t, rec.Body, &up)
			if rec.Code != http.StatusOK || rec.Header().Get("x-amz-checksum-algorithm") != string(alg) {
				t.Fatalf("CreateMultipartUpload: %d %v", rec.Code, rec.Header())
			}
			partURL := func(n int) string { return fmt.Sprintf("/bkt/%s?partNumber=%d&uploadId=%s", key, n, up.UploadID) }
			expectCode(t, "part with a wrong checksum", s.send(t, fzNewRequest(http.MethodPut, partURL(1),
				checksumHeader(alg, sumOf(alg, "x")), parts[0]), false), http.StatusBadRequest, "BadDigest")

			var etags, sums []string
			composite := alg.New()
			for i, data := range parts {
				sum := sumOf(alg, string(data))
				rec := s.send(t, fzNewRequest(http.MethodPut, partURL(i+1), checksumHeader(alg, sum), data), false)
				if rec.Code != http.StatusOK || rec.Header().Get(alg.HeaderName()) != sum {
					t.Fatalf("UploadPart %d: %d %v %s", i+1, rec.Code, rec.Header(), rec.Body)
				}
				etags, sums = append(etags, rec.Header().Get("ETag")), append(sums, sum)
				raw, _ := alg.Decode(sum)
				composite.Write(raw)
			}
			wantSum := checksum.Encode(composite.Sum(nil)) + "-3"

			rec = s.send(t, fzNewRequest(http.MethodGet, "/bkt/"+key+"?uploadId="+up.UploadID, nil, nil), false)
			var list listPartsResult
			decodeXML(t, rec.Body, &list)
			if len(list.Parts) != 3 {
				t.Fatalf("ListParts: %s", rec.Body)
			}
			for i, p := range list.Parts {
				if got := *p.Field(alg); got != sums[i] || checksumValue(p.partChecksums) != sums[i] {
					t.Errorf("ListParts part %d: Checksum%s %q, want %q\n%s", i+1, alg, got, sums[i], rec.Body)
				}
			}

			wrong := append([]string{sumOf(alg, "x")}, sums[1:]...)
			rec = s.send(t, fzNewRequest(http.MethodPost, "/bkt/"+key+"?uploadId="+up.UploadID, nil, completeDoc(alg, etags, wrong)), false)
			if rec.Code == http.StatusOK {
				t.Fatalf("completion naming a wrong part checksum: %s", rec.Body)
			}
			rec = s.send(t, fzNewRequest(http.MethodPost, "/bkt/"+key+"?uploadId="+up.UploadID, nil, completeDoc(alg, etags, sums)), false)
			var done completeResult
			decodeXML(t, rec.Body, &done)
			if rec.Code != http.StatusOK || *done.Field(alg) != wantSum || done.ChecksumType != "COMPOSITE" {
				t.Fatalf("CompleteMultipartUpload: %d, want Checksum%s %s COMPOSITE\n%s", rec.Code, alg, wantSum, rec.Body)
			}
			expectStored(t, s, "/bkt/"+key, alg, wantSum, "COMPOSITE")

			rec = s.send(t, fzNewRequest(http.MethodGet, "/bkt/"+key+"?attributes", http.Header{"X-Amz-Object-Attributes": {"Checksum,ObjectParts"}}, nil), false)
			var attrs objectAttributesResult
			decodeXML(t, rec.Body, &attrs)
			// Here without the "-3", as AWS answers.
			if attrs.Checksum == nil || *attrs.Checksum.Field(alg) != strings.TrimSuffix(wantSum, "-3") || attrs.Checksum.ChecksumType != "COMPOSITE" ||
				attrs.ObjectParts == nil || len(attrs.ObjectParts.Parts) != 3 {
				t.Fatalf("GetObjectAttributes: %s", rec.Body)
			}
			for i, p := range attrs.ObjectParts.Parts {
				if *p.Field(alg) != sums[i] {
					t.Errorf("attributes part %d: %s", i+1, rec.Body)
				}
			}
		})
	}
}

// CopyObject with x-amz-checksum-algorithm naming an added algorithm
// gives the copy that full-object checksum, named in CopyObjectResult;
// UploadPartCopy into an upload of an added algorithm names the part's
// checksum in CopyPartResult and its header.
func TestCopyWithAddedChecksum(t *testing.T) {
	s := compatServer(t, "bkt")
	data := []byte("source data")
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/src", nil, data), false); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d", rec.Code)
	}
	for _, alg := range addedAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			want := sumOf(alg, string(data))
			dst := "/bkt/copy-" + strings.ToLower(string(alg))
			rec := s.send(t, fzNewRequest(http.MethodPut, dst, http.Header{"X-Amz-Copy-Source": {"/bkt/src"}, "X-Amz-Checksum-Algorithm": {string(alg)}}, nil), false)
			var doc copyObjectResult
			decodeXML(t, rec.Body, &doc)
			if rec.Code != http.StatusOK || *doc.Field(alg) != want {
				t.Fatalf("CopyObject: %d, want Checksum%s %s\n%s", rec.Code, alg, want, rec.Body)
			}
			expectStored(t, s, dst, alg, want, "FULL_OBJECT")

			rec = s.send(t, fzNewRequest(http.MethodPost, dst+"-mp?uploads", http.Header{"X-Amz-Checksum-Algorithm": {string(alg)}}, nil), false)
			var up struct {
				UploadID string `xml:"UploadId"`
			}
			decodeXML(t, rec.Body, &up)
			rec = s.send(t, fzNewRequest(http.MethodPut, dst+"-mp?partNumber=1&uploadId="+up.UploadID, http.Header{
				"X-Amz-Copy-Source": {"/bkt/src"}, "X-Amz-Copy-Source-Range": {"bytes=0-5"},
			}, nil), false)
			var part copyPartResult
			decodeXML(t, rec.Body, &part)
			wantPart := sumOf(alg, string(data[:6]))
			if rec.Code != http.StatusOK || *part.Field(alg) != wantPart || rec.Header().Get(alg.HeaderName()) != wantPart {
				t.Fatalf("UploadPartCopy: %d %v, want Checksum%s %s\n%s", rec.Code, rec.Header(), alg, wantPart, rec.Body)
			}
		})
	}
}

// Every algorithm has its element in the checksum documents.
func TestPartChecksumsCoverAll(t *testing.T) {
	var c partChecksums
	for _, alg := range checksum.All {
		f := c.Field(alg)
		if f == nil {
			t.Fatalf("no element for %s", alg)
		}
		*f = string(alg)
		if got := checksum.ElementsOf(map[string]string{string(alg): "v"}); *got.Field(alg) != "v" || checksumValue(got) != "v" {
			t.Errorf("%s: %+v", alg, got)
		}
	}
	if c.Field("CRC16") != nil {
		t.Error("an unknown algorithm has an element")
	}
}

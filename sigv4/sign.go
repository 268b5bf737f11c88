package sigv4

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Credentials sign requests.
type Credentials struct {
	AccessKey, SecretKey, SessionToken string
}

func signedHeaderNames(r *http.Request) []string {
	names := []string{"host"}
	for name := range r.Header {
		lower := strings.ToLower(name)
		if lower == "authorization" || lower == "user-agent" || lower == "expect" {
			continue
		}
		names = append(names, lower)
	}
	sort.Strings(names)
	return names
}

// SignRequest signs r in place with an Authorization header. payloadHash
// is the hex SHA-256 of the body or one of the special payload values.
func SignRequest(r *http.Request, c Credentials, region, service, payloadHash string, t time.Time) {
	amzDate := t.UTC().Format(amzDateFormat)
	r.Header.Set("X-Amz-Date", amzDate)
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if c.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", c.SessionToken)
	}
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	cred := credential{accessKey: c.AccessKey, date: t.UTC().Format(scopeDateFormat), region: region, service: service}
	signed := signedHeaderNames(r)
	canonical := canonicalRequest(r, signed, canonicalQuery(r.URL.RawQuery, ""), payloadHash)
	sig := signature(signerKeys.get(c.SecretKey, cred.date, region, service), stringToSign(amzDate, cred.scope(), canonical))
	r.Header.Set("Authorization", algorithm+" Credential="+c.AccessKey+"/"+cred.scope()+", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
}

// Presign returns r's URL with a query signature valid for expires.
func Presign(r *http.Request, c Credentials, region, service string, t time.Time, expires time.Duration) *url.URL {
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	amzDate := t.UTC().Format(amzDateFormat)
	cred := credential{accessKey: c.AccessKey, date: t.UTC().Format(scopeDateFormat), region: region, service: service}
	u := *r.URL
	q := u.Query()
	q.Set("X-Amz-Algorithm", algorithm)
	q.Set("X-Amz-Credential", c.AccessKey+"/"+cred.scope())
	q.Set("X-Amz-Date", amzDate)
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
	q.Set("X-Amz-SignedHeaders", "host")
	if c.SessionToken != "" {
		q.Set("X-Amz-Security-Token", c.SessionToken)
	}
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	req := &http.Request{Method: r.Method, URL: &u, Host: r.Host, Header: http.Header{}}
	canonical := canonicalRequest(req, []string{"host"}, canonicalQuery(u.RawQuery, ""), UnsignedPayload)
	sig := signature(signerKeys.get(c.SecretKey, cred.date, region, service), stringToSign(amzDate, cred.scope(), canonical))
	u.RawQuery += "&X-Amz-Signature=" + sig
	return &u
}

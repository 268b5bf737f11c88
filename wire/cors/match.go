package cors

import (
	"net/http"
	"strconv"
	"strings"
)

// vary names the request headers a CORS answer depends on, so that caches
// keep answers for different origins apart.
const vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// Match returns the first rule that allows a request from origin with
// method and requestHeaders, as S3 does: rules are tried in order, and a
// rule matches when one of its origins matches origin, method is one of
// its methods, and every requested header matches one of its allowed
// headers.
//
// For a preflight OPTIONS request, method is Access-Control-Request-Method
// and requestHeaders is Access-Control-Request-Headers; for any other
// request, method is the request's own and requestHeaders is nil. Each
// element of requestHeaders may be a comma-separated list, as browsers
// send it. Origins match case-sensitively, headers without regard to case;
// '*' in either matches any run of characters, including none.
func (c *Configuration) Match(origin, method string, requestHeaders []string) (*Rule, bool) {
	if c == nil || origin == "" {
		return nil, false
	}
	headers := splitHeaders(requestHeaders)
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.allowsOrigin(origin) && r.allowsMethod(method) && r.allowsHeaders(headers) {
			return r, true
		}
	}
	return nil, false
}

func (r *Rule) allowsOrigin(origin string) bool {
	_, ok := r.matchingOrigin(origin)
	return ok
}

// matchingOrigin returns the first allowed origin pattern that matches.
func (r *Rule) matchingOrigin(origin string) (string, bool) {
	for _, pattern := range r.AllowedOrigins {
		if wildcardMatch(pattern, origin) {
			return pattern, true
		}
	}
	return "", false
}

func (r *Rule) allowsMethod(method string) bool {
	for _, m := range r.AllowedMethods {
		if m == method {
			return true
		}
	}
	return false
}

// allowsHeaders reports whether every header (already lower case) matches
// an allowed header.
func (r *Rule) allowsHeaders(headers []string) bool {
	for _, h := range headers {
		allowed := false
		for _, pattern := range r.AllowedHeaders {
			if wildcardMatch(strings.ToLower(pattern), h) {
				allowed = true
				break
			}
		}
		if !allowed {
			return false
		}
	}
	return true
}

// ResponseHeaders returns the Access-Control-* headers (and Vary) for a
// request from origin that r allows, as S3 sends them:
//
//   - Access-Control-Allow-Origin is "*" when r allows the origin through a
//     plain "*" pattern, and otherwise echoes origin together with
//     Access-Control-Allow-Credentials: true;
//   - Access-Control-Allow-Methods lists r's methods;
//   - Access-Control-Expose-Headers and Access-Control-Max-Age appear when
//     r sets them;
//   - for a preflight, Access-Control-Allow-Headers echoes the requested
//     headers in lower case.
func (r *Rule) ResponseHeaders(origin string, requestHeaders []string, preflight bool) http.Header {
	h := make(http.Header)
	if pattern, _ := r.matchingOrigin(origin); pattern == "*" {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", "))
	if preflight {
		if headers := splitHeaders(requestHeaders); len(headers) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
		}
	}
	if len(r.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", "))
	}
	if r.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(*r.MaxAgeSeconds))
	}
	h.Set("Vary", vary)
	return h
}

// splitHeaders flattens comma-separated header lists into trimmed, lower
// case names, dropping empty ones.
func splitHeaders(values []string) []string {
	var names []string
	for _, v := range values {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, strings.ToLower(name))
			}
		}
	}
	return names
}

// wildcardMatch reports whether s matches pattern, where each '*' matches
// any run of characters. Validated patterns hold at most one '*', but a
// stored configuration is matched as it is, so any number is handled.
func wildcardMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	// The middle parts must appear in order between the fixed ends;
	// taking each at its earliest position leaves the most room for the
	// rest.
	s = s[len(first) : len(s)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

package website

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Origin is what a redirect takes from the request when the
// configuration does not say: the scheme it came over ("http" or
// "https") and the Host it named.
type Origin struct {
	Scheme string
	Host   string
}

// Target is a redirect: the status to answer with and the Location.
type Target struct {
	Status   int
	Location string
}

// IsFolder reports whether key names a folder, whose index document
// serves it: the site's root ("") or a key ending in "/".
func IsFolder(key string) bool {
	return key == "" || strings.HasSuffix(key, "/")
}

// IndexKey is the key that answers a request for key: the folder's index
// document for a folder, key itself otherwise.
func (c *Configuration) IndexKey(key string) string {
	if IsFolder(key) && c.IndexDocument != nil {
		return key + c.IndexDocument.Suffix
	}
	return key
}

// FolderIndex is the index document of folder key+"/": S3 looks for it
// when a request for a key that is not a folder finds no object, and
// when it finds it, sends the client to the folder. ok is false when key
// is a folder already.
func (c *Configuration) FolderIndex(key string) (index string, ok bool) {
	if IsFolder(key) || c.IndexDocument == nil {
		return "", false
	}
	return key + "/" + c.IndexDocument.Suffix, true
}

// RuleBefore returns the first routing rule that applies to a request for
// key before any object is read: one whose condition names no error
// status and whose key prefix, if any, key starts with. nil when none
// does.
func (c *Configuration) RuleBefore(key string) *RoutingRule {
	for i := range c.RoutingRules {
		r := &c.RoutingRules[i]
		if (r.Condition == nil || r.Condition.HttpErrorCodeReturnedEquals == "") && r.Condition.matchesKey(key) {
			return r
		}
	}
	return nil
}

// RuleAfterError returns the first routing rule that applies to a request
// for key that failed with status: one whose condition names that status
// and whose key prefix, if any, key starts with. nil when none does.
func (c *Configuration) RuleAfterError(key string, status int) *RoutingRule {
	code := strconv.Itoa(status)
	for i := range c.RoutingRules {
		r := &c.RoutingRules[i]
		if r.Condition != nil && r.Condition.HttpErrorCodeReturnedEquals == code && r.Condition.matchesKey(key) {
			return r
		}
	}
	return nil
}

// matchesKey reports whether key meets the condition's key prefix; a
// missing condition or prefix is met by every key.
func (c *Condition) matchesKey(key string) bool {
	return c == nil || c.KeyPrefixEquals == nil || strings.HasPrefix(key, *c.KeyPrefixEquals)
}

// Target is where the rule sends a request for key: key with the
// condition's prefix replaced (ReplaceKeyPrefixWith; without a prefix
// condition the replacement is prepended) or the whole key replaced
// (ReplaceKeyWith), on the rule's host and protocol or the request's.
func (r *RoutingRule) Target(key string, o Origin) Target {
	d := r.Redirect
	switch {
	case d.ReplaceKeyWith != nil:
		key = *d.ReplaceKeyWith
	case d.ReplaceKeyPrefixWith != nil:
		prefix := ""
		if r.Condition != nil && r.Condition.KeyPrefixEquals != nil {
			prefix = *r.Condition.KeyPrefixEquals
		}
		key = *d.ReplaceKeyPrefixWith + strings.TrimPrefix(key, prefix)
	}
	scheme, host := o.Scheme, o.Host
	if d.Protocol != "" {
		scheme = d.Protocol
	}
	if d.HostName != nil {
		host = *d.HostName
	}
	status := http.StatusMovedPermanently
	if n, err := strconv.Atoi(d.HttpRedirectCode); err == nil {
		status = n
	}
	path := (&url.URL{Path: "/" + key}).EscapedPath()
	return Target{Status: status, Location: scheme + "://" + host + path}
}

// Target is where the configuration sends every request: the same path
// and query (requestURI, as the request sent it) on HostName, over
// Protocol or the request's scheme, with 301 Moved Permanently.
func (r *RedirectAllRequestsTo) Target(requestURI string, o Origin) Target {
	scheme := o.Scheme
	if r.Protocol != "" {
		scheme = r.Protocol
	}
	if !strings.HasPrefix(requestURI, "/") {
		requestURI = "/" + requestURI
	}
	return Target{Status: http.StatusMovedPermanently, Location: scheme + "://" + r.HostName + requestURI}
}

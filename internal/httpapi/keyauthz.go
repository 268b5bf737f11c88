package httpapi

import (
	"maps"
	"strings"
)

// keyAuthorizer decides actions on objects of the request's bucket that
// the request names in its body or lists (DeleteObjects' keys, a POST
// form's key, the entries of a snowball archive or of a listing), each
// on its own ARN as S3 does. It gathers the request's condition keys
// once; the root user is decided without them.
type keyAuthorizer struct {
	s          *Server
	rq         *request
	root       bool
	conditions map[string][]string
}

func (s *Server) keyAuthorizer(rq *request) *keyAuthorizer {
	a := &keyAuthorizer{s: s, rq: rq, root: rq.identity != nil && rq.identity.Root}
	if !a.root {
		a.conditions = s.conditionKeys(rq)
	}
	return a
}

// addConditions sets condition keys the request carries other than in
// its headers and query (a POST form's fields).
func (a *keyAuthorizer) addConditions(keys map[string][]string) {
	if a.root {
		return
	}
	maps.Copy(a.conditions, keys)
}

// allows decides action on key, or on its version versionID ("" for
// none), which is then the decision's s3:versionid.
func (a *keyAuthorizer) allows(action, key, versionID string) bool {
	if a.root {
		return true
	}
	conditions := a.conditions
	if versionID != "" {
		conditions = maps.Clone(a.conditions)
		conditions["s3:versionid"] = []string{versionID}
	}
	return a.s.allowsWith(a.rq, action, iamResource(a.rq.bucket, key), a.rq.bucket, conditions)
}

// bypassGovernance reports whether the request asks to bypass GOVERNANCE
// retention and the caller holds s3:BypassGovernanceRetention on key.
func (a *keyAuthorizer) bypassGovernance(key, versionID string) bool {
	return strings.EqualFold(a.rq.http.Header.Get("x-amz-bypass-governance-retention"), "true") &&
		a.allows("s3:BypassGovernanceRetention", key, versionID)
}

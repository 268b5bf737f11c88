package policy

import "strings"

// fixingKeys are the condition keys that, set to fixed values, keep a
// statement granting to everyone from being public: they tie the grant
// to known networks, accounts, principals or sources (after AWS's
// "The meaning of public" in the S3 Block Public Access guide).
var fixingKeys = map[string]bool{
	"aws:sourceip":         true,
	"aws:sourcearn":        true,
	"aws:sourcevpc":        true,
	"aws:sourcevpce":       true,
	"aws:sourceaccount":    true,
	"aws:sourceowner":      true,
	"aws:principalaccount": true,
	"aws:principalarn":     true,
	"aws:principalorgid":   true,
	"aws:userid":           true,
	"aws:username":         true,
}

// IsPublic reports whether the bucket policy grants access to everyone:
// an Allow statement whose principal is "*" (or that names its principals
// by NotPrincipal) with no condition that fixes one of the keys above to
// values without wildcards. A nil policy is not public.
func (p *Policy) IsPublic() bool {
	if p == nil {
		return false
	}
	for i := range p.Statement {
		if p.Statement[i].isPublic() {
			return true
		}
	}
	return false
}

func (s *Statement) isPublic() bool {
	if s.Effect != Allow {
		return false
	}
	everyone := s.NotPrincipal != nil
	if pr := s.Principal; pr != nil {
		if pr.All {
			everyone = true
		}
		for _, id := range pr.AWS {
			if id == "*" {
				everyone = true
			}
		}
	}
	if !everyone {
		return false
	}
	for op, keys := range s.Condition {
		if strings.HasPrefix(op, "ForAnyValue:") || strings.HasSuffix(op, "IfExists") || strings.HasPrefix(op, "StringNot") || strings.HasPrefix(op, "Not") || strings.HasPrefix(op, "ArnNot") || op == "Null" {
			continue
		}
		for key, vals := range keys {
			if !fixingKeys[strings.ToLower(key)] || len(vals) == 0 {
				continue
			}
			fixed := true
			for _, v := range vals {
				if v == "" || strings.ContainsAny(v, "*?") || v == "0.0.0.0/0" || v == "::/0" {
					fixed = false
				}
			}
			if fixed {
				return false
			}
		}
	}
	return true
}

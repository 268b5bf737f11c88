package policy

import "strings"

// MentionsKey reports whether a statement of p that may apply to action
// has a condition on a context key starting with prefix (lower case, such
// as "s3:existingobjecttag/"). A server uses it to gather a costly key,
// one it must look up, only for requests whose policies can test it.
// A policy variable naming such a key (${s3:ExistingObjectTag/x}) in a
// resource or condition value counts too. Principals are not considered:
// they could only make the key matter less.
func (p *Policy) MentionsKey(action, prefix string) bool {
	if p == nil {
		return false
	}
	c := p.compiled()
	return anyMentions(c.deny, action, prefix) || anyMentions(c.allow, action, prefix)
}

func anyMentions(statements []compiledStatement, action, prefix string) bool {
	for i := range statements {
		if statements[i].mentionsKey(action, prefix) {
			return true
		}
	}
	return false
}

// noContext is the request actions are matched against: action patterns
// take no policy variables, so they need no context. It is shared so
// that matching allocates nothing.
var noContext Request

func (s *compiledStatement) mentionsKey(action, prefix string) bool {
	if !s.actions.matches(action, &noContext) {
		return false
	}
	for i := range s.resources.patterns {
		if s.resources.patterns[i].mentionsVariable(prefix) {
			return true
		}
	}
	for _, b := range s.conditions {
		for _, k := range b.keys {
			if strings.HasPrefix(k.name, prefix) || k.valuesMention(prefix) {
				return true
			}
		}
	}
	return false
}

func (k *conditionKey) valuesMention(prefix string) bool {
	for _, v := range k.values {
		if v.text.mentionsVariable(prefix) {
			return true
		}
		for i := range v.arn {
			if v.arn[i].mentionsVariable(prefix) {
				return true
			}
		}
	}
	return false
}

func (p *pattern) mentionsVariable(prefix string) bool {
	for _, t := range p.tokens {
		if t.kind == variableToken && strings.HasPrefix(t.text, prefix) {
			return true
		}
	}
	return false
}

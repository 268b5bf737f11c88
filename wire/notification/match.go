package notification

import "strings"

// Match returns the ARNs of the destinations that want event (a concrete
// name such as "s3:ObjectCreated:Put") for the object key, in document
// order (queues, topics, functions) and each once.
func (c *Configuration) Match(event, key string) []string {
	if c == nil {
		return nil
	}
	var arns []string
	seen := make(map[string]bool)
	for _, d := range c.destinations() {
		if seen[d.arn] || !d.wants(event) || !d.filter.matches(key) {
			continue
		}
		seen[d.arn] = true
		arns = append(arns, d.arn)
	}
	return arns
}

func (d destination) wants(event string) bool {
	for _, e := range d.events {
		if eventMatches(e, event) {
			return true
		}
	}
	return false
}

// matches reports whether key passes every rule of the filter. A rule
// with another name than prefix or suffix, which Validate refuses, passes
// nothing: a stored configuration must not send more than it says.
func (f *Filter) matches(key string) bool {
	if f == nil {
		return true
	}
	for _, r := range f.Key.Rules {
		switch strings.ToLower(r.Name) {
		case "prefix":
			if !strings.HasPrefix(key, r.Value) {
				return false
			}
		case "suffix":
			if !strings.HasSuffix(key, r.Value) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

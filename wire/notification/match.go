package notification

import "strings"

// Match returns the ARNs of the destinations that want event (a concrete
// name such as "s3:ObjectCreated:Put") for the object key, in document
// order (queues, topics, functions) and each once.
func (c *Configuration) Match(event, key string) []string {
	var arns []string
	for _, d := range c.Destinations(event, key) {
		arns = append(arns, d.ARN)
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

// Destination is one destination an event goes to: its ARN and the id of
// the configuration that sends it there.
type Destination struct {
	ARN string
	// ID is the configuration's Id, or "Config" when it has none, as
	// MinIO reports it in s3.configurationId.
	ID string
}

// Destinations is Match with the configuration id of each destination.
func (c *Configuration) Destinations(event, key string) []Destination {
	if c == nil {
		return nil
	}
	var out []Destination
	seen := make(map[string]bool)
	for _, d := range c.destinations() {
		if seen[d.arn] || !d.wants(event) || !d.filter.matches(key) {
			continue
		}
		seen[d.arn] = true
		id := d.id
		if id == "" {
			id = "Config"
		}
		out = append(out, Destination{ARN: d.arn, ID: id})
	}
	return out
}

// ARNs returns every destination ARN of the configuration, each once.
func (c *Configuration) ARNs() []string {
	var arns []string
	seen := make(map[string]bool)
	for _, d := range c.destinations() {
		if !seen[d.arn] {
			seen[d.arn] = true
			arns = append(arns, d.arn)
		}
	}
	return arns
}

// Wants reports whether any destination of the configuration subscribes
// to event for some key.
func (c *Configuration) Wants(event string) bool {
	for _, d := range c.destinations() {
		if d.wants(event) {
			return true
		}
	}
	return false
}

// EventMatches reports whether a subscription to subscribed (a name, an
// alias or a group wildcard) covers event.
func EventMatches(subscribed, event string) bool { return eventMatches(subscribed, event) }

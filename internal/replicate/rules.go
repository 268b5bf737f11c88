package replicate

import (
	"bytes"
	"strings"
	"sync"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/wire/replication"
)

// rule is one enabled rule of a replication configuration, flattened
// for matching.
type rule struct {
	id       string
	priority int
	prefix   string
	tags     map[string]string
	// dest is the rule's Destination.Bucket, as written: a target's ARN
	// or arn:aws:s3:::NAME.
	dest          string
	deleteMarkers bool // DeleteMarkerReplication
	deletes       bool // MinIO's DeleteReplication: permanent version deletes
	existing      bool // ExistingObjectReplication
	sseKMS        bool // SourceSelectionCriteria SseKmsEncryptedObjects
	replicaMods   bool // SourceSelectionCriteria ReplicaModifications
	storageClass  string
	kmsKeyID      string
}

// ruleSet is a configuration's enabled rules, highest priority first.
type ruleSet []rule

func enabled(s *replication.Status) bool { return s != nil && s.Status == replication.Enabled }

// compile flattens a configuration's enabled rules.
func compile(cfg *replication.Configuration) ruleSet {
	var rs ruleSet
	for _, r := range cfg.Rules {
		if r.Status != replication.Enabled {
			continue
		}
		c := rule{
			id: r.ID, priority: r.Priority, dest: r.Destination.Bucket,
			deletes:      enabled(r.DeleteReplication),
			existing:     enabled(r.ExistingObjectReplication),
			storageClass: r.Destination.StorageClass,
		}
		if e := r.Destination.EncryptionConfiguration; e != nil {
			c.kmsKeyID = e.ReplicaKMSKeyID
		}
		if s := r.SourceSelectionCriteria; s != nil {
			c.sseKMS = enabled(s.SSEKMSEncryptedObjects)
			c.replicaMods = enabled(s.ReplicaModifications)
		}
		switch {
		case r.Prefix != nil:
			// The legacy schema: a prefix, and delete markers replicated
			// unless the rule says otherwise.
			c.prefix = *r.Prefix
			c.deleteMarkers = r.DeleteMarkerReplication == nil || enabled(r.DeleteMarkerReplication)
		case r.Filter != nil:
			c.deleteMarkers = enabled(r.DeleteMarkerReplication)
			f := r.Filter
			if f.Prefix != nil {
				c.prefix = *f.Prefix
			}
			if f.Tag != nil {
				c.tags = map[string]string{f.Tag.Key: f.Tag.Value}
			}
			if f.And != nil {
				c.prefix = f.And.Prefix
				if len(f.And.Tags) > 0 {
					c.tags = make(map[string]string, len(f.And.Tags))
					for _, t := range f.And.Tags {
						c.tags[t.Key] = t.Value
					}
				}
			}
		}
		rs = append(rs, c)
	}
	// A stable sort keeps document order between equal priorities (the
	// legacy schema has none).
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].priority > rs[j-1].priority; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	return rs
}

// selects reports whether the rule's filter selects an object.
func (r *rule) selects(key string, tags map[string]string) bool {
	if !strings.HasPrefix(key, r.prefix) {
		return false
	}
	for k, v := range r.tags {
		if got, ok := tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// carries reports whether the rule replicates a change of this kind to
// this object.
func (r *rule) carries(c object.Change) bool {
	switch c.Kind {
	case object.ChangeVersion:
		switch c.Object.SSE.Type {
		case object.SSEC:
			// The customer's key is not kept: nobody can read the data
			// to send it.
			return false
		case object.SSEKMS:
			return r.sseKMS
		}
		return true
	case object.ChangeDeleteMarker:
		return r.deleteMarkers
	case object.ChangeVersionDelete:
		return r.deletes
	case object.ChangeMetadata:
		return !c.Object.Replica || r.replicaMods
	}
	return false
}

// decide returns, for each destination, the rule that decides about an
// object: of the rules whose filter selects it, the one of highest
// priority. Rules of other destinations decide independently.
func (rs ruleSet) decide(key string, tags map[string]string) []*rule {
	var out []*rule
	seen := map[string]bool{}
	for i := range rs {
		r := &rs[i]
		if seen[r.dest] || !r.selects(key, tags) {
			continue
		}
		seen[r.dest] = true
		out = append(out, r)
	}
	return out
}

// ruleCache remembers the compiled rules of the last few documents:
// every write to a bucket with a configuration needs them.
type ruleCache struct {
	mu   sync.Mutex
	sets map[string]ruleSet
}

func (c *ruleCache) get(doc []byte) (ruleSet, error) {
	c.mu.Lock()
	rs, ok := c.sets[string(doc)]
	c.mu.Unlock()
	if ok {
		return rs, nil
	}
	cfg, err := replication.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	rs = compile(cfg)
	c.mu.Lock()
	if c.sets == nil || len(c.sets) >= 256 {
		c.sets = map[string]ruleSet{}
	}
	c.sets[string(doc)] = rs
	c.mu.Unlock()
	return rs, nil
}

// names reports whether a rule's destination ARN names this target.
func (t Target) names(dest string) bool {
	return dest == t.ARN || dest == AWSARNPrefix+t.DestBucket
}

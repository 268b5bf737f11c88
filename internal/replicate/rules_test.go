package replicate

import (
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/wire/replication"
)

func mustRules(t *testing.T, doc string) ruleSet {
	t.Helper()
	cfg, err := replication.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return compile(cfg)
}

const arnA = "arn:minio:replication:us-east-1:aaaa:dest-a"
const arnB = "arn:minio:replication:us-east-1:bbbb:dest-b"

func TestDecidePicksTheHighestPriorityRulePerDestination(t *testing.T) {
	rs := mustRules(t, `<ReplicationConfiguration>
<Rule><ID>low</ID><Priority>1</Priority><Status>Enabled</Status><Filter><Prefix></Prefix></Filter>
 <DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication><Destination><Bucket>`+arnA+`</Bucket></Destination></Rule>
<Rule><ID>high</ID><Priority>5</Priority><Status>Enabled</Status><Filter><Prefix>logs/</Prefix></Filter>
 <DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>`+arnA+`</Bucket><StorageClass>STANDARD_IA</StorageClass></Destination></Rule>
<Rule><ID>other</ID><Priority>3</Priority><Status>Enabled</Status><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>
 <DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>`+arnB+`</Bucket></Destination></Rule>
<Rule><ID>off</ID><Priority>9</Priority><Status>Disabled</Status><Filter><Prefix></Prefix></Filter>
 <DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>`+arnB+`</Bucket></Destination></Rule>
</ReplicationConfiguration>`)
	ids := func(key string, tags map[string]string) string {
		var out []string
		for _, r := range rs.decide(key, tags) {
			out = append(out, r.id)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		key  string
		tags map[string]string
		want string
	}{
		{"logs/a", nil, "high"},
		{"data/a", nil, "low"},
		{"logs/a", map[string]string{"k": "v"}, "high,other"},
		{"data/a", map[string]string{"k": "w"}, "low"},
	} {
		if got := ids(c.key, c.tags); got != c.want {
			t.Errorf("decide(%q, %v) = %s, want %s", c.key, c.tags, got, c.want)
		}
	}
}

func TestRulesCarryChangesAsConfigured(t *testing.T) {
	legacy := mustRules(t, `<ReplicationConfiguration><Rule><Status>Enabled</Status><Prefix>p/</Prefix><Destination><Bucket>`+arnA+`</Bucket></Destination></Rule></ReplicationConfiguration>`)[0]
	strict := mustRules(t, `<ReplicationConfiguration><Rule><Status>Enabled</Status><Priority>1</Priority><Filter/>
<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>`+arnA+`</Bucket></Destination></Rule></ReplicationConfiguration>`)[0]
	full := mustRules(t, `<ReplicationConfiguration><Rule><Status>Enabled</Status><Priority>1</Priority><Filter/>
<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication><DeleteReplication><Status>Enabled</Status></DeleteReplication>
<SourceSelectionCriteria><SseKmsEncryptedObjects><Status>Enabled</Status></SseKmsEncryptedObjects><ReplicaModifications><Status>Enabled</Status></ReplicaModifications></SourceSelectionCriteria>
<Destination><Bucket>`+arnA+`</Bucket></Destination></Rule></ReplicationConfiguration>`)[0]
	change := func(kind object.ChangeKind, sse string, replica bool) object.Change {
		return object.Change{Kind: kind, Object: object.ObjectInfo{SSE: object.SSE{Type: sse}, Replica: replica}}
	}
	for _, c := range []struct {
		name string
		r    rule
		c    object.Change
		want bool
	}{
		{"plain version", strict, change(object.ChangeVersion, "", false), true},
		{"SSE-S3 version", strict, change(object.ChangeVersion, object.SSES3, false), true},
		{"SSE-KMS not selected", strict, change(object.ChangeVersion, object.SSEKMS, false), false},
		{"SSE-KMS selected", full, change(object.ChangeVersion, object.SSEKMS, false), true},
		{"SSE-C never", full, change(object.ChangeVersion, object.SSEC, false), false},
		{"legacy delete marker", legacy, change(object.ChangeDeleteMarker, "", false), true},
		{"delete marker disabled", strict, change(object.ChangeDeleteMarker, "", false), false},
		{"delete marker enabled", full, change(object.ChangeDeleteMarker, "", false), true},
		{"version delete off", strict, change(object.ChangeVersionDelete, "", false), false},
		{"version delete on", full, change(object.ChangeVersionDelete, "", false), true},
		{"metadata of an original", strict, change(object.ChangeMetadata, "", false), true},
		{"metadata of a replica", strict, change(object.ChangeMetadata, "", true), false},
		{"metadata of a replica, replica modifications", full, change(object.ChangeMetadata, "", true), true},
	} {
		if got := c.r.carries(c.c); got != c.want {
			t.Errorf("%s: carries = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRuleCacheParsesADocumentOnce(t *testing.T) {
	var c ruleCache
	doc := []byte(`<ReplicationConfiguration><Rule><Status>Enabled</Status><Prefix></Prefix><Destination><Bucket>` + arnA + `</Bucket></Destination></Rule></ReplicationConfiguration>`)
	a, err := c.get(doc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.get(doc)
	if &a[0] != &b[0] {
		t.Fatal("the second get compiled the document again")
	}
	if _, err := c.get([]byte("<nope")); err == nil {
		t.Fatal("an unreadable document compiled")
	}
}

func TestBackoffGrowsToItsBound(t *testing.T) {
	if backoff(1) != 1e9 || backoff(2) != 2e9 || backoff(100) != maxBackoff {
		t.Fatalf("backoff: %v %v %v", backoff(1), backoff(2), backoff(100))
	}
}

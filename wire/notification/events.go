package notification

import "strings"

// knownEvents are the event names a configuration may subscribe to: those
// of AWS S3, and those MinIO adds (object reads, retention and legal-hold
// changes, no-op deletes, transitions). A name ending in ":*" stands for every event
// of its group.
var knownEvents = map[string]bool{
	"s3:ObjectCreated:*":                       true,
	"s3:ObjectCreated:Put":                     true,
	"s3:ObjectCreated:Post":                    true,
	"s3:ObjectCreated:Copy":                    true,
	"s3:ObjectCreated:CompleteMultipartUpload": true,
	"s3:ObjectCreated:PutRetention":            true,
	"s3:ObjectCreated:PutLegalHold":            true,
	"s3:ObjectCreated:PutTagging":              true,
	"s3:ObjectCreated:DeleteTagging":           true,

	"s3:ObjectRemoved:*":                   true,
	"s3:ObjectRemoved:Delete":              true,
	"s3:ObjectRemoved:DeleteMarkerCreated": true,
	"s3:ObjectRemoved:DeleteAllVersions":   true,
	"s3:ObjectRemoved:NoOP":                true,

	"s3:ObjectAccessed:*":            true,
	"s3:ObjectAccessed:Get":          true,
	"s3:ObjectAccessed:Head":         true,
	"s3:ObjectAccessed:GetRetention": true,
	"s3:ObjectAccessed:GetLegalHold": true,
	"s3:ObjectAccessed:Attributes":   true,

	"s3:ObjectRestore:*":         true,
	"s3:ObjectRestore:Post":      true,
	"s3:ObjectRestore:Completed": true,
	"s3:ObjectRestore:Delete":    true,

	"s3:ObjectTagging:*":      true,
	"s3:ObjectTagging:Put":    true,
	"s3:ObjectTagging:Delete": true,

	"s3:ObjectAcl:Put": true,

	"s3:ObjectRetention:Put": true,
	"s3:ObjectLegalHold:Put": true,

	"s3:Replication:*":                                 true,
	"s3:Replication:OperationFailedReplication":        true,
	"s3:Replication:OperationMissedThreshold":          true,
	"s3:Replication:OperationReplicatedAfterThreshold": true,
	"s3:Replication:OperationNotTracked":               true,

	"s3:LifecycleExpiration:*":                   true,
	"s3:LifecycleExpiration:Delete":              true,
	"s3:LifecycleExpiration:DeleteMarkerCreated": true,
	"s3:LifecycleTransition":                     true,
	"s3:ObjectTransition:*":                      true,
	"s3:ObjectTransition:Complete":               true,
	"s3:ObjectTransition:Failed":                 true,
	"s3:IntelligentTiering":                      true,
	"s3:ReducedRedundancyLostObject":             true,
}

// ValidEvent reports whether name is an event a configuration may
// subscribe to.
func ValidEvent(name string) bool {
	return knownEvents[name]
}

// aliases are subscriptions that name, in another vendor's words, an
// event kura raises under one name: AWS's tagging events are MinIO's
// s3:ObjectCreated:PutTagging and DeleteTagging, and MinIO's retention and
// legal-hold events are also known as s3:ObjectRetention:Put and
// s3:ObjectLegalHold:Put.
var aliases = map[string]string{
	"s3:ObjectCreated:PutTagging":    "s3:ObjectTagging:Put",
	"s3:ObjectCreated:DeleteTagging": "s3:ObjectTagging:Delete",
	"s3:ObjectRetention:Put":         "s3:ObjectCreated:PutRetention",
	"s3:ObjectLegalHold:Put":         "s3:ObjectCreated:PutLegalHold",
	// kura raises MinIO's name for a transition; AWS names it
	// s3:LifecycleTransition.
	"s3:LifecycleTransition": "s3:ObjectTransition:Complete",
}

// eventMatches reports whether the subscribed name covers event: the same
// name, an alias of it, or a group wildcard ("s3:ObjectCreated:*") over
// it. No wildcard covers s3:ObjectRemoved:NoOP (a delete of a key that
// was not there), which only a subscription that names it receives.
func eventMatches(subscribed, event string) bool {
	if subscribed == event || aliases[subscribed] == event {
		return true
	}
	group, ok := strings.CutSuffix(subscribed, "*")
	return ok && strings.HasSuffix(group, ":") && strings.HasPrefix(event, group) && event != "s3:ObjectRemoved:NoOP"
}

package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/object"
)

// Origin is who caused an event and through which request: what the
// event record reports as its userIdentity, requestParameters,
// responseElements and source. The HTTP layer attaches it to the
// request's context; the object layer never looks at it.
type Origin struct {
	Principal string `json:"p,omitempty"`
	SourceIP  string `json:"ip,omitempty"`
	RequestID string `json:"rid,omitempty"`
	Host      string `json:"h,omitempty"`
	Port      string `json:"pt,omitempty"`
	UserAgent string `json:"ua,omitempty"`
}

type originKey struct{}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the origin ctx carries, if any.
func OriginFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// stored is an event as the outbox keeps it: everything its record
// needs, compactly. A queued delivery also carries the configuration id
// that sends it to its target.
type stored struct {
	Seq         string            `json:"q"`
	Name        string            `json:"n"`
	Bucket      string            `json:"b"`
	Key         string            `json:"k"`
	Time        time.Time         `json:"t"`
	Size        int64             `json:"s,omitempty"`
	ETag        string            `json:"e,omitempty"`
	VersionID   string            `json:"v,omitempty"`
	ContentType string            `json:"ct,omitempty"`
	UserMeta    map[string]string `json:"um,omitempty"`
	Origin      Origin            `json:"o"`
	ConfigID    string            `json:"c,omitempty"`
}

func newStored(e object.Event, seq string, o Origin) stored {
	s := stored{
		Seq: seq, Name: e.Name, Bucket: e.Bucket, Key: e.Key, Time: e.Time.UTC(),
		Origin: o,
	}
	if !e.Object.IsDeleteMarker && !strings.HasPrefix(e.Name, "s3:ObjectRemoved:") {
		s.Size, s.ETag, s.ContentType, s.UserMeta = e.Object.Size, e.Object.ETag, e.Object.ContentType, e.Object.UserMeta
	}
	s.VersionID = e.Object.VersionID
	return s
}

// recordEnv is what a record says about the server rather than the event.
type recordEnv struct {
	region string
	owner  string
}

// record renders the S3 event record, as MinIO sends it (eventName keeps
// its "s3:" prefix; the key is URL-encoded as S3 encodes it).
func (s stored) record(env recordEnv) json.RawMessage {
	meta := map[string]string{}
	if s.ContentType != "" {
		meta["content-type"] = s.ContentType
	}
	for k, v := range s.UserMeta {
		meta["X-Amz-Meta-"+canonicalMetaName(k)] = v
	}
	configID := s.ConfigID
	if configID == "" {
		configID = "Config"
	}
	rec := eventRecord{
		EventVersion: "2.0",
		EventSource:  "minio:s3",
		AWSRegion:    env.region,
		EventTime:    s.Time.Format("2006-01-02T15:04:05.000Z"),
		EventName:    s.Name,
		UserIdentity: identity{PrincipalID: s.Origin.Principal},
		RequestParameters: map[string]string{
			"principalId":     s.Origin.Principal,
			"region":          env.region,
			"sourceIPAddress": s.Origin.SourceIP,
		},
		ResponseElements: map[string]string{
			"x-amz-id-2":       s.Origin.RequestID,
			"x-amz-request-id": s.Origin.RequestID,
		},
		S3: recordS3{
			SchemaVersion:   "1.0",
			ConfigurationID: configID,
			Bucket: recordBucket{
				Name:          s.Bucket,
				OwnerIdentity: identity{PrincipalID: env.owner},
				ARN:           "arn:aws:s3:::" + s.Bucket,
			},
			Object: recordObject{
				Key:          eventKey(s.Key),
				Size:         s.Size,
				ETag:         s.ETag,
				ContentType:  s.ContentType,
				UserMetadata: meta,
				VersionID:    s.VersionID,
				Sequencer:    s.Seq,
			},
		},
		Source: source{Host: s.Origin.Host, Port: s.Origin.Port, UserAgent: s.Origin.UserAgent},
	}
	b, err := json.Marshal(rec)
	if err != nil {
		panic(fmt.Sprintf("notify: encoding a record: %v", err))
	}
	return b
}

func (s stored) message(env recordEnv) Message {
	return Message{
		EventName: s.Name, Bucket: s.Bucket, Object: s.Key, Time: s.Time,
		Removed: strings.HasPrefix(s.Name, "s3:ObjectRemoved:"),
		Record:  s.record(env),
	}
}

// canonicalMetaName capitalizes a user metadata name as HTTP headers
// are: "my-key" becomes "My-Key".
func canonicalMetaName(k string) string {
	parts := strings.Split(k, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

type eventRecord struct {
	EventVersion      string            `json:"eventVersion"`
	EventSource       string            `json:"eventSource"`
	AWSRegion         string            `json:"awsRegion"`
	EventTime         string            `json:"eventTime"`
	EventName         string            `json:"eventName"`
	UserIdentity      identity          `json:"userIdentity"`
	RequestParameters map[string]string `json:"requestParameters"`
	ResponseElements  map[string]string `json:"responseElements"`
	S3                recordS3          `json:"s3"`
	Source            source            `json:"source"`
}

type identity struct {
	PrincipalID string `json:"principalId"`
}

type recordS3 struct {
	SchemaVersion   string       `json:"s3SchemaVersion"`
	ConfigurationID string       `json:"configurationId"`
	Bucket          recordBucket `json:"bucket"`
	Object          recordObject `json:"object"`
}

type recordBucket struct {
	Name          string   `json:"name"`
	OwnerIdentity identity `json:"ownerIdentity"`
	ARN           string   `json:"arn"`
}

type recordObject struct {
	Key          string            `json:"key"`
	Size         int64             `json:"size,omitempty"`
	ETag         string            `json:"eTag,omitempty"`
	ContentType  string            `json:"contentType,omitempty"`
	UserMetadata map[string]string `json:"userMetadata,omitempty"`
	VersionID    string            `json:"versionId,omitempty"`
	Sequencer    string            `json:"sequencer"`
}

type source struct {
	Host      string `json:"host"`
	Port      string `json:"port"`
	UserAgent string `json:"userAgent"`
}

// eventKey URL-encodes an object key as S3's event records do: as a form
// value ("a b" is "a+b"), except that "/" stays as it is. A consumer that
// decodes it with a query unescape gets the key back.
func eventKey(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}

package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"

	"github.com/kurastore/kura/wire/notification"
)

// NotificationEvent is one S3 event record: an element of the Records
// list of AWS's event messages, which MinIO's listen API streams.
type NotificationEvent struct {
	EventVersion string `json:"eventVersion"`
	EventSource  string `json:"eventSource"`
	AWSRegion    string `json:"awsRegion"`
	// EventTime is ISO 8601, as sent.
	EventTime string `json:"eventTime"`
	// EventName is the event, such as "s3:ObjectCreated:Put".
	EventName         string            `json:"eventName"`
	UserIdentity      EventIdentity     `json:"userIdentity"`
	RequestParameters map[string]string `json:"requestParameters"`
	ResponseElements  map[string]string `json:"responseElements"`
	S3                EventS3           `json:"s3"`
	Source            EventSource       `json:"source"`
}

// EventIdentity is who caused an event, or who owns a bucket.
type EventIdentity struct {
	PrincipalID string `json:"principalId"`
}

// EventS3 is the bucket and object of an event.
type EventS3 struct {
	SchemaVersion   string      `json:"s3SchemaVersion"`
	ConfigurationID string      `json:"configurationId"`
	Bucket          EventBucket `json:"bucket"`
	Object          EventObject `json:"object"`
}

// EventBucket is the bucket of an event.
type EventBucket struct {
	Name          string        `json:"name"`
	OwnerIdentity EventIdentity `json:"ownerIdentity"`
	ARN           string        `json:"arn"`
}

// EventObject is the object of an event. Key is URL-encoded, as S3
// sends it (url.QueryUnescape decodes it).
type EventObject struct {
	Key          string            `json:"key"`
	Size         int64             `json:"size"`
	ETag         string            `json:"eTag"`
	ContentType  string            `json:"contentType"`
	UserMetadata map[string]string `json:"userMetadata"`
	VersionID    string            `json:"versionId"`
	Sequencer    string            `json:"sequencer"`
}

// EventSource is the client a MinIO event came from.
type EventSource struct {
	Host      string `json:"host"`
	Port      string `json:"port"`
	UserAgent string `json:"userAgent"`
}

// defaultListenEvents are the events a listener gets when it names none,
// as MinIO's clients default them.
var defaultListenEvents = []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectAccessed:*"}

// maxEventLine bounds one line of the event stream: one event message,
// whose size user metadata drives.
const maxEventLine = 1 << 20

// ListenOptions are the options of ListenBucketNotification.
type ListenOptions struct {
	// Prefix and Suffix select the objects whose keys start and end with
	// them; "" selects every key.
	Prefix, Suffix string
	// Events are the event types, such as "s3:ObjectCreated:*"; nil
	// means object created, removed and accessed. An empty non-nil list
	// is refused.
	Events []string
}

// ListenBucketNotification streams a bucket's events (spec:
// listen_bucket_notification). It is MinIO's extension,
// GET /bucket?events=..., which AWS S3 does not have.
//
// The events arrive as the caller ranges over the result, for as long as
// the loop runs: breaking out of it, or canceling ctx, closes the
// connection. A failure is yielded as the error of the last pair; the
// server closing the stream ends the loop without one.
func (c *Client) ListenBucketNotification(ctx context.Context, bucket string, opts ListenOptions) iter.Seq2[NotificationEvent, error] {
	prefix, suffix, events := opts.Prefix, opts.Suffix, opts.Events
	return func(yield func(NotificationEvent, error) bool) {
		if err := checkBucket(bucket); err != nil {
			yield(NotificationEvent{}, err)
			return
		}
		if events == nil {
			events = defaultListenEvents
		}
		if len(events) == 0 {
			yield(NotificationEvent{}, invalidArgument("no events to listen for"))
			return
		}
		for _, e := range events {
			if !notification.ValidEvent(e) {
				yield(NotificationEvent{}, invalidArgument("unknown event %q", e))
				return
			}
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		q := url.Values{"prefix": {prefix}, "suffix": {suffix}, "events": events}
		resp, err := c.do(ctx, &request{method: http.MethodGet, bucket: bucket, query: q})
		if err != nil {
			yield(NotificationEvent{}, err)
			return
		}
		defer resp.Body.Close()
		lines := bufio.NewScanner(resp.Body)
		lines.Buffer(make([]byte, 0, 64<<10), maxEventLine)
		for lines.Scan() {
			// Servers keep an idle stream alive with blank lines or
			// spaces, which may also precede an event on its line.
			line := bytes.TrimSpace(lines.Bytes())
			if len(line) == 0 {
				continue
			}
			var msg struct {
				Records []NotificationEvent `json:"Records"`
			}
			if err := json.Unmarshal(line, &msg); err != nil {
				yield(NotificationEvent{}, fmt.Errorf("client: event stream: %w", err))
				return
			}
			for _, rec := range msg.Records {
				if !yield(rec, nil) {
					return
				}
			}
		}
		if err := lines.Err(); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			yield(NotificationEvent{}, fmt.Errorf("client: event stream: %w", err))
		}
	}
}

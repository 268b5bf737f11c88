package requestlog

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/kurastore/kura/internal/httpapi"
)

// Entry is one answered request as the access log and the audit log
// write it, a JSON object whose fields are always present ("" or 0 when
// unknown).
type Entry struct {
	// Time is when the request arrived, in UTC (RFC 3339, nanoseconds).
	Time time.Time `json:"time"`
	// RequestID and HostID are the response's x-amz-request-id and
	// x-amz-id-2.
	RequestID  string `json:"request_id"`
	HostID     string `json:"host_id"`
	RemoteAddr string `json:"remote_addr"`
	AccessKey  string `json:"access_key"`
	API        string `json:"api"`
	Bucket     string `json:"bucket"`
	Key        string `json:"key"`
	Method     string `json:"method"`
	Status     int    `json:"status"`
	ErrorCode  string `json:"error_code"`
	BytesIn    int64  `json:"bytes_in"`
	BytesOut   int64  `json:"bytes_out"`
	// DurationMS is how long the request took, body included, in
	// milliseconds with a fraction (microseconds and below).
	DurationMS float64 `json:"duration_ms"`
	UserAgent  string  `json:"user_agent"`
}

// NewEntry makes the entry of a request's record.
func NewEntry(r *httpapi.RequestRecord) Entry {
	return Entry{
		Time:       r.Time.UTC(),
		RequestID:  r.RequestID,
		HostID:     r.HostID,
		RemoteAddr: r.RemoteIP,
		AccessKey:  r.AccessKey,
		API:        r.API,
		Bucket:     r.Bucket,
		Key:        r.Key,
		Method:     r.Method,
		Status:     r.Status,
		ErrorCode:  r.ErrorCode,
		BytesIn:    r.BytesIn,
		BytesOut:   r.BytesOut,
		DurationMS: float64(r.Duration) / float64(time.Millisecond),
		UserAgent:  r.UserAgent,
	}
}

// Line is the entry as one line of JSON, newline included. Keys are
// written as they are ('&', '<' and '>' not escaped), for people reading
// the log.
func (e Entry) Line() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(e) // an Entry has nothing json cannot encode
	return b.Bytes()
}

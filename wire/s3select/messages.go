package s3select

import (
	"encoding/xml"
	"fmt"
	"strconv"
)

// Header names and values of S3 Select's messages.
const (
	HeaderMessageType  = ":message-type"
	HeaderEventType    = ":event-type"
	HeaderContentType  = ":content-type"
	HeaderErrorCode    = ":error-code"
	HeaderErrorMessage = ":error-message"

	MessageTypeEvent = "event"
	MessageTypeError = "error"
)

// Event types: Records carry result bytes; Stats come once, before End;
// Progress comes while scanning when asked for; Cont keeps an idle
// connection open; End says the results are complete. A stream without
// End was cut short.
const (
	EventRecords  = "Records"
	EventStats    = "Stats"
	EventProgress = "Progress"
	EventCont     = "Cont"
	EventEnd      = "End"
)

// Stats are the byte counts of Stats and Progress messages.
type Stats struct {
	BytesScanned   int64 `xml:"BytesScanned"`
	BytesProcessed int64 `xml:"BytesProcessed"`
	BytesReturned  int64 `xml:"BytesReturned"`
}

// ParseStats reads the XML payload of a Stats or Progress message.
func ParseStats(payload []byte) (*Stats, error) {
	var s Stats
	if err := xml.Unmarshal(payload, &s); err != nil {
		return nil, fmt.Errorf("%w: stats payload: %v", ErrMalformed, err)
	}
	return &s, nil
}

// statsPayload is the XML of a Stats or Progress message.
func statsPayload(root string, s Stats) []byte {
	b := []byte(`<?xml version="1.0" encoding="UTF-8"?><` + root + `><BytesScanned>`)
	b = strconv.AppendInt(b, s.BytesScanned, 10)
	b = append(b, "</BytesScanned><BytesProcessed>"...)
	b = strconv.AppendInt(b, s.BytesProcessed, 10)
	b = append(b, "</BytesProcessed><BytesReturned>"...)
	b = strconv.AppendInt(b, s.BytesReturned, 10)
	return append(b, "</BytesReturned></"+root+">"...)
}

func event(eventType, contentType string, payload []byte) *Message {
	m := &Message{Headers: []Header{{HeaderEventType, eventType}}, Payload: payload}
	if contentType != "" {
		m.Headers = append(m.Headers, Header{HeaderContentType, contentType})
	}
	m.Headers = append(m.Headers, Header{HeaderMessageType, MessageTypeEvent})
	return m
}

// RecordsMessage carries result bytes. Records may split anywhere: a
// reader concatenates the payloads.
func RecordsMessage(payload []byte) *Message {
	return event(EventRecords, "application/octet-stream", payload)
}

// StatsMessage carries the final counts.
func StatsMessage(s Stats) *Message { return event(EventStats, "text/xml", statsPayload("Stats", s)) }

// ProgressMessage carries the counts so far.
func ProgressMessage(s Stats) *Message {
	return event(EventProgress, "text/xml", statsPayload("Progress", s))
}

// ContMessage keeps the connection alive while no records are found.
func ContMessage() *Message { return event(EventCont, "", nil) }

// EndMessage ends a complete result.
func EndMessage() *Message { return event(EventEnd, "", nil) }

// ErrorMessage ends a result with an S3 error code (such as
// CSVParsingError) and message.
func ErrorMessage(code, message string) *Message {
	return &Message{Headers: []Header{
		{HeaderErrorCode, code},
		{HeaderErrorMessage, message},
		{HeaderMessageType, MessageTypeError},
	}}
}

// StreamError is an error message of a result stream.
type StreamError struct {
	Code, Message string
}

func (e *StreamError) Error() string { return e.Code + ": " + e.Message }

// Err returns the *StreamError an error message carries, or nil for any
// other message.
func (m *Message) Err() error {
	if m.Header(HeaderMessageType) != MessageTypeError {
		return nil
	}
	return &StreamError{Code: m.Header(HeaderErrorCode), Message: m.Header(HeaderErrorMessage)}
}

// EventType returns the message's event type ("" for error messages).
func (m *Message) EventType() string { return m.Header(HeaderEventType) }

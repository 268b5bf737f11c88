package s3select

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

func encode(t *testing.T, msgs ...*Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	for _, m := range msgs {
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func decodeAll(t *testing.T, data []byte) []*Message {
	t.Helper()
	d := NewDecoder(bytes.NewReader(data))
	var msgs []*Message
	for {
		m, err := d.Decode()
		if err == io.EOF {
			return msgs
		}
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
}

// TestEmptyMessage checks the encoding of a message with no headers and
// no payload against the bytes of AWS's published test vector.
func TestEmptyMessage(t *testing.T) {
	want := []byte{0, 0, 0, 0x10, 0, 0, 0, 0, 0x05, 0xc2, 0x48, 0xeb, 0x7d, 0x98, 0xc8, 0xff}
	got, err := AppendMessage(nil, &Message{})
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("AppendMessage = % x, %v; want % x", got, err, want)
	}
}

func TestRoundTrip(t *testing.T) {
	msgs := []*Message{
		RecordsMessage([]byte("a,b\n1,2\n")),
		ContMessage(),
		ProgressMessage(Stats{BytesScanned: 10, BytesProcessed: 10, BytesReturned: 4}),
		StatsMessage(Stats{BytesScanned: 1 << 40, BytesProcessed: 7, BytesReturned: 0}),
		EndMessage(),
		ErrorMessage("CSVParsingError", "Encountered an error parsing the CSV file."),
		{Headers: []Header{{"x", ""}, {"unicode-值", "值"}}, Payload: bytes.Repeat([]byte{0, 0xff}, 1000)},
		{},
	}
	got := decodeAll(t, encode(t, msgs...))
	if len(got) != len(msgs) {
		t.Fatalf("decoded %d messages, want %d", len(got), len(msgs))
	}
	for i := range msgs {
		want := msgs[i]
		if len(want.Payload) == 0 {
			// The decoder returns an empty, not nil, payload.
			want = &Message{Headers: want.Headers, Payload: []byte{}}
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("message %d = %+v, want %+v", i, got[i], want)
		}
	}
	if got[0].EventType() != EventRecords || got[0].Err() != nil {
		t.Errorf("records message: type %q, err %v", got[0].EventType(), got[0].Err())
	}
	var se *StreamError
	if err := got[5].Err(); !errors.As(err, &se) || se.Code != "CSVParsingError" {
		t.Errorf("error message: %v", err)
	}
	s, err := ParseStats(got[3].Payload)
	if err != nil || *s != (Stats{1 << 40, 7, 0}) {
		t.Errorf("ParseStats = %+v, %v", s, err)
	}
	if p, err := ParseStats(got[2].Payload); err != nil || p.BytesReturned != 4 {
		t.Errorf("ParseStats(progress) = %+v, %v", p, err)
	}
	if _, err := ParseStats([]byte("<Stats><BytesScanned>x")); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseStats of bad XML: %v", err)
	}
}

// TestAWSInterop checks the codec against the AWS SDK's, both ways.
func TestAWSInterop(t *testing.T) {
	ours := ErrorMessage("InternalError", "boom")
	ours.Payload = []byte("payload")
	var buf bytes.Buffer
	if err := NewEncoder(&buf).Encode(ours); err != nil {
		t.Fatal(err)
	}
	theirs, err := eventstream.NewDecoder().Decode(&buf, nil)
	if err != nil {
		t.Fatalf("AWS decoder refused our message: %v", err)
	}
	if string(theirs.Payload) != "payload" || theirs.Headers.Get(HeaderErrorCode).String() != "InternalError" || len(theirs.Headers) != 3 {
		t.Fatalf("AWS decoder read %+v", theirs)
	}

	// Every header type: strings and bytes are kept, the rest skipped.
	msg := eventstream.Message{Payload: []byte("records")}
	msg.Headers.Set("bool-true", eventstream.BoolValue(true))
	msg.Headers.Set("bool-false", eventstream.BoolValue(false))
	msg.Headers.Set("byte", eventstream.Int8Value(-1))
	msg.Headers.Set("short", eventstream.Int16Value(2))
	msg.Headers.Set("int", eventstream.Int32Value(3))
	msg.Headers.Set("long", eventstream.Int64Value(4))
	msg.Headers.Set("bytes", eventstream.BytesValue("raw"))
	msg.Headers.Set(HeaderEventType, eventstream.StringValue(EventRecords))
	msg.Headers.Set("time", eventstream.TimestampValue(time.Unix(1, 0)))
	msg.Headers.Set("uuid", eventstream.UUIDValue{1, 2, 3})
	buf.Reset()
	if err := eventstream.NewEncoder().Encode(&buf, msg); err != nil {
		t.Fatal(err)
	}
	got := decodeAll(t, buf.Bytes())
	want := []*Message{{Headers: []Header{{"bytes", "raw"}, {HeaderEventType, EventRecords}}, Payload: []byte("records")}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded AWS message = %+v, want %+v", got[0], want[0])
	}
}

// flip returns data with one bit of byte i inverted.
func flip(data []byte, i int) []byte {
	c := bytes.Clone(data)
	c[i] ^= 1
	return c
}

// withPrelude returns a prelude for the lengths with a correct CRC, so
// that the length checks themselves are reached.
func withPrelude(total, headers uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, total)
	b = binary.BigEndian.AppendUint32(b, headers)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func TestDecodeErrors(t *testing.T) {
	good := encode(t, RecordsMessage([]byte("data")))
	tests := []struct {
		name string
		data []byte
		err  error
	}{
		{"empty stream", nil, io.EOF},
		{"cut in the prelude", good[:5], io.ErrUnexpectedEOF},
		{"cut in the body", good[:len(good)-1], io.ErrUnexpectedEOF},
		{"bad prelude CRC", flip(good, 9), ErrChecksum},
		{"damaged length", flip(good, 3), ErrChecksum},
		{"damaged header", flip(good, 14), ErrChecksum},
		{"damaged payload", flip(good, len(good)-6), ErrChecksum},
		{"bad message CRC", flip(good, len(good)-1), ErrChecksum},
		{"too short", withPrelude(15, 0), ErrMalformed},
		{"headers past the end", withPrelude(16, 1), ErrMalformed},
		{"too long", withPrelude(MaxMessageSize+1, 0), ErrMalformed},
		{"headers too long", withPrelude(MaxHeadersSize+17, MaxHeadersSize+1), ErrMalformed},
		{"second message damaged", append(bytes.Clone(good), flip(good, len(good)-1)...), ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(bytes.NewReader(tt.data))
			var err error
			for err == nil {
				_, err = d.Decode()
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
		})
	}
}

// sealed builds a message from raw header bytes with correct CRCs, to
// reach the header parser with bad headers.
func sealed(headers []byte) []byte {
	b := withPrelude(uint32(16+len(headers)), uint32(len(headers)))
	b = append(b, headers...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func TestDecodeBadHeaders(t *testing.T) {
	for name, h := range map[string][]byte{
		"empty name":        {0, 7, 0, 0},
		"name past the end": {5, 'a'},
		"no type":           {1, 'a'},
		"unknown type":      {1, 'a', 10},
		"string past end":   {1, 'a', 7, 0, 5, 'x'},
		"no string length":  {1, 'a', 7, 0},
		"int32 past end":    {1, 'a', 4, 0, 0},
	} {
		if _, err := NewDecoder(bytes.NewReader(sealed(h))).Decode(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error = %v, want ErrMalformed", name, err)
		}
	}
}

func TestEncodeLimits(t *testing.T) {
	tests := []struct {
		name string
		m    *Message
		ok   bool
	}{
		{"name of MaxHeaderNameSize", &Message{Headers: []Header{{strings.Repeat("n", MaxHeaderNameSize), "v"}}}, true},
		{"name of MaxHeaderNameSize+1", &Message{Headers: []Header{{strings.Repeat("n", MaxHeaderNameSize+1), "v"}}}, false},
		{"empty name", &Message{Headers: []Header{{"", "v"}}}, false},
		{"value of MaxHeaderValueSize", &Message{Headers: []Header{{"n", strings.Repeat("v", MaxHeaderValueSize)}}}, true},
		{"value of MaxHeaderValueSize+1", &Message{Headers: []Header{{"n", strings.Repeat("v", MaxHeaderValueSize+1)}}}, false},
		{"message of MaxMessageSize", &Message{Payload: make([]byte, MaxMessageSize-16)}, true},
		{"message of MaxMessageSize+1", &Message{Payload: make([]byte, MaxMessageSize-15)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := AppendMessage(nil, tt.m)
			if !tt.ok {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, err := NewDecoder(bytes.NewReader(data)).Decode()
			if err != nil || len(m.Payload) != len(tt.m.Payload) || len(m.Headers) != len(tt.m.Headers) {
				t.Fatalf("decode at the limit: %v", err)
			}
		})
	}
	// Headers over MaxHeadersSize, each within its own limits.
	var big Message
	for range MaxHeadersSize/(MaxHeaderValueSize+5) + 1 {
		big.Headers = append(big.Headers, Header{"n", strings.Repeat("v", MaxHeaderValueSize)})
	}
	if _, err := AppendMessage(nil, &big); !errors.Is(err, ErrMalformed) {
		t.Fatalf("headers over MaxHeadersSize: %v", err)
	}
}

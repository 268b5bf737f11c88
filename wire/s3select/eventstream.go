package s3select

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The AWS event-stream framing. Each message is
//
//	total length    uint32, the whole message with both checksums
//	headers length  uint32
//	prelude CRC     uint32, CRC-32 (IEEE) of the 8 bytes above
//	headers         name length (1 byte), name, type (1 byte), value
//	payload
//	message CRC     uint32, CRC-32 of everything before it
//
// all big-endian. S3 Select sends only string headers (type 7: a uint16
// length and UTF-8 bytes).

// Limits of a message, as the AWS SDKs set them. The decoder refuses a
// prelude that announces more before reading the rest.
const (
	MaxMessageSize = 16 << 20
	MaxHeadersSize = 128 << 10
	// MaxHeaderValueSize is the largest string a uint16 length holds.
	MaxHeaderValueSize = 1<<16 - 1
	// MaxHeaderNameSize is the largest name a one-byte length holds.
	MaxHeaderNameSize = 1<<8 - 1
)

// preludeSize is the two lengths and the prelude CRC; overhead adds the
// message CRC.
const (
	preludeSize = 12
	overhead    = preludeSize + 4
)

// Header value types of the framing.
const (
	typeTrue      = 0
	typeFalse     = 1
	typeByte      = 2
	typeInt16     = 3
	typeInt32     = 4
	typeInt64     = 5
	typeBytes     = 6
	typeString    = 7
	typeTimestamp = 8
	typeUUID      = 9
)

// Errors of the framing. Decode wraps them with details.
var (
	// ErrChecksum is a prelude or message CRC that does not match: the
	// stream was damaged in transit.
	ErrChecksum = errors.New("event stream: checksum mismatch")
	// ErrMalformed is a message whose lengths or headers do not add up,
	// or one too large to encode.
	ErrMalformed = errors.New("event stream: malformed message")
)

// Header is a message header with a string value.
type Header struct {
	Name, Value string
}

// Message is one event-stream message.
type Message struct {
	Headers []Header
	Payload []byte
}

// Header returns the value of the first header called name, or "".
func (m *Message) Header(name string) string {
	for _, h := range m.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// AppendMessage appends m's encoding to dst. It refuses headers whose
// name or value does not fit its length field, and messages over the
// limits, with ErrMalformed.
func AppendMessage(dst []byte, m *Message) ([]byte, error) {
	headersLen := 0
	for _, h := range m.Headers {
		if len(h.Name) == 0 || len(h.Name) > MaxHeaderNameSize {
			return dst, fmt.Errorf("%w: header name of %d bytes", ErrMalformed, len(h.Name))
		}
		if len(h.Value) > MaxHeaderValueSize {
			return dst, fmt.Errorf("%w: header %s of %d bytes", ErrMalformed, h.Name, len(h.Value))
		}
		headersLen += 1 + len(h.Name) + 1 + 2 + len(h.Value)
	}
	total := overhead + headersLen + len(m.Payload)
	if headersLen > MaxHeadersSize || total > MaxMessageSize {
		return dst, fmt.Errorf("%w: %d bytes of headers, %d in all", ErrMalformed, headersLen, total)
	}
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	dst = binary.BigEndian.AppendUint32(dst, uint32(headersLen))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
	for _, h := range m.Headers {
		dst = append(dst, byte(len(h.Name)))
		dst = append(dst, h.Name...)
		dst = append(dst, typeString)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(h.Value)))
		dst = append(dst, h.Value...)
	}
	dst = append(dst, m.Payload...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:])), nil
}

// Encoder writes messages to a stream.
type Encoder struct {
	w   io.Writer
	buf []byte
}

// NewEncoder returns an encoder writing to w.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// Encode writes one message in a single Write, so that a flushing writer
// sends whole messages.
func (e *Encoder) Encode(m *Message) error {
	buf, err := AppendMessage(e.buf[:0], m)
	if err != nil {
		return err
	}
	e.buf = buf
	_, err = e.w.Write(buf)
	return err
}

// Decoder reads messages from a stream, one at a time, holding one
// message in memory.
type Decoder struct {
	r io.Reader
}

// NewDecoder returns a decoder reading from r.
func NewDecoder(r io.Reader) *Decoder { return &Decoder{r: r} }

// Decode reads the next message. It returns io.EOF when the stream ends
// between messages, io.ErrUnexpectedEOF when it ends inside one, and
// errors wrapping ErrChecksum or ErrMalformed for damaged messages; after
// an error the stream is not usable.
func (d *Decoder) Decode() (*Message, error) {
	var prelude [preludeSize]byte
	if _, err := io.ReadFull(d.r, prelude[:]); err != nil {
		return nil, err
	}
	total := binary.BigEndian.Uint32(prelude[0:4])
	headersLen := binary.BigEndian.Uint32(prelude[4:8])
	// The prelude is checked first: a damaged length must not make us
	// allocate or wait for bytes that will never come.
	if crc32.ChecksumIEEE(prelude[:8]) != binary.BigEndian.Uint32(prelude[8:12]) {
		return nil, fmt.Errorf("%w: prelude", ErrChecksum)
	}
	if total < overhead || total > MaxMessageSize || headersLen > MaxHeadersSize || headersLen > total-overhead {
		return nil, fmt.Errorf("%w: total length %d, headers length %d", ErrMalformed, total, headersLen)
	}
	rest := make([]byte, total-preludeSize)
	if _, err := io.ReadFull(d.r, rest); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	body := rest[:len(rest)-4]
	sum := crc32.Update(crc32.ChecksumIEEE(prelude[:]), crc32.IEEETable, body)
	if sum != binary.BigEndian.Uint32(rest[len(rest)-4:]) {
		return nil, fmt.Errorf("%w: message", ErrChecksum)
	}
	headers, err := parseHeaders(body[:headersLen])
	if err != nil {
		return nil, err
	}
	return &Message{Headers: headers, Payload: body[headersLen:]}, nil
}

// parseHeaders reads every header. Values of types other than string and
// bytes are skipped: S3 Select sends none, and skipping keeps a stream
// readable if a server adds one.
func parseHeaders(b []byte) ([]Header, error) {
	var headers []Header
	for len(b) > 0 {
		n := int(b[0])
		if n == 0 || len(b) < 1+n+1 {
			return nil, fmt.Errorf("%w: truncated header name", ErrMalformed)
		}
		name := string(b[1 : 1+n])
		typ := b[1+n]
		b = b[2+n:]
		var size int
		switch typ {
		case typeTrue, typeFalse:
		case typeByte:
			size = 1
		case typeInt16:
			size = 2
		case typeInt32:
			size = 4
		case typeInt64, typeTimestamp:
			size = 8
		case typeUUID:
			size = 16
		case typeBytes, typeString:
			if len(b) < 2 {
				return nil, fmt.Errorf("%w: truncated header %s", ErrMalformed, name)
			}
			vlen := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+vlen {
				return nil, fmt.Errorf("%w: truncated header %s", ErrMalformed, name)
			}
			headers = append(headers, Header{Name: name, Value: string(b[2 : 2+vlen])})
			b = b[2+vlen:]
			continue
		default:
			return nil, fmt.Errorf("%w: header %s of unknown type %d", ErrMalformed, name, typ)
		}
		if len(b) < size {
			return nil, fmt.Errorf("%w: truncated header %s", ErrMalformed, name)
		}
		b = b[size:]
	}
	return headers, nil
}

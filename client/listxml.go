package client

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A listing page is up to 1,000 entries, and decoding it with
// encoding/xml's reflection cost more CPU than the server spent producing
// it. decodeFastXML reads the plain XML that S3 servers write (elements,
// attributes, text with the five entities and character references) into
// a listResult with the same result as xml.Unmarshal, and gives up
// (false) on anything else — comments, CDATA, processing instructions,
// prefixed names, carriage returns, malformed input — so that
// xml.Unmarshal decides those. FuzzListDecode holds it to that.

// xmlScanner walks a document. Its methods return false when the input
// leaves the subset.
type xmlScanner struct {
	data []byte
	pos  int
	// text is a scratch buffer for text with references.
	text []byte
}

// element is an open element: its local name and namespace.
type element struct {
	name, space string
}

// skipSpace skips XML white space.
func (s *xmlScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n':
			s.pos++
		default:
			return
		}
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// name reads an unprefixed ASCII name.
func (s *xmlScanner) name() (string, bool) {
	start := s.pos
	for s.pos < len(s.data) && isNameByte(s.data[s.pos]) {
		s.pos++
	}
	if s.pos == start {
		return "", false
	}
	if c := s.data[start]; c >= '0' && c <= '9' || c == '-' || c == '.' {
		return "", false
	}
	return string(s.data[start:s.pos]), true
}

// plainDeclarations are the XML declarations the fast path takes; any
// other goes to encoding/xml, which checks versions and encodings.
var plainDeclarations = [][]byte{
	[]byte(`<?xml version="1.0" encoding="UTF-8"?>`),
	[]byte(`<?xml version="1.0" encoding="utf-8"?>`),
	[]byte(`<?xml version="1.0"?>`),
}

// prolog skips an XML declaration and white space before the root.
func (s *xmlScanner) prolog() bool {
	s.skipSpace()
	if bytes.HasPrefix(s.data[s.pos:], []byte("<?")) {
		for _, decl := range plainDeclarations {
			if bytes.HasPrefix(s.data[s.pos:], decl) {
				s.pos += len(decl)
				s.skipSpace()
				return true
			}
		}
		return false
	}
	return true
}

// startTag reads "<name attrs>" or "<name attrs/>" with s.pos at '<'.
// The namespace is the inherited one unless an xmlns attribute sets it.
func (s *xmlScanner) startTag(inherited string) (el element, empty, ok bool) {
	s.pos++ // '<'
	if el.name, ok = s.name(); !ok {
		return el, false, false
	}
	el.space = inherited
	seen := map[string]bool(nil)
	for {
		hadSpace := s.pos < len(s.data) && (s.data[s.pos] == ' ' || s.data[s.pos] == '\t' || s.data[s.pos] == '\n')
		s.skipSpace()
		if s.pos >= len(s.data) {
			return el, false, false
		}
		switch s.data[s.pos] {
		case '>':
			s.pos++
			return el, false, true
		case '/':
			if s.pos+1 < len(s.data) && s.data[s.pos+1] == '>' {
				s.pos += 2
				return el, true, true
			}
			return el, false, false
		}
		if !hadSpace {
			return el, false, false
		}
		attr, ok := s.name()
		if !ok || s.pos >= len(s.data) || s.data[s.pos] != '=' {
			return el, false, false
		}
		if seen[attr] {
			return el, false, false // encoding/xml refuses a repeated attribute? leave it to it
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[attr] = true
		s.pos++
		if s.pos >= len(s.data) || s.data[s.pos] != '"' && s.data[s.pos] != '\'' {
			return el, false, false
		}
		quote := s.data[s.pos]
		s.pos++
		end := bytes.IndexByte(s.data[s.pos:], quote)
		if end < 0 {
			return el, false, false
		}
		value, ok := s.decodeText(s.data[s.pos : s.pos+end])
		if !ok {
			return el, false, false
		}
		s.pos += end + 1
		if attr == "xmlns" {
			el.space = value
		}
	}
}

// endTag reads "</name>" with s.pos at '<'.
func (s *xmlScanner) endTag(el element) bool {
	s.pos += 2 // "</"
	name, ok := s.name()
	if !ok || name != el.name {
		return false
	}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '>' {
		return false
	}
	s.pos++
	return true
}

// decodeText returns raw with its references replaced, or false for
// anything outside the subset.
func (s *xmlScanner) decodeText(raw []byte) (string, bool) {
	plain := true
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '&':
			plain = false
			i++
		case c == '<' || c == '\r' || c == ']' && bytes.HasPrefix(raw[i:], []byte("]]>")):
			return "", false
		case c < 0x20 && c != '\t' && c != '\n':
			return "", false
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 || !xmlChar(r) {
				return "", false
			}
			i += n
		}
	}
	if plain {
		return string(raw), true
	}
	out := s.text[:0]
	for i := 0; i < len(raw); {
		if raw[i] != '&' {
			out = append(out, raw[i])
			i++
			continue
		}
		end := bytes.IndexByte(raw[i:], ';')
		if end < 0 {
			return "", false
		}
		ref := string(raw[i+1 : i+end])
		i += end + 1
		switch ref {
		case "amp":
			out = append(out, '&')
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "quot":
			out = append(out, '"')
		case "apos":
			out = append(out, '\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				return "", false
			}
			out = utf8.AppendRune(out, r)
		}
	}
	s.text = out
	return string(out), true
}

// charRef decodes "#123" or "#x7B" to a character XML allows.
func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || !xmlChar(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

// xmlChar reports whether XML 1.0 allows r in a document (its Char rule).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// content walks the content of el (after its start tag) up to and
// including its end tag. It calls child for each child element, with
// s.pos just past the child's start tag; child must consume the child's
// content and end tag. The text directly inside el is returned.
func (s *xmlScanner) content(el element, child func(element, bool) bool) (string, bool) {
	var text strings.Builder
	for {
		lt := bytes.IndexByte(s.data[s.pos:], '<')
		if lt < 0 {
			return "", false
		}
		if lt > 0 {
			t, ok := s.decodeText(s.data[s.pos : s.pos+lt])
			if !ok {
				return "", false
			}
			text.WriteString(t)
			s.pos += lt
		}
		if s.pos+1 >= len(s.data) {
			return "", false
		}
		switch s.data[s.pos+1] {
		case '/':
			return text.String(), s.endTag(el)
		case '!', '?':
			return "", false
		}
		c, empty, ok := s.startTag(el.space)
		if !ok || !child(c, empty) {
			return "", false
		}
	}
}

// skip consumes a child element's content and end tag.
func (s *xmlScanner) skip(el element, empty bool) bool {
	if empty {
		return true
	}
	_, ok := s.content(el, s.skip)
	return ok
}

// leaf reads the text of an element that should hold only text, or false
// when it holds elements.
func (s *xmlScanner) leaf(el element, empty bool) (string, bool) {
	if empty {
		return "", true
	}
	return s.content(el, func(element, bool) bool { return false })
}

func (s *xmlScanner) setString(dst *string) func(element, bool) bool {
	return func(el element, empty bool) bool {
		v, ok := s.leaf(el, empty)
		*dst = v
		return ok
	}
}

// setParsed parses a leaf as encoding/xml parses into a bool or an int:
// empty is the zero value, otherwise the trimmed text must parse (or
// encoding/xml's error wins).
func setParsed[T any](s *xmlScanner, dst *T, parse func(string) (T, error)) func(element, bool) bool {
	return func(el element, empty bool) bool {
		v, ok := s.leaf(el, empty)
		if !ok {
			return false
		}
		if v == "" {
			var zero T
			*dst = zero
			return true
		}
		parsed, err := parse(strings.TrimSpace(v))
		*dst = parsed
		return err == nil
	}
}

func (s *xmlScanner) setBool(dst *bool) func(element, bool) bool {
	return setParsed(s, dst, strconv.ParseBool)
}

func (s *xmlScanner) setInt(dst *int64) func(element, bool) bool {
	return setParsed(s, dst, func(v string) (int64, error) { return strconv.ParseInt(v, 10, 64) })
}

// entry decodes a listEntry from el's content.
func (s *xmlScanner) entry(el element, empty bool, e *listEntry) bool {
	e.XMLName = xml.Name{Space: el.space, Local: el.name}
	if empty {
		return true
	}
	_, ok := s.content(el, func(c element, cempty bool) bool {
		switch c.name {
		case "Key":
			return s.setString(&e.Key)(c, cempty)
		case "VersionId":
			return s.setString(&e.VersionID)(c, cempty)
		case "IsLatest":
			return s.setBool(&e.IsLatest)(c, cempty)
		case "LastModified":
			return s.setString(&e.LastModified)(c, cempty)
		case "ETag":
			return s.setString(&e.ETag)(c, cempty)
		case "ChecksumAlgorithm":
			return s.setString(&e.ChecksumAlgorithm)(c, cempty)
		case "ChecksumType":
			return s.setString(&e.ChecksumType)(c, cempty)
		case "Size":
			return s.setInt(&e.Size)(c, cempty)
		case "StorageClass":
			return s.setString(&e.StorageClass)(c, cempty)
		case "Owner":
			if cempty {
				return true
			}
			_, ok := s.content(c, func(o element, oempty bool) bool {
				switch o.name {
				case "ID":
					return s.setString(&e.Owner.ID)(o, oempty)
				case "DisplayName":
					return s.setString(&e.Owner.DisplayName)(o, oempty)
				}
				return s.skip(o, oempty)
			})
			return ok
		case "UserMetadata":
			if cempty {
				return true
			}
			_, ok := s.content(c, func(m element, mempty bool) bool {
				item := struct {
					XMLName xml.Name
					Value   string `xml:",chardata"`
				}{XMLName: xml.Name{Space: m.space, Local: m.name}}
				if !mempty {
					v, ok := s.content(m, s.skip)
					if !ok {
						return false
					}
					item.Value = v
				}
				e.UserMetadata.Items = append(e.UserMetadata.Items, item)
				return true
			})
			return ok
		}
		return s.skip(c, cempty)
	})
	return ok
}

// decodeFastXML decodes data (whose root the caller checked) into res,
// or reports false and leaves res untouched for encoding/xml.
func (res *listResult) decodeFastXML(data []byte) bool {
	var r listResult
	if !r.decodeSubset(data) {
		return false
	}
	*res = r
	return true
}

func (res *listResult) decodeSubset(data []byte) bool {
	s := &xmlScanner{data: data}
	if !s.prolog() || s.pos >= len(data) || data[s.pos] != '<' {
		return false
	}
	root, empty, ok := s.startTag("")
	if !ok {
		return false
	}
	if !empty {
		_, ok = s.content(root, func(c element, cempty bool) bool {
			switch c.name {
			case "IsTruncated":
				return s.setBool(&res.IsTruncated)(c, cempty)
			case "EncodingType":
				return s.setString(&res.EncodingType)(c, cempty)
			case "NextMarker":
				return s.setString(&res.NextMarker)(c, cempty)
			case "NextContinuationToken":
				return s.setString(&res.NextContinuationToken)(c, cempty)
			case "NextKeyMarker":
				return s.setString(&res.NextKeyMarker)(c, cempty)
			case "NextVersionIdMarker":
				return s.setString(&res.NextVersionIDMarker)(c, cempty)
			case "Contents":
				res.Contents = append(res.Contents, listEntry{})
				return s.entry(c, cempty, &res.Contents[len(res.Contents)-1])
			case "CommonPrefixes":
				res.CommonPrefixes = append(res.CommonPrefixes, listPrefix{})
				p := &res.CommonPrefixes[len(res.CommonPrefixes)-1]
				if cempty {
					return true
				}
				_, ok := s.content(c, func(pc element, pempty bool) bool {
					if pc.name == "Prefix" {
						return s.setString(&p.Prefix)(pc, pempty)
					}
					return s.skip(pc, pempty)
				})
				return ok
			}
			// Every other element lands in Versions, as with encoding/xml's
			// ",any" field: <Version>, <DeleteMarker>, and <Name> and the
			// like, which the caller ignores.
			res.Versions = append(res.Versions, listEntry{})
			return s.entry(c, cempty, &res.Versions[len(res.Versions)-1])
		})
		if !ok {
			return false
		}
	}
	// Only white space may follow the root.
	s.skipSpace()
	return s.pos == len(data)
}

package httpapi

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// The listing documents are the largest responses kura writes (a page is
// up to 1,000 entries), and encoding/xml's reflection was a third of the
// CPU of a listing. They are written by hand here instead; the output is
// byte for byte what encoding/xml writes for the same structs (checked by
// TestListXMLMatchesEncodingXML), and text goes through xml.EscapeText,
// so escaping is encoding/xml's own.

// xmlAppender is a document that writes its own XML.
type xmlAppender interface {
	appendXML(b *bytes.Buffer) (ok bool)
}

func xmlText(b *bytes.Buffer, name, value string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	escapeXMLText(b, value)
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// escapeXMLText writes s as XML character data the way encoding/xml does:
// the markup characters and quotes as references, tab, newline and
// carriage return as character references (so they survive attribute and
// line-end normalization), and what XML cannot carry (control characters,
// invalid UTF-8, U+FFFE and U+FFFF) as U+FFFD.
func escapeXMLText(b *bytes.Buffer, s string) { escapeXML(b, s, true) }

// escapeXMLCharData is escapeXMLText leaving quotes as they are, which
// character data may hold: AWS writes the messages of its error documents
// so (`Policy Condition failed: ["eq", "$key", "a"]`), and clients match
// them as text.
func escapeXMLCharData(b *bytes.Buffer, s string) { escapeXML(b, s, false) }

func escapeXML(b *bytes.Buffer, s string, quotes bool) {
	plain := 0 // s[plain:i] is written unchanged
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' && (!quotes || c != '"' && c != '\'') {
			i++
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch {
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>':
			esc = "&gt;"
		case r == '"' && quotes:
			esc = "&#34;"
		case r == '\'' && quotes:
			esc = "&#39;"
		case r == '\t':
			esc = "&#x9;"
		case r == '\n':
			esc = "&#xA;"
		case r == '\r':
			esc = "&#xD;"
		case !xmlChar(r) || r == utf8.RuneError && width == 1:
			esc = "\uFFFD"
		default:
			i += width
			continue
		}
		b.WriteString(s[plain:i])
		b.WriteString(esc)
		i += width
		plain = i
	}
	b.WriteString(s[plain:])
}

// xmlChar reports whether XML 1.0 allows r in a document (its Char rule).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func xmlTextOmitEmpty(b *bytes.Buffer, name, value string) {
	if value != "" {
		xmlText(b, name, value)
	}
}

func xmlInt(b *bytes.Buffer, name string, v int64) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	var num [20]byte
	b.Write(strconv.AppendInt(num[:0], v, 10))
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

func xmlBool(b *bytes.Buffer, name string, v bool) {
	if v {
		xmlText(b, name, "true")
	} else {
		xmlText(b, name, "false")
	}
}

func listResultStart(b *bytes.Buffer, xmlns string) {
	b.WriteString(`<ListBucketResult xmlns="`)
	escapeXMLText(b, xmlns)
	b.WriteString(`">`)
}

// appendEntries writes the Contents and CommonPrefixes; it declines
// (false) entries with MinIO's UserMetadata extension, whose element
// names are data, and leaves those to encoding/xml.
func appendEntries(b *bytes.Buffer, contents []listEntry, prefixes []commonPrefix) bool {
	for _, e := range contents {
		if e.UserMetadata != nil {
			return false
		}
	}
	for _, e := range contents {
		b.WriteString("<Contents>")
		xmlText(b, "Key", e.Key)
		xmlText(b, "LastModified", e.LastModified)
		xmlText(b, "ETag", e.ETag)
		xmlTextOmitEmpty(b, "ChecksumAlgorithm", e.ChecksumAlgorithm)
		xmlTextOmitEmpty(b, "ChecksumType", e.ChecksumType)
		xmlInt(b, "Size", e.Size)
		xmlText(b, "StorageClass", e.StorageClass)
		if e.Owner != nil {
			b.WriteString("<Owner>")
			xmlText(b, "ID", e.Owner.ID)
			xmlText(b, "DisplayName", e.Owner.DisplayName)
			b.WriteString("</Owner>")
		}
		if r := e.RestoreStatus; r != nil {
			b.WriteString("<RestoreStatus>")
			xmlBool(b, "IsRestoreInProgress", r.IsRestoreInProgress)
			xmlTextOmitEmpty(b, "RestoreExpiryDate", r.RestoreExpiryDate)
			b.WriteString("</RestoreStatus>")
		}
		b.WriteString("</Contents>")
	}
	for _, p := range prefixes {
		b.WriteString("<CommonPrefixes>")
		xmlText(b, "Prefix", p.Prefix)
		b.WriteString("</CommonPrefixes>")
	}
	return true
}

// endListResult writes the entries and the end tag, or takes back what
// was written since start when appendEntries declines.
func endListResult(b *bytes.Buffer, start int, contents []listEntry, prefixes []commonPrefix) bool {
	if !appendEntries(b, contents, prefixes) {
		b.Truncate(start)
		return false
	}
	b.WriteString("</ListBucketResult>")
	return true
}

func (d listBucketResultV1) appendXML(b *bytes.Buffer) bool {
	start := b.Len()
	listResultStart(b, d.Xmlns)
	xmlText(b, "Name", d.Name)
	xmlText(b, "Prefix", d.Prefix)
	xmlText(b, "Marker", d.Marker)
	xmlTextOmitEmpty(b, "NextMarker", d.NextMarker)
	xmlInt(b, "MaxKeys", int64(d.MaxKeys))
	xmlTextOmitEmpty(b, "Delimiter", d.Delimiter)
	xmlBool(b, "IsTruncated", d.IsTruncated)
	xmlTextOmitEmpty(b, "EncodingType", d.EncodingType)
	return endListResult(b, start, d.Contents, d.CommonPrefixes)
}

func (d listBucketResultV2) appendXML(b *bytes.Buffer) bool {
	start := b.Len()
	listResultStart(b, d.Xmlns)
	xmlText(b, "Name", d.Name)
	xmlText(b, "Prefix", d.Prefix)
	xmlTextOmitEmpty(b, "StartAfter", d.StartAfter)
	xmlTextOmitEmpty(b, "ContinuationToken", d.ContinuationToken)
	xmlTextOmitEmpty(b, "NextContinuationToken", d.NextContinuationToken)
	xmlInt(b, "KeyCount", int64(d.KeyCount))
	xmlInt(b, "MaxKeys", int64(d.MaxKeys))
	xmlTextOmitEmpty(b, "Delimiter", d.Delimiter)
	xmlBool(b, "IsTruncated", d.IsTruncated)
	xmlTextOmitEmpty(b, "EncodingType", d.EncodingType)
	return endListResult(b, start, d.Contents, d.CommonPrefixes)
}

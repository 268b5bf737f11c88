// Package xmldoc reads one bounded S3 XML request document for the wire
// packages.
//
// It owns the rules every S3 XML document shares: a size bound enforced
// before parsing, exactly one root element with nothing but whitespace,
// comments and processing instructions around it, and the mapping of
// syntax errors to MalformedXML. It does not know any document's shape.
package xmldoc

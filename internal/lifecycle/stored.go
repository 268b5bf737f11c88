package lifecycle

import (
	"bytes"
	"errors"
	"fmt"

	wire "github.com/kurastore/kura/wire/lifecycle"
)

// ConfigName is the name of the bucket configuration document that holds
// a bucket's lifecycle configuration in the object layer.
const ConfigName = "lifecycle"

// The stored document is the minimum-size mode on a line of its own,
// then the configuration's canonical XML:
//
//	all_storage_classes_128K
//	<LifecycleConfiguration xmlns="...">...</LifecycleConfiguration>
//
// so that one read gives both, and GetBucketLifecycleConfiguration
// answers the XML alone.

// ErrBadStored is returned for a stored document that is not in that
// format.
var ErrBadStored = errors.New("lifecycle: malformed stored configuration")

// ValidMinSize reports whether m is a value of the
// x-amz-transition-default-minimum-object-size header.
func ValidMinSize(m MinSize) bool {
	return m == MinSize128K || m == MinSizeByClass
}

// EncodeStored returns the document to store for cfg with the minimum
// size mode minSize ("" is MinSize128K).
func EncodeStored(cfg *wire.Configuration, minSize MinSize) ([]byte, error) {
	if minSize == "" {
		minSize = MinSize128K
	}
	if !ValidMinSize(minSize) {
		return nil, fmt.Errorf("lifecycle: minimum size mode %q", minSize)
	}
	doc, err := cfg.Encode()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(minSize)+1+len(doc))
	out = append(out, minSize...)
	out = append(out, '\n')
	return append(out, doc...), nil
}

// DecodeStored splits a stored document into its XML and its minimum
// size mode.
func DecodeStored(stored []byte) (doc []byte, minSize MinSize, err error) {
	mode, doc, ok := bytes.Cut(stored, []byte{'\n'})
	if !ok || !ValidMinSize(MinSize(mode)) {
		return nil, "", ErrBadStored
	}
	return doc, MinSize(mode), nil
}

// Parse compiles a stored document: what the scanner and the S3 API read
// to evaluate a bucket's rules.
func Parse(stored []byte) (*Rules, error) {
	doc, minSize, err := DecodeStored(stored)
	if err != nil {
		return nil, err
	}
	cfg, err := wire.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadStored, err)
	}
	return Compile(cfg, minSize), nil
}

// MinSize returns the minimum size mode the rules were compiled with.
func (r *Rules) MinSize() MinSize {
	if r == nil {
		return MinSize128K
	}
	return r.minSize
}

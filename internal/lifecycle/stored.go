package lifecycle

import (
	"bytes"

	wire "github.com/kurastore/kura/wire/lifecycle"
)

// ParseStored compiles a bucket's stored lifecycle document.
func ParseStored(doc []byte) (*Rules, error) {
	cfg, err := wire.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	return Compile(cfg, MinSize128K), nil
}

func (r *Rules) usesTags() bool {
	for _, rule := range r.cfg.Rules {
		if len(rule.Filter.Tags()) > 0 {
			return true
		}
	}
	return false
}

func (r *Rules) abortsUploads() bool {
	for _, rule := range r.cfg.Rules {
		if rule.AbortIncompleteMultipartUpload != nil && rule.Status == wire.Enabled {
			return true
		}
	}
	return false
}

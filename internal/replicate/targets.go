package replicate

// Placeholder of the targets registry, replaced by the real one on merge.

import (
	"context"
	"errors"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

var ErrUnknownTarget = errors.New("replicate: no such target")

type Target struct {
	ID                   string
	ARN                  string
	SourceBucket         string
	Endpoint             string
	DestBucket           string
	Region               string
	AccessKey, SecretKey string
	Bandwidth            int64
	Created              time.Time
}

type Targets struct{}

func (t *Targets) All(ctx context.Context) ([]Target, error)                 { return nil, nil }
func (t *Targets) List(ctx context.Context, source string) ([]Target, error) { return nil, nil }
func (t *Targets) Get(r meta.Reader, source, arn string) (Target, bool, error) {
	return Target{}, false, nil
}
func (t *Targets) Resolve(r meta.Reader, source, destARN string) (Target, error) {
	return Target{}, ErrUnknownTarget
}

// names reports whether a rule's destination ARN names this target.
func (t Target) names(dest string) bool {
	return dest == t.ARN || dest == "arn:aws:s3:::"+t.DestBucket
}

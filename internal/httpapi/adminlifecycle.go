package httpapi

import (
	"context"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/adminapi"
)

// LifecycleScanner is the lifecycle scanner as the admin API sees it.
type LifecycleScanner interface {
	Status(ctx context.Context) (adminapi.LifecycleStatus, error)
}

// adminLifecycleStatus reports the lifecycle scanner's passes and each
// bucket's figures.
func (s *Server) adminLifecycleStatus(rq *request, _ map[string]string) (any, error) {
	if s.lifecycle == nil {
		return nil, s3err.ErrNotImplemented.WithMessage("The lifecycle scanner does not run on this server.")
	}
	return s.lifecycle.Status(rq.ctx)
}

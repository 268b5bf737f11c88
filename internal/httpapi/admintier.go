package httpapi

import (
	"errors"

	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/internal/tier/tierstore"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/adminapi"
)

var errNoTiers = s3err.ErrNotImplemented.WithMessage("Tiers are not enabled on this server.")

func adminTier(d tierstore.Definition) adminapi.Tier {
	return adminapi.Tier{
		Name: d.Name, Type: d.Type, Endpoint: d.Endpoint, Bucket: d.Bucket, Prefix: d.Prefix,
		AccessKey: d.AccessKey, SecretKey: d.SecretKey, Region: d.Region, Path: d.Path,
	}
}

// adminListTiers lists the tiers, their secret keys masked.
func (s *Server) adminListTiers(rq *request, _ map[string]string) (any, error) {
	if s.tierAdmin == nil {
		return nil, errNoTiers
	}
	defs, err := s.tierAdmin.List(rq.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.Tier, len(defs))
	for i, d := range defs {
		out[i] = adminTier(d)
	}
	return out, nil
}

// adminTierStatus checks every tier.
func (s *Server) adminTierStatus(rq *request, _ map[string]string) (any, error) {
	if s.tierAdmin == nil {
		return nil, errNoTiers
	}
	sts, err := s.tierAdmin.Status(rq.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.TierStatus, len(sts))
	for i, st := range sts {
		out[i] = adminapi.TierStatus{Name: st.Name, Type: st.Type, Reachable: st.Reachable, Error: st.Error}
	}
	return out, nil
}

// adminAddTier adds a tier after checking it answers; why it does not
// goes to the admin, who chose its address.
func (s *Server) adminAddTier(rq *request, v map[string]string) (any, error) {
	if s.tierAdmin == nil {
		return nil, errNoTiers
	}
	var body adminapi.Tier
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	if body.Name != "" && body.Name != v["name"] {
		return nil, s3err.ErrInvalidArgument.WithMessage("The tier's name in the body differs from the one in the path.")
	}
	err := s.tierAdmin.Add(rq.ctx, tierstore.Definition{
		Name: v["name"], Type: body.Type, Endpoint: body.Endpoint, Bucket: body.Bucket, Prefix: body.Prefix,
		AccessKey: body.AccessKey, SecretKey: body.SecretKey, Region: body.Region, Path: body.Path,
	})
	return nil, err
}

// adminRemoveTier removes a tier nothing uses any more.
func (s *Server) adminRemoveTier(rq *request, v map[string]string) (any, error) {
	if s.tierAdmin == nil {
		return nil, errNoTiers
	}
	return nil, s.tierAdmin.Remove(rq.ctx, v["name"], s.tierInUse)
}

// tierAdminError maps the registry's errors to S3-style errors.
func tierAdminError(err error) (error, bool) {
	switch {
	case errors.Is(err, tier.ErrNoSuchTier):
		return s3err.ErrNoSuchKey.WithMessage("%v", err), true
	case errors.Is(err, tierstore.ErrTierExists), errors.Is(err, tierstore.ErrTierInUse):
		return s3err.ErrBucketAlreadyExists.WithMessage("%v", err), true
	case errors.Is(err, tierstore.ErrInvalid):
		return s3err.ErrInvalidArgument.WithMessage("%v", err), true
	}
	return err, false
}

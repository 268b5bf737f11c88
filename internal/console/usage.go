package console

import (
	"context"
	"errors"

	"github.com/kurastore/kura/admin"
)

// UsageReader reads the server's usage report: every bucket's exact
// object count and size, from the counters the server keeps as writes
// commit (the admin API's usage call, action admin:DataUsageInfo).
// *admin.Client is one.
type UsageReader interface {
	DataUsage(ctx context.Context) ([]admin.BucketUsage, error)
}

// UsageFunc returns the UsageReader of a session, signing with the given
// credentials as ClientFunc's client does.
type UsageFunc func(accessKey, secretKey, sessionToken string) (UsageReader, error)

// newUsageReader is the session's UsageReader: Config.NewUsage's, else
// the session's admin client, else nil (the buckets page then counts by
// listing).
func (s *Server) newUsageReader(accessKey, secretKey, sessionToken string, ac *admin.Client) UsageReader {
	if s.cfg.NewUsage == nil {
		if ac == nil {
			return nil
		}
		return ac
	}
	u, err := s.cfg.NewUsage(accessKey, secretKey, sessionToken)
	if err != nil {
		s.cfg.Logger.Warn("console: making the usage reader", "err", err)
		return nil
	}
	return u
}

// fillExactUsage gives the rows the usage report's figures, when the
// session may read it, and reports whether it could. A bucket missing
// from the report (made since) keeps no figures, for the caller to count.
// A refusal is the identity's own (it lacks admin:DataUsageInfo) and is
// not logged; any other failure is, at debug level, since the page falls
// back to counting either way.
func (s *Server) fillExactUsage(ctx context.Context, sess *session, rows []bucketRow) bool {
	if sess.usage == nil {
		return false
	}
	report, err := sess.usage.DataUsage(ctx)
	if err != nil {
		var e *admin.Error
		if !errors.As(err, &e) || e.Code != "AccessDenied" {
			s.cfg.Logger.Debug("console: reading the usage report", "err", err)
		}
		return false
	}
	byName := make(map[string]admin.BucketUsage, len(report))
	for _, u := range report {
		byName[u.Bucket] = u
	}
	for i := range rows {
		if u, ok := byName[rows[i].Name]; ok {
			rows[i].Objects, rows[i].Bytes, rows[i].Exact = int(u.Objects), u.Bytes, true
		}
	}
	return true
}

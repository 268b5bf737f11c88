package httpapi

import (
	"errors"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/adminapi"
)

var errNoEvents = s3err.ErrNotImplemented.WithMessage("Event notifications are not enabled on this server.")

// adminNotifyTargets lists the notification targets; with ?status it
// also checks that each is reachable.
func (s *Server) adminNotifyTargets(rq *request, _ map[string]string) (any, error) {
	if s.events == nil {
		return nil, errNoEvents
	}
	ping := rq.http.URL.Query().Has("status")
	sts, err := s.events.Status(rq.ctx, ping)
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.NotifyTargetStatus, len(sts))
	for i, st := range sts {
		o := adminapi.NotifyTargetStatus{
			Type: st.Type, Name: st.Name, ARN: st.ARN, Source: "admin", Settings: st.Settings,
			Pending: st.Pending, Delivered: st.Delivered, Failed: st.Failed, Dropped: st.Dropped,
			LastError: st.LastError, LastErrorTime: st.LastErrorTime, LastDelivery: st.LastDelivery,
			LatencyP50: float64(st.LatencyP50.Microseconds()) / 1000, LatencyP99: float64(st.LatencyP99.Microseconds()) / 1000,
			Delivering: st.Delivering,
		}
		if st.FromEnv {
			o.Source = "env"
		}
		if ping {
			o.Reachable, o.PingError = &st.Reachable, st.PingError
		}
		out[i] = o
	}
	return out, nil
}

// adminAddNotifyTarget adds a target after connecting to it once; the
// reason it cannot be reached goes to the admin, who chose the address.
func (s *Server) adminAddNotifyTarget(rq *request, v map[string]string) (any, error) {
	if s.events == nil {
		return nil, errNoEvents
	}
	var body adminapi.NotifyTarget
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	arn, err := s.events.AddTarget(rq.ctx, notify.Config{Type: v["type"], Name: v["name"], Settings: body.Settings})
	if err != nil {
		if errors.Is(err, notify.ErrTargetExists) {
			return nil, err
		}
		return nil, s3err.ErrInvalidArgument.WithMessage("%v", err)
	}
	return adminapi.NotifyTargetAdded{ARN: arn}, nil
}

func (s *Server) adminRemoveNotifyTarget(rq *request, v map[string]string) (any, error) {
	if s.events == nil {
		return nil, errNoEvents
	}
	dropped, err := s.events.RemoveTarget(rq.ctx, v["type"], v["name"])
	if errors.Is(err, notify.ErrEnvTarget) {
		return nil, s3err.ErrInvalidArgument.WithMessage("%v", err)
	}
	if err != nil {
		return nil, err
	}
	return adminapi.NotifyTargetRemoved{Dropped: dropped}, nil
}

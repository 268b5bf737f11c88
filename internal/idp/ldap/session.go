package ldap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// session is one connection for the length of one call.
type session struct {
	cfg  Config
	ctx  context.Context
	conn *goldap.Conn
	// stopWatch ends the goroutine that closes the connection when ctx
	// ends.
	stopWatch func() bool
}

// open connects, with TLS or StartTLS as configured. Connecting is bounded
// by the dial timeout, each later operation by the operation timeout, and
// everything by ctx: when ctx ends the socket is closed, which fails the
// operation in flight at once.
func (d *Directory) open(ctx context.Context) (*session, error) {
	dialCtx, cancel := context.WithTimeout(ctx, d.cfg.dialTimeout())
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(dialCtx, "tcp", d.cfg.ServerAddr)
	if err != nil {
		return nil, unavailable(ctx, "connecting to "+d.cfg.ServerAddr, err)
	}
	var nc net.Conn = raw
	if d.cfg.TLS {
		tc := tls.Client(raw, d.tlsConfig)
		if err := tc.HandshakeContext(dialCtx); err != nil {
			raw.Close()
			return nil, unavailable(ctx, "TLS with "+d.cfg.ServerAddr, err)
		}
		nc = tc
	}
	conn := goldap.NewConn(nc, d.cfg.TLS)
	conn.Start()
	conn.SetTimeout(d.cfg.operationTimeout())
	s := &session{
		cfg:       d.cfg,
		ctx:       ctx,
		conn:      conn,
		stopWatch: context.AfterFunc(ctx, func() { raw.Close() }),
	}
	if d.cfg.StartTLS {
		if err := s.startTLS(raw, d.tlsConfig); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// startTLS upgrades the connection. The handshake itself has no timeout
// of its own in the LDAP client, so a socket deadline bounds it.
func (s *session) startTLS(raw net.Conn, tc *tls.Config) error {
	if err := raw.SetDeadline(time.Now().Add(s.cfg.dialTimeout())); err != nil {
		return unavailable(s.ctx, "StartTLS with "+s.cfg.ServerAddr, err)
	}
	if err := s.conn.StartTLS(tc); err != nil {
		return unavailable(s.ctx, "StartTLS with "+s.cfg.ServerAddr, err)
	}
	if err := raw.SetDeadline(time.Time{}); err != nil {
		return unavailable(s.ctx, "StartTLS with "+s.cfg.ServerAddr, err)
	}
	return nil
}

func (s *session) close() {
	s.stopWatch()
	s.conn.Close()
}

// lookupBind binds as the lookup account.
func (s *session) lookupBind() error {
	err := s.conn.Bind(s.cfg.LookupBindDN, s.cfg.LookupBindPassword)
	if err == nil {
		return nil
	}
	if isUnavailable(s.ctx, err) {
		return unavailable(s.ctx, "lookup bind", err)
	}
	return fmt.Errorf("%w: as %s: %v", ErrLookupBind, s.cfg.LookupBindDN, resultText(err))
}

// userBind proves the password by binding as the user's entry.
func (s *session) userBind(dn, password string) error {
	err := s.conn.Bind(dn, password)
	if err == nil {
		return nil
	}
	if isUnavailable(s.ctx, err) {
		return unavailable(s.ctx, "user bind", err)
	}
	return fmt.Errorf("%w: %s: %v", ErrInvalidCredentials, dn, resultText(err))
}

// failure classifies a search error.
func (s *session) failure(what string, err error) error {
	if isUnavailable(s.ctx, err) {
		return unavailable(s.ctx, what, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrDirectory, what, resultText(err))
}

// isUnavailable tells errors of reaching the directory from its answers:
// the network, a closed or timed-out connection, an ended context, or a
// directory saying it is busy or unavailable.
func isUnavailable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	return goldap.IsErrorAnyOf(err,
		goldap.ErrorNetwork, goldap.LDAPResultBusy, goldap.LDAPResultUnavailable,
		goldap.LDAPResultTimeLimitExceeded, goldap.LDAPResultServerDown,
		goldap.LDAPResultTimeout, goldap.LDAPResultConnectError)
}

func unavailable(ctx context.Context, what string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, cerr)
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
}

// resultText is the directory's answer without the request, which for a
// bind would hold the password.
func resultText(err error) string {
	var le *goldap.Error
	if errors.As(err, &le) {
		if le.Err != nil {
			return fmt.Sprintf("%s (%s)", goldap.LDAPResultCodeMap[le.ResultCode], le.Err)
		}
		return goldap.LDAPResultCodeMap[le.ResultCode]
	}
	return err.Error()
}

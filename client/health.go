package client

import (
	"context"
	"io"
	"net/http"
)

// HealthCheck names a server health check.
type HealthCheck string

const (
	// HealthLive succeeds whenever the server process answers.
	HealthLive HealthCheck = "live"
	// HealthReady succeeds when the server says it can serve requests
	// (a MinIO cluster: when it has its quorum).
	HealthReady HealthCheck = "ready"
)

// CheckHealth asks the server's health endpoint, /minio/health/<check>,
// which kura and MinIO serve without authentication. It returns nil for a
// healthy answer and an *ErrorResponse otherwise (ServiceUnavailable for
// a server that is not ready). It is sent once, unsigned, never retried:
// a health check reports the state at the time of the call.
func (c *Client) CheckHealth(ctx context.Context, check HealthCheck) error {
	if check != HealthLive && check != HealthReady {
		return invalidArgument("unknown health check %q", check)
	}
	u := *c.endpoint
	u.Path = "/minio/health/" + string(check)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	return readError(resp, "", "")
}

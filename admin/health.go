package admin

import (
	"context"
	"fmt"
	"net/http"
)

// Health probes one of the server's health checks, "live" or "ready",
// as a load balancer does (no credentials): nil when the server answers
// 200 OK.
func (c *Client) Health(ctx context.Context, check string) error {
	if check != "live" && check != "ready" {
		return fmt.Errorf("admin: no health check %q", check)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.serverURL("/health/"+check).String(), nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("admin: health check %s answered HTTP %d", check, resp.StatusCode)
	}
	return nil
}

package admin

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/kurastore/kura/wire/adminapi"
)

// MetricsToken is a bearer token for the server's metrics endpoint.
type MetricsToken = adminapi.MetricsToken

// MetricsToken asks for a bearer token that scrapes the server's
// metrics as the client's access key, good for expiry (0: the server's
// default, a year). The caller needs admin:Prometheus.
func (c *Client) MetricsToken(ctx context.Context, expiry time.Duration) (MetricsToken, error) {
	var out MetricsToken
	in := adminapi.MetricsTokenRequest{ExpirySeconds: int64(expiry / time.Second)}
	return out, c.call(ctx, http.MethodPost, "metrics/token", in, &out)
}

// MetricsURL is where the server answers scrapes.
func (c *Client) MetricsURL() *url.URL {
	u := *c.endpoint
	u.Path, u.RawPath, u.RawQuery = adminapi.MetricsPaths[0], "", ""
	return &u
}

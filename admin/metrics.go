package admin

import (
	"context"
	"fmt"
	"io"
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
	return c.serverURL(adminapi.MetricsPaths[0])
}

// Scrape writes the server's metrics, in Prometheus' text format, to w:
// a scrape authorized by a token from MetricsToken, as Prometheus does.
func (c *Client) Scrape(ctx context.Context, token string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.MetricsURL().String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/plain")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		if e := responseError(resp); e.Code != "" {
			return e
		}
		return fmt.Errorf("admin: metrics scrape answered HTTP %d", resp.StatusCode)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

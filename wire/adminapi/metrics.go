package adminapi

import "time"

// MetricsPaths are where a server answers Prometheus scrapes, on the S3
// API's listener: kura's own path, under a prefix no bucket can have
// (bucket names cannot start with '.'), and MinIO's, under "minio",
// which no bucket may be named. Path-style "/metrics" would be a
// listing of the bucket "metrics".
var MetricsPaths = []string{"/.kura/metrics", "/minio/v2/metrics/cluster"}

// BearerMetricsPath, Prometheus' default, is a scrape too when the
// request carries a bearer token (and no query): S3 requests never do,
// so it stays the bucket "metrics" for S3 clients.
const BearerMetricsPath = "/metrics"

// MetricsTokenRequest asks for a bearer token to scrape the metrics
// with. ExpirySeconds 0 asks for the server's default.
type MetricsTokenRequest struct {
	ExpirySeconds int64 `json:"expirySeconds,omitempty"`
}

// MetricsToken is a bearer token for the metrics endpoint: it names the
// access key that asked for it and is good until Expires, while that
// identity exists and may read the metrics (admin:Prometheus).
type MetricsToken struct {
	Token     string    `json:"token"`
	AccessKey string    `json:"accessKey"`
	Expires   time.Time `json:"expires"`
}

// Package webhook is the "webhook" kind of notification target: it POSTs
// each event, one request per event and in order, to an HTTP(S)
// endpoint.
//
// The request body is the event log entry MinIO's webhook target sends,
// {"EventName": ..., "Key": "bucket/object", "Records": [record]}, with
// Content-Type application/json. A 2xx response accepts the event; any
// other status, or no response, is a failed delivery that the service
// retries, so an endpoint may see an event more than once.
//
// Settings:
//
//	--endpoint     the http:// or https:// URL to POST to (required)
//	--auth-token   sent as "Authorization: Bearer <token>"; a token that
//	               already starts with a scheme word ("Basic ...") is sent
//	               as it is (secret)
//	--client-cert  PEM certificate file for mutual TLS (with --client-key)
//	--client-key   PEM private key file of --client-cert
//	--ca-cert      PEM file of certificate authorities to trust besides the
//	               system's
//	--timeout      how long one request may take (default 10s)
//
// Ping sends a HEAD request to the endpoint: any response shows it
// reachable, except 401 and 403, which say the token is refused.
package webhook

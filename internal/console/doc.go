// Package console is kura's web console: server-rendered pages (Go
// html/template) with a little plain JavaScript, all embedded in the
// binary.
//
// The console is a client. It never touches storage or identities
// itself: a login keeps the user's credentials in a session held in
// memory on the server, and every page is made of ordinary S3 (and
// admin) requests signed with those credentials and sent to the API's
// own listener through the Go SDK. IAM and bucket policies therefore
// decide every action exactly as they would for the CLI, and the console
// can never do more than the logged-in identity could.
//
// The browser holds only a random session ID in an HttpOnly,
// SameSite=Strict cookie (Secure when the console is served over TLS).
// Every POST carries the session's CSRF token, and every answer carries
// a Content-Security-Policy that allows no inline script.
package console

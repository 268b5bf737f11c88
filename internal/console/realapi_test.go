package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
)

// iamAPI is kura's API with an IAM store (kuratest has none), served on
// a loopback port, with root's keys.
type iamAPI struct {
	endpoint            string
	rootKey, rootSecret string
	ids                 *iam.Store
	layer               *object.Layer
}

// newIAMAPI starts the API; metrics, when set, answers scrapes (the API
// checks the bearer token before it is called).
func newIAMAPI(t *testing.T, metrics http.Handler) *iamAPI {
	t.Helper()
	return newIAMAPIWith(t, httpapi.Config{Metrics: metrics})
}

// newIAMAPIWith is newIAMAPI with the settings of cfg (its store, layer,
// region and logger are newIAMAPI's).
func newIAMAPIWith(t *testing.T, cfg httpapi.Config) *iamAPI {
	t.Helper()
	m, err := pebblestore.Open("console", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	blobs, err := dirstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root := auth.Credentials{AccessKey: "consoleroot", SecretKey: "consoleroot-secret"}
	ids, err := iam.NewStore(m, root, make([]byte, iam.SealKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	layer := object.New(m, blobs, object.Options{Region: "us-east-1"})
	cfg.Objects, cfg.Region, cfg.IAM, cfg.Logger = layer, "us-east-1", ids, slog.New(slog.DiscardHandler)
	api := httpapi.New(cfg)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &iamAPI{endpoint: srv.Listener.Addr().String(), rootKey: root.AccessKey, rootSecret: root.SecretKey, ids: ids, layer: layer}
}

// newIAMHarness is a console acting through api, with admin clients.
func newIAMHarness(t *testing.T, api *iamAPI) *harness {
	t.Helper()
	return serveConsole(t, api.consoleConfig())
}

// consoleConfig is the Config of a console acting through a, with admin
// clients.
func (a *iamAPI) consoleConfig() Config {
	return Config{
		NewClient: func(ak, sk, token string) (*client.Client, error) {
			return client.New(a.endpoint, &client.Options{AccessKey: ak, SecretKey: sk, SessionToken: token, MaxRetries: -1})
		},
		NewAdmin: func(ak, sk, token string) (*admin.Client, error) {
			return admin.New(a.endpoint, ak, sk, false, admin.WithSessionToken(token))
		},
	}
}

// userWithPolicy adds a user whose only policy is doc.
func (a *iamAPI) userWithPolicy(t *testing.T, name, secret, doc string) {
	t.Helper()
	ctx := context.Background()
	if err := a.ids.AddUser(ctx, name, secret); err != nil {
		t.Fatal(err)
	}
	if doc == "" {
		return
	}
	if err := a.ids.PutPolicy(ctx, name+"-policy", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := a.ids.AttachPolicy(ctx, name+"-policy", name, ""); err != nil {
		t.Fatal(err)
	}
}

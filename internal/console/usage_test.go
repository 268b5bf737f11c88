package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/object"
)

// usageAPI is kura's API with an IAM store, for the usage report.
type usageAPI struct{ *iamAPI }

func newUsageAPI(t *testing.T) *usageAPI { return &usageAPI{newIAMAPI(t, nil)} }

// fill makes bucket (as root, through the API) and puts n objects of
// two bytes in it (through the object layer, which is quicker).
func (a *usageAPI) fill(t *testing.T, bucket string, n int) {
	t.Helper()
	ctx := context.Background()
	c, err := client.New(a.endpoint, &client.Options{AccessKey: a.rootKey, SecretKey: a.rootSecret, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for k := range n {
		if _, err := a.layer.PutObject(ctx, bucket, fmt.Sprintf("k%05d", k), strings.NewReader("xy"), object.PutOptions{Size: 2}); err != nil {
			t.Fatal(err)
		}
	}
}

// user adds a user allowed actions on everything.
func (a *usageAPI) user(t *testing.T, name string, actions ...string) {
	t.Helper()
	ctx := context.Background()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
	if err := a.ids.AddUser(ctx, name, name+"-secret"); err != nil {
		t.Fatal(err)
	}
	if err := a.ids.PutPolicy(ctx, name+"-policy", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := a.ids.AttachPolicy(ctx, name+"-policy", name, ""); err != nil {
		t.Fatal(err)
	}
}

// newUsageHarness is a console acting through api, reading the usage
// report with the session's keys as cmd/kura's console does.
func newUsageHarness(t *testing.T, api *usageAPI) *harness {
	t.Helper()
	c, err := New(Config{
		NewClient: func(ak, sk, token string) (*client.Client, error) {
			return client.New(api.endpoint, &client.Options{AccessKey: ak, SecretKey: sk, SessionToken: token, MaxRetries: -1})
		},
		NewUsage: func(ak, sk, _ string) (UsageReader, error) {
			return admin.New(api.endpoint, ak, sk, false)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(c)
	t.Cleanup(web.Close)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &harness{t: t, console: c, web: web, browser: browser}
}

// bucketsPageAs logs in as access and returns the buckets page.
func bucketsPageAs(t *testing.T, h *harness, access, secret string) string {
	t.Helper()
	if resp := h.loginAs(access, secret); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: %d", access, resp.StatusCode)
	}
	resp, body := h.get("/buckets")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("buckets page as %s: %d", access, resp.StatusCode)
	}
	return body
}

const (
	exactNote   = "the server's exact usage counters"
	listingNote = "counted by listing, up to 1,000 objects a bucket"
)

// TestBucketsPageShowsExactUsageWhenAllowed: an identity allowed
// admin:DataUsageInfo sees 1,500 objects where a listing would stop at
// 1,000; one without it sees the bounded count, as before.
func TestBucketsPageShowsExactUsageWhenAllowed(t *testing.T) {
	api := newUsageAPI(t)
	api.fill(t, "big", usageCountLimit+500)
	api.fill(t, "small", 2)
	api.user(t, "counter", "s3:*", "admin:DataUsageInfo")
	api.user(t, "lister", "s3:*", "admin:ServerInfo")

	for _, c := range []struct{ who, secret string }{{api.rootKey, api.rootSecret}, {"counter", "counter-secret"}} {
		body := bucketsPageAs(t, newUsageHarness(t, api), c.who, c.secret)
		for _, want := range []string{"<td>1,500</td>", `title="3000 bytes"`, "<td>2</td>", `title="4 bytes"`, exactNote} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q", c.who, want)
			}
		}
		if strings.Contains(body, "more than") || strings.Contains(body, listingNote) {
			t.Errorf("%s: the page still counts by listing", c.who)
		}
	}

	body := bucketsPageAs(t, newUsageHarness(t, api), "lister", "lister-secret")
	for _, want := range []string{"more than 1,000", "<td>2</td>", listingNote} {
		if !strings.Contains(body, want) {
			t.Errorf("lister: the page lacks %q", want)
		}
	}
	if strings.Contains(body, "1,500") || strings.Contains(body, exactNote) || strings.Contains(body, "AccessDenied") {
		t.Error("lister: the page shows the usage report, or its refusal")
	}
}

// fakeUsage answers a fixed report, or fails.
type fakeUsage struct {
	report []admin.BucketUsage
	err    error
}

func (f fakeUsage) DataUsage(context.Context) ([]admin.BucketUsage, error) { return f.report, f.err }

func TestBucketsPageFallsBackToListing(t *testing.T) {
	for _, c := range []struct {
		name  string
		usage fakeUsage
		exact map[string]string // bucket: the objects cell
	}{
		// A bucket made after the report was read is counted by listing.
		{"bucket missing from the report", fakeUsage{report: []admin.BucketUsage{{Bucket: "one", Objects: 123456, Bytes: 7}}},
			map[string]string{"one": "123,456", "two": "3"}},
		{"refused", fakeUsage{err: &admin.Error{StatusCode: 403, Code: "AccessDenied"}}, map[string]string{"one": "1", "two": "3"}},
		{"not answered", fakeUsage{err: errors.New("connection refused")}, map[string]string{"one": "1", "two": "3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, func(cfg *Config) {
				cfg.NewUsage = func(string, string, string) (UsageReader, error) { return c.usage, nil }
			})
			ctx := context.Background()
			for bucket, n := range map[string]int{"one": 1, "two": 3} {
				if err := h.api.Client.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
					t.Fatal(err)
				}
				for k := range n {
					if _, err := h.api.Client.PutObject(ctx, bucket, fmt.Sprint(k), strings.NewReader("z"), 1, client.PutObjectOptions{}); err != nil {
						t.Fatal(err)
					}
				}
			}
			h.loginRoot()
			_, body := h.get("/buckets")
			for bucket, cell := range c.exact {
				row := between(body, `href="/browse/`+bucket+`"`, "</tr>")
				if !strings.Contains(row, "<td>"+cell+"</td>") {
					t.Errorf("bucket %s: row %q lacks %s objects", bucket, row, cell)
				}
			}
			if strings.Contains(body, "connection refused") || strings.Contains(body, "AccessDenied") {
				t.Error("the page shows why the report is missing")
			}
		})
	}
}

package integration

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// maxFirstLoad bounds what the browser fetches to show a console page the
// first time: the page, its style sheet and scripts.
const maxFirstLoad = 200 << 10

// checkPageWeight fails t when the page the browser shows took more than
// maxFirstLoad bytes over the wire (navigation plus every resource, as
// the Resource Timing API counts them, headers included).
func checkPageWeight(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	var weight struct {
		Total     int64 `json:"total"`
		Resources int   `json:"resources"`
	}
	err := chromedp.Run(ctx, chromedp.Evaluate(`(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		const res = performance.getEntriesByType("resource");
		return {total: nav.transferSize + res.reduce((sum, e) => sum + e.transferSize, 0), resources: res.length};
	})()`, &weight))
	if err != nil {
		t.Fatalf("measuring %s: %v", what, err)
	}
	if weight.Total <= 0 || weight.Resources == 0 {
		t.Fatalf("%s: the browser reports %d bytes over %d resources; the measure is broken", what, weight.Total, weight.Resources)
	}
	t.Logf("%s: %d bytes over the wire (%d resources)", what, weight.Total, weight.Resources)
	if weight.Total > maxFirstLoad {
		t.Errorf("%s weighs %d bytes, over %d", what, weight.Total, maxFirstLoad)
	}
}

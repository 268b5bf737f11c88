package metrics

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/jackc/pgx/v5/pgxpool"
	dto "github.com/prometheus/client_model/go"

	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

// DashboardFile is the Grafana dashboard shipped with kura.
const dashboardFile = "../../docs/grafana/kura.json"

// metricName finds the metric names in a PromQL expression: kura's own
// and the Go and process collectors'.
var metricName = regexp.MustCompile(`\b(?:kura|go|process)_[a-z0-9_]+\b`)

type dashboard struct {
	Inputs []struct {
		Name, Type, PluginID string
	} `json:"__inputs"`
	Title  string           `json:"title"`
	Panels []dashboardPanel `json:"panels"`
	// Templating's queries are PromQL too.
	Templating struct {
		List []struct {
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

type dashboardPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// DashboardExpressions reads the dashboard and returns every PromQL
// expression in it, checking its shape on the way.
func dashboardExpressions(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardFile, err)
	}
	if len(d.Inputs) != 1 || d.Inputs[0].Name != "DS_PROMETHEUS" || d.Inputs[0].PluginID != "prometheus" {
		t.Errorf("the dashboard's data source input: %+v", d.Inputs)
	}
	var exprs []string
	ids := map[int]bool{}
	graphs := 0
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		graphs++
		if p.Datasource == nil || p.Datasource.UID != "${DS_PROMETHEUS}" {
			t.Errorf("panel %q does not use the ${DS_PROMETHEUS} input", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if tg.Expr == "" {
				t.Errorf("panel %q has an empty query", p.Title)
			}
			exprs = append(exprs, tg.Expr)
		}
	}
	if graphs < 10 {
		t.Errorf("the dashboard has %d panels", graphs)
	}
	for _, v := range d.Templating.List {
		exprs = append(exprs, v.Definition)
	}
	return exprs
}

// exposedNames are the names a full exposition carries: each family's,
// and a histogram's _bucket, _sum and _count series.
func exposedNames(fams map[string]*dto.MetricFamily) map[string]bool {
	names := map[string]bool{}
	for name, f := range fams {
		names[name] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				names[name+suffix] = true
			}
		}
	}
	return names
}

// fullMetrics is a registry with every source a server may have, each
// with something to report.
func fullMetrics(t *testing.T) *Metrics {
	t.Helper()
	store, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	m := New(Options{Logger: quiet()})
	m.Watch(Sources{
		Usage: fakeUsage, BlobDir: t.TempDir(), Pebble: store.Metrics, Pool: pool.Stat,
		Queues: []QueueSource{{Kind: "notify", Read: func(context.Context) ([]QueueLength, error) {
			return []QueueLength{{Target: "arn", Pending: 1, Lag: time.Second}}, nil
		}}},
	})
	m.Observe(&httpapi.RequestRecord{API: "PutObject", Status: 503, ErrorCode: "SlowDown", BytesIn: 1, BytesOut: 1})
	m.CountKMS(fakeKMS{}).Keys(context.Background())
	return m
}

// Every metric the dashboard queries is one the server exposes, so the
// dashboard cannot drift from the metrics.
func TestDashboardQueriesExposedMetrics(t *testing.T) {
	fams := families(t, fullMetrics(t))
	names := exposedNames(fams)
	used := map[string]bool{}
	for _, expr := range dashboardExpressions(t) {
		for _, name := range metricName.FindAllString(expr, -1) {
			used[name] = true
			if !names[name] {
				t.Errorf("the dashboard queries %s, which the server does not expose (in %s)", name, expr)
			}
		}
	}
	for name := range fams {
		if strings.HasPrefix(name, "kura_") && !used[name] && !used[name+"_bucket"] {
			t.Logf("not on the dashboard: %s", name)
		}
	}
}

package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// sourceCollector reads the Sources at scrape time. Each source runs
// under its own timeout; one that fails is logged, reported as down in
// kura_metrics_source_up, and left out, so that one slow or broken
// source never costs the whole scrape.
type sourceCollector struct {
	src     Sources
	timeout time.Duration
	log     *slog.Logger
	readers []sourceReader
}

// sourceReader is one source: its name, the families it may emit, and
// how it reads them.
type sourceReader struct {
	name  string
	descs []*prometheus.Desc
	read  func(ctx context.Context, emit func(prometheus.Metric)) error
}

var sourceUp = prometheus.NewDesc("kura_metrics_source_up",
	"Whether a scrape-time source (usage, blob_store, queue:<kind>, pebble, postgres_pool) was read at this scrape (1) or failed and was left out (0).",
	[]string{"source"}, nil)

func newSourceCollector(src Sources, timeout time.Duration, log *slog.Logger) *sourceCollector {
	c := &sourceCollector{src: src, timeout: timeout, log: log}
	if src.Usage != nil {
		c.readers = append(c.readers, usageReader(src.Usage))
	}
	if src.BlobDir != "" {
		c.readers = append(c.readers, blobSpaceReader(src.BlobDir))
	}
	for _, q := range src.Queues {
		c.readers = append(c.readers, queueReader(q))
	}
	if src.Pebble != nil {
		c.readers = append(c.readers, pebbleReader(src.Pebble))
	}
	if src.Pool != nil {
		c.readers = append(c.readers, poolReader(src.Pool))
	}
	return c
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- sourceUp
	seen := map[*prometheus.Desc]bool{}
	for _, r := range c.readers {
		for _, d := range r.descs {
			if !seen[d] {
				seen[d] = true
				ch <- d
			}
		}
	}
}

// Collect reads the sources at once, each under the timeout, so that a
// scrape waits for the slowest source rather than for all of them in
// turn. A source's metrics are collected whole or not at all: what it
// sent before failing is dropped, so that a scrape never shows half a
// source as if it were all of it.
func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	got := make([][]prometheus.Metric, len(c.readers))
	errs := make([]error, len(c.readers))
	var wg sync.WaitGroup
	for i, r := range c.readers {
		wg.Go(func() { got[i], errs[i] = c.readOne(r) })
	}
	wg.Wait()
	for i, r := range c.readers {
		up := 1.0
		if errs[i] != nil {
			up = 0
			c.log.Warn("metrics source left out of the scrape", "source", r.name, "err", errs[i])
		}
		for _, m := range got[i] {
			ch <- m
		}
		ch <- prometheus.MustNewConstMetric(sourceUp, prometheus.GaugeValue, up, r.name)
	}
}

func (c *sourceCollector) readOne(r sourceReader) ([]prometheus.Metric, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	type result struct {
		got []prometheus.Metric
		err error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			// A source must never take the server down with it.
			if p := recover(); p != nil {
				res.err = fmt.Errorf("source panicked: %v", p)
			}
			done <- res
		}()
		res.err = r.read(ctx, func(m prometheus.Metric) { res.got = append(res.got, m) })
	}()
	select {
	case res := <-done:
		if res.err != nil {
			return nil, res.err
		}
		return res.got, nil
	case <-ctx.Done():
		// A source that does not heed its context finishes on its own
		// goroutine; its figures are dropped.
		return nil, ctx.Err()
	}
}

package loadgen

import (
	"context"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
)

func TestRunEveryWorkload(t *testing.T) {
	s := kuratest.NewServer(t)
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, "bench", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for name := range Workloads {
		size := int64(4096)
		if name == OpMultipart {
			size = 6 << 20
		}
		var progressed int64
		rep, err := Run(ctx, Config{
			Client: s.Client, Bucket: "bench", Workload: name, Size: size, Concurrency: 4, Ops: 40,
			Objects: 20, Prefixes: 3, Progress: func(n int64) { progressed = max(progressed, n) },
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var count, errs int64
		for _, op := range rep.Ops {
			count += op.Count
			errs += op.Errors
			if op.Count > 0 && (op.P50 <= 0 || op.Max < op.P99 || op.P99 < op.P50) {
				t.Errorf("%s/%s: latencies %v %v %v %v", name, op.Op, op.P50, op.P90, op.P99, op.Max)
			}
		}
		if count+errs != 40 || progressed != 40 {
			t.Errorf("%s: %d ops, %d errors, progress %d; want 40", name, count, errs, progressed)
		}
		if errs != 0 {
			t.Errorf("%s: %d errors, first %s", name, errs, rep.FirstError)
		}
	}
	if _, err := Run(ctx, Config{Client: s.Client, Bucket: "bench", Workload: "nope"}); err == nil {
		t.Fatal("unknown workload ran")
	}
}

func TestMixPicks(t *testing.T) {
	m := cumulative(Workloads["mixed"])
	counts := map[string]int{}
	for n := range 100 {
		counts[m.pick(n)]++
	}
	if counts[OpGet] != 45 || counts[OpPut] != 15 || counts[OpStat] != 30 || counts[OpDelete] != 10 {
		t.Fatalf("mixed: %v", counts)
	}
}

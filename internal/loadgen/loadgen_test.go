package loadgen

import (
	"context"
	"testing"

	"github.com/kurastore/kura/checksum"
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

// Writes send the checksum asked for, or none: the objects then carry
// the server's default CRC64NVME.
func TestRunChecksumChoice(t *testing.T) {
	s := kuratest.NewServer(t)
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, "bench", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg  Config
		want checksum.Algorithm
	}{
		{Config{}, client.DefaultChecksum},
		{Config{Checksum: checksum.SHA1}, checksum.SHA1},
		{Config{NoChecksum: true}, checksum.CRC64NVME},
	} {
		cfg := c.cfg
		cfg.Client, cfg.Bucket, cfg.Workload, cfg.Size, cfg.Concurrency, cfg.Ops = s.Client, "bench", OpPut, 100, 1, 1
		cfg.Prefixes = 1
		if _, err := Run(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		var found bool
		for obj, err := range s.Client.ListObjects(ctx, "bench", client.ListObjectsOptions{Recursive: true}) {
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.Client.StatObject(ctx, "bench", obj.Key, client.StatObjectOptions{ChecksumMode: true})
			if err != nil {
				t.Fatalf("%q: %v", obj.Key, err)
			}
			if st.Checksums[c.want] == "" || len(st.Checksums) != 1 {
				t.Errorf("%+v: checksums %v, want %s", c.cfg, st.Checksums, c.want)
			}
			if err := s.Client.RemoveObject(ctx, "bench", obj.Key, client.RemoveObjectOptions{}); err != nil {
				t.Fatal(err)
			}
			found = true
		}
		if !found {
			t.Fatalf("%+v wrote nothing", c.cfg)
		}
	}
}

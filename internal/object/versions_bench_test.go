package object

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

// fill writes keys × versions small objects into bucket, which
// benchLayer made, through batches that commit thousands of versions at
// once.
func fill(b *testing.B, l *Layer, bucket string, keys, versions int, versioned bool) {
	b.Helper()
	ctx := context.Background()
	if versioned {
		if err := l.SetBucketVersioning(ctx, bucket, VersioningConfig{Status: VersioningEnabled}); err != nil {
			b.Fatal(err)
		}
	}
	batch, err := l.NewBatch(ctx, bucket)
	if err != nil {
		b.Fatal(err)
	}
	for v := range versions {
		for k := range keys {
			data := []byte(fmt.Sprintf("%d/%d", k, v))
			if err := batch.Add(BatchEntry{Key: fmt.Sprintf("key/%06d", k), Body: bytes.NewReader(data), Opts: PutOptions{Size: int64(len(data))}}); err != nil {
				b.Fatal(err)
			}
			if batch.Len() == 5000 {
				if err := batch.Commit(); err != nil {
					b.Fatal(err)
				}
				if batch, err = l.NewBatch(ctx, bucket); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	if err := batch.Commit(); err != nil {
		b.Fatal(err)
	}
}

func benchListVersions(b *testing.B, keys, versions int) {
	l := benchLayer(b, Options{GCDelay: time.Hour})
	fill(b, l, "bkt", keys, versions, true)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	total := 0
	for range b.N {
		opts := VersionListOptions{MaxKeys: MaxListKeys}
		for {
			res, err := l.ListObjectVersions(ctx, "bkt", opts)
			if err != nil {
				b.Fatal(err)
			}
			total += len(res.Versions)
			if !res.IsTruncated {
				break
			}
			opts.KeyMarker, opts.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
		}
	}
	if total != keys*versions*b.N {
		b.Fatalf("listed %d versions, want %d", total, keys*versions*b.N)
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkListVersions lists every version in pages of 1000: one key with
// 10,000 versions, and 100k keys with 3 versions each.
func BenchmarkListVersions(b *testing.B) {
	b.Run("1key-10000versions", func(b *testing.B) { benchListVersions(b, 1, 10000) })
	b.Run("100000keys-3versions", func(b *testing.B) { benchListVersions(b, 100000, 3) })
}

// BenchmarkHeadLatest compares reading the latest version of a key that
// has 3 versions with reading an unversioned key: both are one seek.
func BenchmarkHeadLatest(b *testing.B) {
	for _, versioned := range []bool{false, true} {
		name := "unversioned"
		if versioned {
			name = "versioned-3"
		}
		b.Run(name, func(b *testing.B) {
			l := benchLayer(b, Options{GCDelay: time.Hour})
			fill(b, l, "bkt", 10000, 3, versioned)
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				if _, err := l.HeadObject(ctx, "bkt", fmt.Sprintf("key/%06d", i%10000), GetOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

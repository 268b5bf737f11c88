package client_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/kurastore/kura/client"
)

// benchClient is one client's PUT and GET, as the benchmarks drive them.
type benchClient struct {
	name string
	put  func(key string, data []byte) error
	get  func(key string) (int64, error)
}

func benchClients(b *testing.B, c *client.Client, mc *minio.Client) []benchClient {
	ctx := context.Background()
	return []benchClient{
		{
			name: "sdk",
			put: func(key string, data []byte) error {
				_, err := c.PutObject(ctx, testBucket, key, bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{})
				return err
			},
			get: func(key string) (int64, error) {
				obj, err := c.GetObject(ctx, testBucket, key, client.GetObjectOptions{})
				if err != nil {
					return 0, err
				}
				defer obj.Close()
				return io.Copy(io.Discard, obj)
			},
		},
		{
			name: "minio-go",
			put: func(key string, data []byte) error {
				_, err := mc.PutObject(ctx, testBucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
				return err
			},
			get: func(key string) (int64, error) {
				obj, err := mc.GetObject(ctx, testBucket, key, minio.GetObjectOptions{})
				if err != nil {
					return 0, err
				}
				defer obj.Close()
				return io.Copy(io.Discard, obj)
			},
		},
	}
}

// BenchmarkObjects compares the SDK with minio-go, both with their
// default options, on the same kura (another process): PUT and GET of 4 KiB and
// 64 MiB objects.
func BenchmarkObjects(b *testing.B) {
	s := newObjectServer(b)
	clients := benchClients(b, s.Client, newMinio(b, s))
	sizes := []struct {
		name string
		size int
	}{{"4KiB", 4 << 10}, {"64MiB", 64 << 20}}
	for _, sz := range sizes {
		data := randomData(sz.size, 42)
		b.Run("PUT-"+sz.name, func(b *testing.B) {
			for _, c := range clients {
				b.Run(c.name, func(b *testing.B) {
					b.SetBytes(int64(sz.size))
					for b.Loop() {
						if err := c.put("bench-put-"+c.name, data); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
		b.Run("GET-"+sz.name, func(b *testing.B) {
			for _, c := range clients {
				key := "bench-get-" + c.name
				if err := c.put(key, data); err != nil {
					b.Fatal(err)
				}
				b.Run(c.name, func(b *testing.B) {
					b.SetBytes(int64(sz.size))
					for b.Loop() {
						if n, err := c.get(key); err != nil || n != int64(sz.size) {
							b.Fatalf("read %d bytes: %v", n, err)
						}
					}
				})
			}
		})
	}
}

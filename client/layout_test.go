package client

import (
	"errors"
	"slices"
	"testing"
)

// These limits would take tens of gigabytes to reach by uploading, so
// they are checked on the plan an upload starts from.

func planLayout(t *testing.T, sizes []int64) (partLayout, error) {
	t.Helper()
	c, err := New("127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range sizes {
		total += n
	}
	plan, err := c.newUploadPlan("bucket", "key", total, PutObjectOptions{PartSizes: sizes})
	if err != nil {
		return partLayout{}, err
	}
	return plan.layout, nil
}

func repeated(n int, size int64) []int64 {
	sizes := make([]int64, n)
	for i := range sizes {
		sizes[i] = size
	}
	return sizes
}

func TestPartSizesLimits(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int64
		ok    bool
	}{
		{"10,000 parts", repeated(maxPartNumber, minPartSize), true},
		{"10,001 parts", repeated(maxPartNumber+1, minPartSize), false},
		{"a 5 GiB part", []int64{maxPartSize, 1}, true},
		{"a 5 GiB + 1 part", []int64{maxPartSize + 1, 1}, false},
		{"a last part of 5 GiB", []int64{minPartSize, maxPartSize}, true},
		{"a last part of 5 GiB + 1", []int64{minPartSize, maxPartSize + 1}, false},
		{"a single PUT of 5 GiB", []int64{maxPartSize}, true},
		{"a single PUT of 5 GiB + 1", []int64{maxPartSize + 1}, false},
		{"a 5 MiB part before the last", []int64{minPartSize, 1}, true},
		{"a 5 MiB - 1 part before the last", []int64{minPartSize - 1, 1}, false},
		{"a single empty PUT", []int64{0}, true},
		{"5 TiB in all", repeated(maxObjectSize/maxPartSize, maxPartSize), true},
		{"5 TiB + 1 in all", append(repeated(maxObjectSize/maxPartSize, maxPartSize), 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layout, err := planLayout(t, tt.sizes)
			if !tt.ok {
				if !errors.Is(err, ErrInvalidArgument) {
					t.Fatalf("error %v, want ErrInvalidArgument", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(layout.sizes, tt.sizes) {
				t.Errorf("layout of %d parts, want %d", len(layout.sizes), len(tt.sizes))
			}
			if got := layout.of(len(tt.sizes) + 1); got != 0 {
				t.Errorf("a part past the layout has %d bytes", got)
			}
		})
	}
}

// TestPartSizesCopied checks that the plan keeps its own copy of the
// sizes, so that a caller changing its slice during an upload changes
// nothing.
func TestPartSizesCopied(t *testing.T) {
	sizes := []int64{minPartSize, 1}
	layout, err := planLayout(t, sizes)
	if err != nil {
		t.Fatal(err)
	}
	sizes[1] = 2
	if layout.of(2) != 1 {
		t.Errorf("the plan follows the caller's slice")
	}
}

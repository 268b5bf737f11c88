package dirstore

import (
	"os"
	"testing"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/blob/blobtest"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, blobtest.Harness{
		New: func(t *testing.T) blob.Store {
			s, err := Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Corrupt: func(t *testing.T, s blob.Store, id blob.ID, d blobtest.Damage) {
			p := s.(*Store).path(id)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			switch d {
			case blobtest.FlipDataBit:
				data[12+blob.BlockSize+4+100] ^= 0x10 // inside the second block
			case blobtest.FlipCRCBit:
				data[12+blob.BlockSize] ^= 0x01 // the first block's checksum
			case blobtest.Truncate:
				data = data[:len(data)-1]
			case blobtest.Append:
				data = append(data, 0)
			}
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
		},
	})
}

package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kurastore/kura/internal/kms"
)

// CountKMS returns k with every call counted in kura_kms_calls_total.
func (m *Metrics) CountKMS(k kms.KMS) kms.KMS {
	c := &countedKMS{KMS: k, calls: map[string][2]prometheus.Counter{}}
	for _, op := range []string{"CreateKey", "Keys", "GenerateKey", "Decrypt"} {
		c.calls[op] = [2]prometheus.Counter{
			m.kmsCalls.WithLabelValues(op, "success"),
			m.kmsCalls.WithLabelValues(op, "error"),
		}
	}
	return c
}

// countedKMS counts the calls to the KMS it wraps; its counters are
// looked up once.
type countedKMS struct {
	kms.KMS
	calls map[string][2]prometheus.Counter
}

func (c *countedKMS) count(op string, err error) {
	i := 0
	if err != nil {
		i = 1
	}
	c.calls[op][i].Inc()
}

func (c *countedKMS) CreateKey(ctx context.Context, id string) error {
	err := c.KMS.CreateKey(ctx, id)
	c.count("CreateKey", err)
	return err
}

func (c *countedKMS) Keys(ctx context.Context) ([]string, error) {
	keys, err := c.KMS.Keys(ctx)
	c.count("Keys", err)
	return keys, err
}

func (c *countedKMS) GenerateKey(ctx context.Context, id string, context []byte) (kms.DataKey, error) {
	k, err := c.KMS.GenerateKey(ctx, id, context)
	c.count("GenerateKey", err)
	return k, err
}

func (c *countedKMS) Decrypt(ctx context.Context, id string, sealed, context []byte) ([]byte, error) {
	p, err := c.KMS.Decrypt(ctx, id, sealed, context)
	c.count("Decrypt", err)
	return p, err
}

package sql

import (
	"math"
	"strconv"
	"time"
)

// AppendFloat appends f as S3 Select writes numbers: no exponent for
// ordinary magnitudes, and always a digit after the point (1.0, 0.25).
func AppendFloat(dst []byte, f float64) []byte {
	if math.Abs(f) < 1e21 && (f == 0 || math.Abs(f) >= 1e-7) {
		n := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		for _, c := range dst[n:] {
			if c == '.' {
				return dst
			}
		}
		return append(dst, ".0"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// AppendTimestamp appends t as S3 Select writes timestamps: ISO 8601
// with its offset, and a fraction of a second only when there is one.
func AppendTimestamp(dst []byte, t time.Time) []byte {
	return t.AppendFormat(dst, timestampLayout)
}

const timestampLayout = "2006-01-02T15:04:05.999999999Z07:00"

package parquetin

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// converter returns the function that turns the values of the leaf e
// into S3 Select values: bool, int64, float64, string or time.Time.
//
// Integers are int64 (unsigned 64-bit ones above the int64 range become
// float64), DECIMAL is float64, DATE, TIMESTAMP and INT96 are UTC
// timestamps, TIME is its "15:04:05.999999999" text, UUID its canonical
// text. Byte arrays without an annotation are read as strings of their
// bytes, as Hive and Spark read such columns; FLOAT16 is float64.
func converter(e *format.SchemaElement) func(parquet.Value) any {
	typ, _ := e.Type.Get()
	ct, hasCT := e.ConvertedType.Get()
	if !hasCT {
		ct = -1
	}
	switch lt := e.LogicalType.Value.(type) {
	case *format.DecimalType:
		return decimalConverter(typ, int(lt.Scale))
	case *format.DateType:
		return dateValue
	case *format.TimestampType:
		return timestampConverter(lt.Unit)
	case *format.TimeType:
		return timeConverter(lt.Unit)
	case *format.IntType:
		if !lt.IsSigned {
			return unsignedValue
		}
	case *format.UUIDType:
		if typ == format.FixedLenByteArray {
			return uuidValue
		}
	case *format.Float16Type:
		if typ == format.FixedLenByteArray {
			return float16Value
		}
	}
	switch ct {
	case deprecated.Decimal:
		scale, _ := e.Scale.Get()
		return decimalConverter(typ, int(scale))
	case deprecated.Date:
		return dateValue
	case deprecated.TimestampMillis:
		return timestampConverter(format.TimeUnit{Value: &format.MilliSeconds{}})
	case deprecated.TimestampMicros:
		return timestampConverter(format.TimeUnit{Value: &format.MicroSeconds{}})
	case deprecated.TimeMillis:
		return timeConverter(format.TimeUnit{Value: &format.MilliSeconds{}})
	case deprecated.TimeMicros:
		return timeConverter(format.TimeUnit{Value: &format.MicroSeconds{}})
	case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
		return unsignedValue
	}
	return physicalValue
}

// physicalValue is the value of a leaf without a logical type that
// changes its meaning.
func physicalValue(v parquet.Value) any {
	switch v.Kind() {
	case parquet.Boolean:
		return v.Boolean()
	case parquet.Int32:
		return int64(v.Int32())
	case parquet.Int64:
		return v.Int64()
	case parquet.Int96:
		return int96Time(v.Int96())
	case parquet.Float:
		return float64(v.Float())
	case parquet.Double:
		return v.Double()
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	}
	return nil
}

// unsignedValue reads INT32 and INT64 bits as unsigned.
func unsignedValue(v parquet.Value) any {
	switch v.Kind() {
	case parquet.Int32:
		return int64(uint32(v.Int32()))
	case parquet.Int64:
		u := uint64(v.Int64())
		if u > math.MaxInt64 {
			return float64(u)
		}
		return int64(u)
	}
	return physicalValue(v)
}

func decimalConverter(typ format.Type, scale int) func(parquet.Value) any {
	div := math.Pow10(scale)
	return func(v parquet.Value) any {
		switch typ {
		case format.Int32:
			return float64(v.Int32()) / div
		case format.Int64:
			return float64(v.Int64()) / div
		case format.ByteArray, format.FixedLenByteArray:
			return bigEndianDecimal(v.ByteArray(), div)
		}
		return physicalValue(v)
	}
}

// bigEndianDecimal is the two's complement big-endian unscaled value b
// divided by div.
func bigEndianDecimal(b []byte, div float64) float64 {
	if len(b) <= 8 {
		var u uint64
		for _, c := range b {
			u = u<<8 | uint64(c)
		}
		if len(b) > 0 && len(b) < 8 && b[0]&0x80 != 0 {
			u |= math.MaxUint64 << (8 * len(b)) // sign-extend
		}
		return float64(int64(u)) / div
	}
	n := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	f, _ := new(big.Float).SetInt(n).Float64()
	return f / div
}

const secondsPerDay = 86400

func dateValue(v parquet.Value) any {
	if v.Kind() != parquet.Int32 {
		return physicalValue(v)
	}
	return time.Unix(int64(v.Int32())*secondsPerDay, 0).UTC()
}

// unitNanos is the number of nanoseconds in one tick of u.
func unitNanos(u format.TimeUnit) int64 {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return int64(time.Millisecond)
	case *format.MicroSeconds:
		return int64(time.Microsecond)
	}
	return 1
}

// timestampConverter reads timestamps as UTC instants. Timestamps not
// adjusted to UTC (local date-times) are read as if they were UTC, the
// only zone S3 Select timestamps have without an offset.
func timestampConverter(u format.TimeUnit) func(parquet.Value) any {
	per := unitNanos(u)
	return func(v parquet.Value) any {
		var n int64
		switch v.Kind() {
		case parquet.Int64:
			n = v.Int64()
		case parquet.Int96:
			return int96Time(v.Int96())
		default:
			return physicalValue(v)
		}
		sec, rem := n/(int64(time.Second)/per), n%(int64(time.Second)/per)
		return time.Unix(sec, rem*per).UTC()
	}
}

// int96Time reads the INT96 timestamps of Impala and Hive: nanoseconds of
// the day, then the Julian day number.
func int96Time(i deprecated.Int96) time.Time {
	const julianUnixEpoch = 2440588
	nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
	days := int64(i[2]) - julianUnixEpoch
	return time.Unix(days*secondsPerDay, 0).Add(time.Duration(nanos)).UTC()
}

// timeConverter writes a time of day as text: S3 Select has no type for
// it.
func timeConverter(u format.TimeUnit) func(parquet.Value) any {
	per := unitNanos(u)
	return func(v parquet.Value) any {
		var n int64
		switch v.Kind() {
		case parquet.Int32:
			n = int64(v.Int32())
		case parquet.Int64:
			n = v.Int64()
		default:
			return physicalValue(v)
		}
		d := time.Duration(n * per)
		return time.Unix(0, 0).UTC().Add(d).Format("15:04:05.999999999")
	}
}

func uuidValue(v parquet.Value) any {
	b := v.ByteArray()
	if len(b) != 16 {
		return string(b)
	}
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// float16Value reads an IEEE 754 half-precision number, stored little
// endian.
func float16Value(v parquet.Value) any {
	b := v.ByteArray()
	if len(b) != 2 {
		return string(b)
	}
	h := binary.LittleEndian.Uint16(b)
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}

// formatKey writes a MAP key as the name of an object member.
func formatKey(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case int64:
		return strconv.FormatInt(k, 10)
	case float64:
		return strconv.FormatFloat(k, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(k)
	case time.Time:
		return k.Format(time.RFC3339Nano)
	case nil:
		return "null"
	}
	return ""
}

package s3select

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics and that a valid request
// survives Encode and Parse unchanged.
func FuzzParse(f *testing.F) {
	if example, err := os.ReadFile("testdata/csv.xml"); err == nil {
		f.Add(example)
	}
	f.Add([]byte(`<SelectObjectContentRequest><Expression>SELECT 1</Expression><ExpressionType>SQL</ExpressionType><InputSerialization><JSON><Type>LINES</Type></JSON></InputSerialization><OutputSerialization><CSV/></OutputSerialization><ScanRange><Start>0</Start></ScanRange></SelectObjectContentRequest>`))
	f.Add([]byte(`<SelectObjectContentRequest><Expression>x</Expression><ExpressionType>SQL</ExpressionType><InputSerialization><Parquet/></InputSerialization><OutputSerialization><JSON/></OutputSerialization></SelectObjectContentRequest>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(bytes.NewReader(data))
		if err != nil || r.Validate() != nil {
			return
		}
		enc, err := r.Encode()
		if err != nil {
			t.Fatalf("Encode of a valid request: %v", err)
		}
		again, err := Parse(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("Parse(Encode()) = %v for %s", err, enc)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("round trip changed\n%+v\ninto\n%+v", r, again)
		}
	})
}

// FuzzDecode checks that decoding never panics and that every message
// it returns encodes to bytes that decode to the same message.
func FuzzDecode(f *testing.F) {
	var seed []byte
	for _, m := range []*Message{RecordsMessage([]byte("1,2\n")), StatsMessage(Stats{1, 2, 3}), EndMessage(), ErrorMessage("E", "m")} {
		seed, _ = AppendMessage(seed, m)
	}
	f.Add(seed)
	f.Add([]byte{})
	f.Add(sealed([]byte{1, 'a', 4, 0, 0, 0, 1, 1, 'b', 7, 0, 1, 'c'}))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bytes.NewReader(data))
		for {
			m, err := d.Decode()
			if err != nil {
				return
			}
			enc, err := AppendMessage(nil, m)
			if err != nil {
				t.Fatalf("re-encoding a decoded message: %v", err)
			}
			again, err := NewDecoder(bytes.NewReader(enc)).Decode()
			if err != nil || !reflect.DeepEqual(m, again) {
				t.Fatalf("round trip changed %+v into %+v (%v)", m, again, err)
			}
		}
	})
}

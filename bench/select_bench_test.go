package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/loadgen"
	"github.com/kurastore/kura/wire/s3select"
)

// TestSelectVsMinIO runs the same S3 Select queries on kura and on MinIO,
// each its own process on loopback, over the same generated objects
// (CSV, JSON lines and a Parquet file of 20 columns), and reports how
// many MB/s of object each scans and the ratio, and each server's CPU
// time per GB scanned (steadier than throughput when other work shares
// the machine). It also reports each server's peak resident memory
// (VmHWM, reset through clear_refs) while it answers the queries over a
// 4 MiB object and over the big one. It is skipped unless MinIO is given, by -select.minio or
// KURA_BENCH_MINIO. The figures in README.md come from
//
//	go test ./bench -run 'TestSelectVsMinIO$' -v -timeout 60m \
//	    -select.minio /tmp/minio-bin/minio -select.mib 1024
//
// It checks that both servers give the same answers, never how fast:
// the figures are for reading.
var (
	selMinIO = flag.String("select.minio", os.Getenv("KURA_BENCH_MINIO"), "MinIO binary TestSelectVsMinIO compares with (default $KURA_BENCH_MINIO; skipped without one)")
	selMiB   = flag.Int("select.mib", 8, "size of TestSelectVsMinIO's big objects in MiB, each format")
	selRuns  = flag.Int("select.runs", 1, "how often TestSelectVsMinIO runs each query on each server (the fastest run counts)")
	selOnly  = flag.String("select.formats", "", "comma-separated formats TestSelectVsMinIO runs (CSV, JSON, Parquet; default all)")
)

// selectedFormat reports whether -select.formats names the format (by
// the first word of its name).
func selectedFormat(name string) bool {
	if *selOnly == "" {
		return true
	}
	first, _, _ := strings.Cut(name, " ")
	for f := range strings.SplitSeq(*selOnly, ",") {
		if strings.EqualFold(strings.TrimSpace(f), strings.TrimSuffix(first, ",")) {
			return true
		}
	}
	return false
}

// smallObjectBytes is the size of the objects the memory of the big ones
// is compared with.
const smallObjectBytes = 4 << 20

type selectQuery struct {
	name, sql string
}

type selectFormat struct {
	name    string
	input   s3select.InputSerialization
	write   func(w io.Writer, size int64) error
	queries []selectQuery
}

var selectFormats = []selectFormat{
	{
		name:  "CSV",
		input: s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse}},
		write: writeSelectCSV,
		queries: []selectQuery{
			{"selective WHERE", "SELECT s.id FROM S3Object s WHERE CAST(s.amount AS FLOAT) > 990"},
			{"COUNT(*), SUM", "SELECT COUNT(*), SUM(CAST(s.amount AS FLOAT)) FROM S3Object s"},
			{"2-column projection", "SELECT s.id, s.amount FROM S3Object s"},
		},
	},
	{
		name:  "JSON lines",
		input: s3select.InputSerialization{JSON: &s3select.JSONInput{Type: s3select.JSONLines}},
		write: writeSelectJSON,
		queries: []selectQuery{
			{"selective WHERE", "SELECT s.id FROM S3Object s WHERE s.amount > 990"},
			{"COUNT(*), SUM", "SELECT COUNT(*), SUM(s.amount) FROM S3Object s"},
			{"2-column projection", "SELECT s.id, s.amount FROM S3Object s"},
		},
	},
	{
		name:  "Parquet, 20 columns",
		input: s3select.InputSerialization{Parquet: &s3select.ParquetInput{}},
		write: writeSelectParquet,
		queries: []selectQuery{
			{"selective WHERE", "SELECT s.id FROM S3Object s WHERE s.amount > 990"},
			{"COUNT(*), SUM", "SELECT COUNT(*), SUM(s.amount) FROM S3Object s"},
			{"2-column projection", "SELECT s.id, s.amount FROM S3Object s"},
		},
	},
}

// selectRow is one row of the generated objects: id, amount (0 to
// 999.99, so that amount > 990 keeps about 1% of rows) and 18 more
// columns of ints and short strings.
type selectRow struct {
	ID     int64   `parquet:"id"`
	Amount float64 `parquet:"amount"`
	Name   string  `parquet:"name"`
	City   string  `parquet:"city"`
	Qty    int64   `parquet:"qty"`
	Flag   bool    `parquet:"flag"`
	C6     int64   `parquet:"c6"`
	C7     string  `parquet:"c7"`
	C8     int64   `parquet:"c8"`
	C9     string  `parquet:"c9"`
	C10    int64   `parquet:"c10"`
	C11    string  `parquet:"c11"`
	C12    int64   `parquet:"c12"`
	C13    string  `parquet:"c13"`
	C14    int64   `parquet:"c14"`
	C15    string  `parquet:"c15"`
	C16    int64   `parquet:"c16"`
	C17    string  `parquet:"c17"`
	C18    int64   `parquet:"c18"`
	C19    string  `parquet:"c19"`
}

var selectCities = []string{"Tokyo", "Lisbon", "Nairobi", "Lima", "Oslo", "Hanoi", "Quito", "Perth"}

// rowValues are row i's id, amount, name, city, qty and flag, spread by
// a multiplicative hash so that neighbouring rows differ.
func rowValues(i int64) (id int64, amount float64, name, city string, qty int64, flag bool) {
	h := uint64(i) * 0x9E3779B97F4A7C15
	return i, float64(h>>20%100000) / 100, "name" + strconv.FormatInt(i, 10), selectCities[h>>8%8], int64(h >> 40 % 1000), h&1 == 1
}

func appendCSVRow(b []byte, i int64) []byte {
	id, amount, name, city, qty, flag := rowValues(i)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, amount, 'f', 2, 64)
	b = append(b, ',')
	b = append(b, name...)
	b = append(b, ',')
	b = append(b, city...)
	b = append(b, ',')
	b = strconv.AppendInt(b, qty, 10)
	b = append(b, ',')
	b = strconv.AppendBool(b, flag)
	c6, c7, c8, c9 := moreValues(i, name, city)
	b = append(b, ',')
	b = strconv.AppendInt(b, c6, 10)
	b = append(b, ',')
	b = append(b, c7...)
	b = append(b, ',')
	b = strconv.AppendInt(b, c8, 10)
	b = append(b, ',')
	b = append(b, c9...)
	return append(b, '\n')
}

// moreValues are the last four of the CSV and JSON rows' ten columns,
// the Parquet file's C6 to C9.
func moreValues(i int64, name, city string) (c6 int64, c7 string, c8 int64, c9 string) {
	v := i * 7
	return v, name + "x", v % 1013, city + "y"
}

func appendJSONRow(b []byte, i int64) []byte {
	id, amount, name, city, qty, flag := rowValues(i)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"amount":`...)
	b = strconv.AppendFloat(b, amount, 'f', 2, 64)
	b = append(b, `,"name":"`...)
	b = append(b, name...)
	b = append(b, `","city":"`...)
	b = append(b, city...)
	b = append(b, `","qty":`...)
	b = strconv.AppendInt(b, qty, 10)
	b = append(b, `,"flag":`...)
	b = strconv.AppendBool(b, flag)
	c6, c7, c8, c9 := moreValues(i, name, city)
	b = append(b, `,"c6":`...)
	b = strconv.AppendInt(b, c6, 10)
	b = append(b, `,"c7":"`...)
	b = append(b, c7...)
	b = append(b, `","c8":`...)
	b = strconv.AppendInt(b, c8, 10)
	b = append(b, `,"c9":"`...)
	b = append(b, c9...)
	return append(b, "\"}\n"...)
}

// writeRows writes rows of text until size bytes are written.
func writeRows(w io.Writer, header string, size int64, row func([]byte, int64) []byte) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	n, _ := bw.WriteString(header)
	written := int64(n)
	var line []byte
	for i := int64(0); written < size; i++ {
		line = row(line[:0], i)
		bw.Write(line)
		written += int64(len(line))
	}
	return bw.Flush()
}

func writeSelectCSV(w io.Writer, size int64) error {
	return writeRows(w, "id,amount,name,city,qty,flag,c6,c7,c8,c9\n", size, appendCSVRow)
}

func writeSelectJSON(w io.Writer, size int64) error {
	return writeRows(w, "", size, appendJSONRow)
}

// countingWriter counts what goes through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeSelectParquet writes row groups of 64k rows, Snappy-compressed,
// until the file is about size bytes.
func writeSelectParquet(w io.Writer, size int64) error {
	cw := &countingWriter{w: w}
	const group = 1 << 16
	pw := parquet.NewGenericWriter[selectRow](cw, parquet.Compression(&parquet.Snappy), parquet.MaxRowsPerRowGroup(group))
	rows := make([]selectRow, 4096)
	for i := int64(0); ; {
		for j := range rows {
			r := &rows[j]
			r.ID, r.Amount, r.Name, r.City, r.Qty, r.Flag = rowValues(i)
			v := i * 7
			r.C6, r.C8, r.C10, r.C12, r.C14, r.C16, r.C18 = v, v+1, v%97, v%1013, v>>3, v^0x5555, v%7
			s := r.Name
			r.C7, r.C9, r.C11, r.C13, r.C15, r.C17, r.C19 = s, r.City, s+"x", r.City+"y", s, r.City, s
			i++
		}
		if _, err := pw.Write(rows); err != nil {
			return err
		}
		if i%group == 0 {
			if err := pw.Flush(); err != nil {
				return err
			}
			if cw.n >= size {
				return pw.Close()
			}
		}
	}
}

// selectServer is kura or MinIO, in its own process.
type selectServer struct {
	name   string
	cmd    *exec.Cmd
	client *client.Client
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startSelectServer(t *testing.T, name string, cmd *exec.Cmd, addr, access, secret string) *selectServer {
	t.Helper()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/minio/health/ready")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			c, err := client.New(addr, &client.Options{AccessKey: access, SecretKey: secret})
			if err != nil {
				t.Fatal(err)
			}
			return &selectServer{name: name, cmd: cmd, client: c}
		}
	}
	t.Fatalf("%s did not become ready", name)
	return nil
}

// cpu is the CPU time the server has used.
func (s *selectServer) cpu() time.Duration {
	c, _ := loadgen.ProcessCPU(s.cmd.Process.Pid)
	return c
}

// resetPeakRSS starts a new measure of the process's peak resident set.
func (s *selectServer) resetPeakRSS() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

// peakRSS is the process's peak resident set since resetPeakRSS, in MiB.
func (s *selectServer) peakRSS() float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// query runs sql over key and returns the results and how long it took.
func (s *selectServer) query(ctx context.Context, key string, in s3select.InputSerialization, sql string) (string, time.Duration, error) {
	began := time.Now()
	res, err := s.client.SelectObjectContent(ctx, "sel", key, &s3select.Request{
		Expression: sql, Input: in,
		Output: s3select.OutputSerialization{CSV: &s3select.CSVOutput{}},
	})
	if err != nil {
		return "", 0, err
	}
	defer res.Close()
	// Keep the first and last lines and the count: enough to check that
	// both servers agree without holding every record.
	var first, last string
	lines := 0
	sc := bufio.NewScanner(res)
	for sc.Scan() {
		if lines == 0 {
			first = sc.Text()
		}
		last = sc.Text()
		lines++
	}
	if err := sc.Err(); err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("%d lines, first %q, last %q", lines, first, last), time.Since(began), nil
}

// answersAgree compares two servers' answers, allowing floating-point
// sums to differ in their last digits (the order of adding differs).
func answersAgree(a, b string) bool {
	if a == b {
		return true
	}
	fa, fb := strings.FieldsFunc(a, splitAnswer), strings.FieldsFunc(b, splitAnswer)
	if len(fa) != len(fb) {
		return false
	}
	for i := range fa {
		if fa[i] == fb[i] {
			continue
		}
		x, errx := strconv.ParseFloat(fa[i], 64)
		y, erry := strconv.ParseFloat(fb[i], 64)
		if errx != nil || erry != nil || (x-y)/max(x, y, 1) > 1e-9 || (y-x)/max(x, y, 1) > 1e-9 {
			return false
		}
	}
	return true
}

func splitAnswer(r rune) bool { return r == ',' || r == '"' || r == ' ' }

func TestSelectVsMinIO(t *testing.T) {
	if *selMinIO == "" {
		t.Skip("no MinIO to compare with: give -select.minio or KURA_BENCH_MINIO")
	}
	ctx := context.Background()
	work := t.TempDir()
	kuraBin := filepath.Join(work, "kura")
	if out, err := exec.Command("go", "build", "-o", kuraBin, "github.com/kurastore/kura/cmd/kura").CombinedOutput(); err != nil {
		t.Fatalf("building kura: %v\n%s", err, out)
	}
	key := make([]byte, 12)
	rand.Read(key)
	access, secret := "BENCH"+hex.EncodeToString(key[:4]), hex.EncodeToString(key)
	env := append(os.Environ(), "KURA_ROOT_USER="+access, "KURA_ROOT_PASSWORD="+secret,
		"MINIO_ROOT_USER="+access, "MINIO_ROOT_PASSWORD="+secret, "MINIO_API_SELECT_PARQUET=on")
	kAddr, mAddr := freeAddr(t), freeAddr(t)
	kcmd := exec.Command(kuraBin, "server", "--address", kAddr, "--log-level", "error", filepath.Join(work, "kura-data"))
	kcmd.Env = env
	mcmd := exec.Command(*selMinIO, "server", "--address", mAddr, "--console-address", freeAddr(t), "--quiet", filepath.Join(work, "minio-data"))
	mcmd.Env = env
	servers := []*selectServer{
		startSelectServer(t, "kura", kcmd, kAddr, access, secret),
		startSelectServer(t, "MinIO", mcmd, mAddr, access, secret),
	}
	for _, s := range servers {
		if err := s.client.MakeBucket(ctx, "sel", client.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	big := int64(*selMiB) << 20
	type figure struct {
		format, query string
		mbps          [2]float64
		cpuPerGB      [2]float64 // the server's CPU seconds per GB scanned, over all runs
	}
	var figures []figure
	var memory []string
	for _, f := range selectFormats {
		if !selectedFormat(f.name) {
			continue
		}
		sizes := map[string]int64{}
		for _, obj := range []struct {
			key  string
			size int64
		}{{"small", smallObjectBytes}, {"big", big}} {
			began := time.Now()
			path := filepath.Join(work, obj.key)
			file, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.write(file, obj.size); err != nil {
				t.Fatal(err)
			}
			size, _ := file.Seek(0, io.SeekCurrent)
			sizes[obj.key] = size
			generated := time.Since(began)
			for _, s := range servers {
				if _, err := file.Seek(0, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				if _, err := s.client.PutObject(ctx, "sel", obj.key, file, size, client.PutObjectOptions{}); err != nil {
					t.Fatalf("%s: uploading %s %s: %v", s.name, f.name, obj.key, err)
				}
			}
			file.Close()
			os.Remove(path)
			t.Logf("%s %s: %.1f MiB, generated in %v, uploaded to both by %v", f.name, obj.key, float64(size)/(1<<20), generated.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
		}
		var peaks [2][2]float64 // server, small/big
		for i, s := range servers {
			if err := s.resetPeakRSS(); err != nil {
				t.Logf("cannot reset %s's peak RSS: %v", s.name, err)
			}
			for _, q := range f.queries {
				if _, _, err := s.query(ctx, "small", f.input, q.sql); err != nil {
					t.Fatalf("%s %s %s: %v", s.name, f.name, q.name, err)
				}
			}
			peaks[i][0] = s.peakRSS()
			if err := s.resetPeakRSS(); err != nil {
				t.Logf("cannot reset %s's peak RSS: %v", s.name, err)
			}
		}
		for _, q := range f.queries {
			var best, cpu [2]time.Duration
			var answers [2]string
			for run := range *selRuns {
				for j := range servers {
					i := (j + run) % 2 // alternate who goes first
					cpu0 := servers[i].cpu()
					answer, took, err := servers[i].query(ctx, "big", f.input, q.sql)
					cpu[i] += servers[i].cpu() - cpu0
					if err != nil {
						t.Fatalf("%s %s %s: %v", servers[i].name, f.name, q.name, err)
					}
					answers[i] = answer
					if best[i] == 0 || took < best[i] {
						best[i] = took
					}
				}
			}
			if !answersAgree(answers[0], answers[1]) {
				t.Errorf("%s %s: kura answered %s, MinIO %s", f.name, q.name, answers[0], answers[1])
			}
			fig := figure{format: f.name, query: q.name}
			for i := range servers {
				fig.mbps[i] = float64(sizes["big"]) / 1e6 / best[i].Seconds()
				fig.cpuPerGB[i] = cpu[i].Seconds() / (float64(sizes["big"]) * float64(*selRuns) / 1e9)
			}
			t.Logf("%s, %s: kura %.0f MB/s, MinIO %.0f MB/s; CPU s/GB kura %.2f, MinIO %.2f (%s)", f.name, q.name, fig.mbps[0], fig.mbps[1], fig.cpuPerGB[0], fig.cpuPerGB[1], answers[0])
			figures = append(figures, fig)
		}
		for i, s := range servers {
			peaks[i][1] = s.peakRSS()
		}
		memory = append(memory, fmt.Sprintf("%s: kura %.0f → %.0f MiB, MinIO %.0f → %.0f MiB (peak RSS over the queries on %.0f MiB → %.0f MiB)",
			f.name, peaks[0][0], peaks[0][1], peaks[1][0], peaks[1][1], float64(sizes["small"])/(1<<20), float64(sizes["big"])/(1<<20)))
		for _, s := range servers {
			for _, key := range []string{"small", "big"} {
				if err := s.client.RemoveObject(ctx, "sel", key, client.RemoveObjectOptions{}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| format | query | kura MB/s | MinIO MB/s | kura/MinIO | kura CPU s/GB | MinIO CPU s/GB | CPU MinIO/kura |\n|---|---|---|---|---|---|---|---|\n")
	for _, f := range figures {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %.2f× | %.2f | %.2f | %.2f× |\n", f.format, f.query, f.mbps[0], f.mbps[1], f.mbps[0]/f.mbps[1],
			f.cpuPerGB[0], f.cpuPerGB[1], f.cpuPerGB[1]/f.cpuPerGB[0])
	}
	for _, m := range memory {
		fmt.Fprintf(&b, "\n%s", m)
	}
	t.Log(b.String())
}

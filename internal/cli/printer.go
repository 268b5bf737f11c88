package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/kurastore/kura/client"
)

// A Record is one result of a command. Text is its line for a human;
// with --json the record itself is printed, marshalled by encoding/json,
// as one line with "status":"success" first.
type Record interface {
	Text() string
}

// Message is a Record that is only a sentence.
type Message struct {
	Message string `json:"message"`
}

// Text returns the sentence.
func (m Message) Text() string { return m.Message }

// Printer writes results to stdout and errors to stderr, as text or as
// JSON lines. It is safe for concurrent use: lines never interleave.
type Printer struct {
	mu          sync.Mutex
	out, errOut io.Writer
	json, quiet bool
}

// NewPrinter returns a printer; asJSON and quiet are --json and --quiet.
func NewPrinter(out, errOut io.Writer, asJSON, quiet bool) *Printer {
	return &Printer{out: out, errOut: errOut, json: asJSON, quiet: quiet}
}

// JSON reports --json.
func (p *Printer) JSON() bool { return p.json }

// Quiet reports --quiet: no progress display, no confirmations.
func (p *Printer) Quiet() bool { return p.quiet }

// Out is standard output, for a progress display or a command that
// streams data (cat). Writers to it should hold no lines of the printer
// half-written: Print writes whole lines.
func (p *Printer) Out() io.Writer { return p.out }

// Terminal reports whether standard output is a terminal, where progress
// bars make sense; otherwise progress is plain lines or nothing.
func (p *Printer) Terminal() bool {
	f, ok := p.out.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Print writes a result, which --quiet does not hide (a listing, a URL).
func (p *Printer) Print(r Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		p.writeJSON(p.out, "success", r)
		return
	}
	fmt.Fprintln(p.out, r.Text())
}

// Info writes a confirmation of something done ("Bucket created"), which
// --quiet hides in text mode; JSON lines are always written.
func (p *Printer) Info(r Record) {
	if p.quiet && !p.json {
		return
	}
	p.Print(r)
}

// errorRecord is an error as a JSON line.
type errorRecord struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message string `json:"message"`
	// Code is the S3 error code, when the server sent one.
	Code       string `json:"code,omitempty"`
	StatusCode int    `json:"httpStatus,omitempty"`
	RequestID  string `json:"requestId,omitempty"`
}

func (errorRecord) Text() string { return "" }

// Error writes err to standard error: "kura: <message>" or, with --json,
// a JSON line with "status":"error".
func (p *Printer) Error(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.json {
		fmt.Fprintln(p.errOut, "kura:", err)
		return
	}
	d := errorDetail{Message: err.Error()}
	var resp *client.ErrorResponse
	if errors.As(err, &resp) {
		d.Code, d.StatusCode, d.RequestID = resp.Code, resp.StatusCode, resp.RequestID
	}
	p.writeJSON(p.errOut, "error", errorRecord{Error: d})
}

// writeJSON writes r as one line with the status field first. A record
// that does not marshal to an object is wrapped as {"value": ...}.
func (p *Printer) writeJSON(w io.Writer, status string, r any) {
	body, err := json.Marshal(r)
	if err != nil {
		body, _ = json.Marshal(map[string]string{"message": fmt.Sprint(r)})
	}
	if len(body) < 2 || body[0] != '{' {
		body, _ = json.Marshal(map[string]json.RawMessage{"value": body})
	}
	var line bytes.Buffer
	line.WriteString(`{"status":`)
	statusJSON, _ := json.Marshal(status)
	line.Write(statusJSON)
	if len(body) > 2 {
		line.WriteByte(',')
	}
	line.Write(body[1:])
	line.WriteByte('\n')
	w.Write(line.Bytes())
}

// Package s3errtest holds what fuzzers of S3 request parsing check on
// every input: that an error is an S3 error, and that one input does not
// run forever.
package s3errtest

import (
	"errors"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

// RequireS3 fails t unless err is nil or an *s3err.Error: the HTTP layer
// turns any other error into a 500.
func RequireS3(t testing.TB, what string, err error) {
	t.Helper()
	var e *s3err.Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("%s: error %v (%T) is not an *s3err.Error", what, err, err)
	}
}

// InputBudget bounds the time of one fuzz input. go test -fuzz does not
// notice an input that hangs: the run stops at -fuzztime and passes. The
// watchdog's panic ends the fuzzing process instead, and the fuzzer
// writes the input to testdata/fuzz as a failure.
const InputBudget = 10 * time.Second

// Watchdog starts the watchdog of one input; defer the function it
// returns.
func Watchdog() func() bool {
	return time.AfterFunc(InputBudget, func() { panic("fuzz input ran longer than " + InputBudget.String()) }).Stop
}

package sql

import (
	"fmt"

	"github.com/kurastore/kura/s3err"
)

// Error is an error of an SQL expression: S3's error (code, status and a
// message naming the problem) and, for errors found while parsing, the
// byte offset in the expression where the problem starts.
type Error struct {
	// S3 is the S3 error to send: its code, HTTP status and a message
	// that says what went wrong.
	S3 *s3err.Error
	// Pos is the byte offset in the expression, or -1 when the error is
	// not tied to one place (most evaluation errors).
	Pos int
}

func (e *Error) Error() string {
	if e.Pos >= 0 {
		return fmt.Sprintf("%s at offset %d", e.S3.Error(), e.Pos)
	}
	return e.S3.Error()
}

// Unwrap makes errors.Is(err, s3err.ErrCastFailed) and s3err.From work.
func (e *Error) Unwrap() error { return e.S3 }

// Code is S3's error code, such as "ParseUnexpectedToken".
func (e *Error) Code() string { return e.S3.Code }

// errAt is a parse error at byte offset pos; detail, when set, replaces
// AWS's generic message so that the user sees what was found.
func errAt(base *s3err.Error, pos int, format string, args ...any) *Error {
	msg := base.Message
	if format != "" {
		msg = base.Message + " " + fmt.Sprintf(format, args...)
	}
	return &Error{S3: base.WithMessage("%s", msg), Pos: pos}
}

// evalErr is an error found while evaluating a record.
func evalErr(base *s3err.Error, format string, args ...any) *Error {
	return errAt(base, -1, format, args...)
}

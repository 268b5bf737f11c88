// Package crash is the kill -9 harness: it starts a real kura, runs
// concurrent writers against it, kills the server with SIGKILL at random
// moments, restarts it, and checks that every acknowledged write and
// delete held and that nothing unacknowledged is half-visible.
// TestKillNineTransitions does the same while lifecycle rules move
// objects to a directory tier, and checks that neither the tier nor the
// blob directory keeps anything that no version references.
// TestKillNineAccessLog kills the server while requests on a bucket with
// access logging run and their records are delivered, and checks that
// every answered request is logged exactly once, in order.
//
//	go test ./tests/crash -kills 1000
package crash

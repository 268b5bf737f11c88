// Package crash is the kill -9 harness: it starts a real kura, runs
// concurrent writers against it, kills the server with SIGKILL at random
// moments, restarts it, and checks that every acknowledged write and
// delete held and that nothing unacknowledged is half-visible.
//
//	go test ./tests/crash -kills 1000
package crash

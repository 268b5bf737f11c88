//go:build race

package crash

// raceBuild: this test binary runs under the race detector, so the kura
// that TestKillNineTransitions starts is built with -race too.
const raceBuild = true

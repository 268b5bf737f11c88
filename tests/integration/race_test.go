//go:build race

package integration

// raceBuild: this test binary runs under the race detector, so the kura
// it starts is built with -race too, and a race the server reports fails
// the test that stopped it.
const raceBuild = true

// Package bench holds kura's Go benchmarks over real HTTP: an in-process
// kura (Pebble metadata and a blob directory on disk) on a loopback
// listener, driven by net/http requests signed with package sigv4.
//
//	go test ./bench -run '^$' -bench . -benchtime 3s
package bench

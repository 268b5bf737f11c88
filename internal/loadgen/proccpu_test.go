package loadgen

import (
	"os"
	"testing"
	"time"
)

func TestProcessCPUCountsOwnWork(t *testing.T) {
	before, ok := ProcessCPU(os.Getpid())
	if !ok {
		t.Skip("no /proc here")
	}
	x := 0
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); {
		x++
	}
	after, _ := ProcessCPU(os.Getpid())
	if after <= before {
		t.Fatalf("CPU time did not grow over 300 ms of work: %v then %v (%d)", before, after, x)
	}
	if _, ok := ProcessCPU(-1); ok {
		t.Fatal("a process that cannot exist has a CPU time")
	}
}

package outbox

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestPokesCoalesce(t *testing.T) {
	w := NewWake()
	for range 5 {
		w.Poke()
	}
	<-w
	select {
	case <-w:
		t.Fatal("five pokes woke twice")
	default:
	}
}

func TestRelayFansPokesOut(t *testing.T) {
	in := NewWake()
	out := NewWake()
	var fans atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Relay(ctx, in, func() { fans.Add(1); out.Poke() }) }()
	in.Poke()
	<-out
	cancel()
	<-done
	if fans.Load() < 1 {
		t.Fatal("the poke was not passed on")
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	Sleep(ctx, time.Hour) // returns at once, or the test times out
}

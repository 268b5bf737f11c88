package targettest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/notify"
)

// CheckReconnect checks a target opened while p is stopped: a Send
// fails; then, twice over, once p has started deliver(round) succeeds
// (it sends m through tg and checks the server has it), and once p has
// stopped again a Send fails.
func CheckReconnect(t testing.TB, p *Process, tg notify.Target, m notify.Message, deliver func(round int)) {
	t.Helper()
	down := func(when string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := tg.Send(ctx, []notify.Message{m}); err == nil {
			t.Fatalf("Send %s succeeded", when)
		}
	}
	down("with the server down")
	for round := range 2 {
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		deliver(round)
		p.Stop()
		down(fmt.Sprintf("after stop %d", round))
	}
}

// CheckRestart checks a target opened while its server is down: a Ping
// fails; once start has run, a message for object "one" goes through;
// after stop and start, one for "two" does, sent again after each
// failure (the connection died with the server) until within has passed.
// The caller then checks that the server holds both, b/one and b/two.
func CheckRestart(t testing.TB, tg notify.Target, stop, start func(), within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := tg.Ping(ctx)
	cancel()
	if err == nil {
		t.Fatal("Ping succeeded with the server down")
	}
	start()
	MustSend(t, tg, Message("s3:ObjectCreated:Put", "one", false))
	stop()
	start()
	if err := RetrySend(tg, within, Message("s3:ObjectCreated:Put", "two", false)); err != nil {
		t.Fatalf("Send after the restart: %v", err)
	}
}

package pgstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/metatest"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var bg = context.Background()

func open(t testing.TB, conn string) *Store {
	t.Helper()
	s, err := Open(bg, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		return open(t, pgtest.Start(t))
	})
}

func set(t testing.TB, s meta.Store, kv ...string) {
	t.Helper()
	if err := s.Update(bg, nil, func(tx meta.Txn) error {
		for i := 0; i < len(kv); i += 2 {
			if err := tx.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func get(s meta.Store, key string) (string, error) {
	var v []byte
	err := s.View(bg, func(r meta.Reader) (err error) {
		v, err = r.Get([]byte(key))
		return err
	})
	return string(v), err
}

func scanAll(r meta.Reader, lower, upper []byte) ([]string, error) {
	it, err := r.NewIter(lower, upper)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []string
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.Value()
		if err != nil {
			return nil, err
		}
		out = append(out, string(it.Key())+"="+string(v))
	}
	return out, it.Err()
}

// TestIteratorBatches walks more rows than one batch holds, with the
// Update's own writes and deletes on both sides of batch boundaries.
func TestIteratorBatches(t *testing.T) {
	s := open(t, pgtest.Start(t))
	const n = 3*iterBatch + 17
	if err := s.Update(bg, nil, func(tx meta.Txn) error {
		for i := range n {
			tx.Set(fmt.Appendf(nil, "k%05d", i*2), []byte("db"))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := range n {
		want[fmt.Sprintf("k%05d", i*2)] = "db"
	}
	err := s.Update(bg, []meta.Lock{{Name: []byte("x")}}, func(tx meta.Txn) error {
		for _, i := range []int{0, 1, iterBatch - 1, iterBatch, iterBatch + 1, 2 * iterBatch, 2*n - 1, 2 * n} {
			k := fmt.Sprintf("k%05d", i)
			if i%3 == 0 && i%2 == 0 {
				tx.Delete([]byte(k))
				delete(want, k)
			} else {
				tx.Set([]byte(k), []byte("own"))
				want[k] = "own"
			}
		}
		got, err := scanAll(tx, nil, nil)
		if err != nil {
			return err
		}
		if len(got) != len(want) {
			t.Errorf("scanned %d keys, want %d", len(got), len(want))
		}
		for i, kv := range got {
			k, v, _ := bytes.Cut([]byte(kv), []byte("="))
			if want[string(k)] != string(v) {
				t.Errorf("%s = %s, want %q", k, v, want[string(k)])
			}
			if i > 0 && got[i-1] >= kv {
				t.Errorf("out of order: %s after %s", kv, got[i-1])
			}
		}
		// Seeks forward and back, inside and outside the batch in hand.
		it, _ := tx.NewIter([]byte("k00100"), []byte("k01200"))
		defer it.Close()
		for _, c := range []struct{ seek, want string }{
			{"k00101", "k00102"}, {"k00900", "k00900"}, {"k00150", "k00150"}, {"k00511", "k00512"},
			{"a", "k00100"}, {"k00101", "k00102"}, {"k01199", ""}, {"k00513", "k00514"},
		} {
			ok := it.SeekGE([]byte(c.seek))
			if got := string(it.Key()); ok != (c.want != "") || ok && got != c.want {
				t.Errorf("SeekGE(%s) = %v %s, want %s", c.seek, ok, got, c.want)
			}
		}
		return it.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLargeValuesInIterator: values too large to come with their batch
// are fetched when Value asks.
func TestLargeValuesInIterator(t *testing.T) {
	s := open(t, pgtest.Start(t))
	big := bytes.Repeat([]byte("x"), inlineMax+1)
	set(t, s, "a", "small", "b", string(big), "c", "", "d", string(big[:inlineMax]))
	err := s.View(bg, func(r meta.Reader) error {
		it, _ := r.NewIter(nil, nil)
		defer it.Close()
		var sizes []int
		for ok := it.First(); ok; ok = it.Next() {
			v, err := it.Value()
			if err != nil {
				return err
			}
			if v == nil {
				t.Errorf("%s: nil value", it.Key())
			}
			sizes = append(sizes, len(v))
		}
		if fmt.Sprint(sizes) != fmt.Sprint([]int{5, inlineMax + 1, 0, inlineMax}) {
			t.Errorf("value sizes %v", sizes)
		}
		return it.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEmptyAndNilKeys: the empty key is a key like any other, and nil
// means it too.
func TestEmptyAndNilKeys(t *testing.T) {
	s := open(t, pgtest.Start(t))
	if err := s.Update(bg, nil, func(tx meta.Txn) error { return tx.Set(nil, nil) }); err != nil {
		t.Fatal(err)
	}
	if v, err := get(s, ""); err != nil || v != "" {
		t.Fatalf("empty key: %q %v", v, err)
	}
	s.View(bg, func(r meta.Reader) error {
		if got, err := scanAll(r, nil, []byte("\x00")); err != nil || fmt.Sprint(got) != "[=]" {
			t.Errorf("scan: %q %v", got, err)
		}
		return nil
	})
}

// TestUseAfterReturn: a Reader kept past its View fails instead of
// running queries on a connection that is someone else's by then.
func TestUseAfterReturn(t *testing.T) {
	s := open(t, pgtest.Start(t))
	var kept meta.Reader
	s.View(bg, func(r meta.Reader) error { kept = r; return nil })
	if _, err := kept.Get([]byte("a")); !errors.Is(err, errDone) {
		t.Errorf("Get after View: %v", err)
	}
	if _, err := kept.NewIter(nil, nil); !errors.Is(err, errDone) {
		t.Errorf("NewIter after View: %v", err)
	}
}

func TestLockPlan(t *testing.T) {
	ls := []meta.Lock{{Name: []byte("b"), Shared: true}, {Name: []byte("a"), Shared: true}, {Name: []byte("b")}, {Name: []byte("a"), Shared: true}}
	p := lockPlan(ls)
	if len(p) != 2 {
		t.Fatalf("plan %v", p)
	}
	if p[0].key > p[1].key {
		t.Errorf("not sorted: %v", p)
	}
	for _, r := range p {
		if r.key == lockKey([]byte("b")) && r.shared {
			t.Errorf("b must be exclusive: %v", p)
		}
		if r.key == lockKey([]byte("a")) && !r.shared {
			t.Errorf("a must be shared: %v", p)
		}
	}
	//lint:ignore SA4000 two calls must give the same key: the hash is deterministic
	if lockKey([]byte("b")) != lockKey([]byte("b")) || lockKey([]byte("a")) == lockKey([]byte("b")) {
		t.Error("lockKey")
	}
}

// TestTwoGateways: two Stores on one database, as two kura gateways: a
// write through one is visible through the other at once, and an
// exclusive lock serializes increments made through both.
func TestTwoGateways(t *testing.T) {
	conn := pgtest.Start(t)
	a, b := open(t, conn), open(t, conn)
	set(t, a, "k", "from a")
	if v, err := get(b, "k"); err != nil || v != "from a" {
		t.Fatalf("b sees %q %v", v, err)
	}
	if err := b.Update(bg, nil, func(tx meta.Txn) error { return tx.Delete([]byte("k")) }); err != nil {
		t.Fatal(err)
	}
	if _, err := get(a, "k"); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("a still sees k: %v", err)
	}

	const workers, each = 4, 40
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b} {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					err := s.Update(bg, []meta.Lock{{Name: []byte("counter")}}, func(tx meta.Txn) error {
						var n uint64
						if v, err := tx.Get([]byte("n")); err == nil {
							n = binary.BigEndian.Uint64(v)
						} else if !errors.Is(err, meta.ErrNotFound) {
							return err
						}
						return tx.Set([]byte("n"), binary.BigEndian.AppendUint64(nil, n+1))
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	v, err := get(a, "n")
	if err != nil || binary.BigEndian.Uint64([]byte(v)) != 2*workers*each {
		t.Fatalf("counter = %x %v, want %d: updates lost across gateways", v, err, 2*workers*each)
	}
}

// TestSharedLockAcrossGateways: an exclusive lock taken through one
// Store waits for a shared one held through another.
func TestSharedLockAcrossGateways(t *testing.T) {
	conn := pgtest.Start(t)
	a, b := open(t, conn), open(t, conn)
	inside, release := make(chan struct{}), make(chan struct{})
	go a.Update(bg, []meta.Lock{{Name: []byte("L"), Shared: true}}, func(meta.Txn) error {
		close(inside)
		<-release
		return nil
	})
	<-inside
	if err := b.Update(bg, []meta.Lock{{Name: []byte("L"), Shared: true}}, func(meta.Txn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	err := b.Update(ctx, []meta.Lock{{Name: []byte("L")}}, func(meta.Txn) error {
		t.Error("exclusive lock granted while another gateway holds it shared")
		return nil
	})
	if err == nil {
		t.Fatal("exclusive Update did not wait")
	}
	// The canceled Update left the lock's queue on the server too.
	c, err := pgx.Connect(bg, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(bg)
	for i := 0; ; i++ {
		var waiting int
		if err := c.QueryRow(bg, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 0 {
			break
		}
		if i == 20 {
			t.Fatalf("%d advisory lock requests still waiting after their Update gave up", waiting)
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(release)
	if err := b.Update(bg, []meta.Lock{{Name: []byte("L")}}, func(meta.Txn) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentOpen: processes opening a new database at once migrate it
// once, without errors.
func TestConcurrentOpen(t *testing.T) {
	conn := pgtest.Start(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(bg, conn, &Options{MaxConns: 2})
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c, err := pgx.Connect(bg, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(bg)
	var rows, max int
	if err := c.QueryRow(bg, "SELECT count(*), max(version) FROM "+versionTable).Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	if rows != SchemaVersion() || max != SchemaVersion() {
		t.Errorf("schema_version has %d rows up to %d, want %d", rows, max, SchemaVersion())
	}
	// A database migrated by a newer kura is refused.
	if _, err := c.Exec(bg, "INSERT INTO "+versionTable+" (version) VALUES ($1)", SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(bg, conn, nil); !errors.Is(err, ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

// TestRestart stops PostgreSQL under a Store: operations fail with errors,
// never with wrong answers, and work again once it is back, through the
// same Store.
func TestRestart(t *testing.T) {
	srv := pgtest.NewServer(t)
	s := open(t, srv.NewDatabase(t))
	set(t, s, "k", "v1")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	err := s.View(ctx, func(r meta.Reader) error {
		v, err := r.Get([]byte("k"))
		if err == nil || errors.Is(err, meta.ErrNotFound) {
			t.Errorf("Get while down = %q, %v; want a connection error", v, err)
		}
		return err
	})
	if err == nil || errors.Is(err, meta.ErrNotFound) {
		t.Errorf("View while down: %v", err)
	}
	ran := false
	err = s.Update(ctx, []meta.Lock{{Name: []byte("k")}}, func(tx meta.Txn) error {
		ran = true
		return tx.Set([]byte("k"), []byte("lost"))
	})
	if err == nil {
		t.Errorf("Update while down succeeded (fn ran: %v)", ran)
	}
	if err := s.Update(ctx, nil, func(tx meta.Txn) error { return tx.Set([]byte("k"), []byte("lost")) }); err == nil {
		t.Errorf("unlocked Update while down succeeded")
	}
	t.Logf("errors while down: %v", err)

	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	// The first operations after the restart may meet pooled connections
	// that died with the server; they must fail cleanly, and the store
	// must recover on its own within a few tries.
	deadline := time.Now().Add(10 * time.Second)
	for attempt := 1; ; attempt++ {
		v, err := get(s, "k")
		if err == nil {
			if v != "v1" {
				t.Fatalf("after restart k = %q, want v1", v)
			}
			t.Logf("first read after restart succeeded on attempt %d", attempt)
			break
		}
		if errors.Is(err, meta.ErrNotFound) || time.Now().After(deadline) {
			t.Fatalf("after restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	set(t, s, "k", "v2")
	if v, err := get(s, "k"); err != nil || v != "v2" {
		t.Fatalf("after restart: %q %v", v, err)
	}
}

// TestCommitFailureWritesNothing: when one of the buffered writes fails
// at commit, none of the others is kept, with and without locks (an
// explicit and an implicit transaction), and the connection is fit for
// the next Update.
func TestCommitFailureWritesNothing(t *testing.T) {
	conn := pgtest.Start(t)
	s := open(t, conn)
	c, err := pgx.Connect(bg, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(bg)
	for _, q := range []string{
		`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN RAISE EXCEPTION 'refused'; END $$`,
		`CREATE TRIGGER refuse BEFORE INSERT ON ` + kvTable + `
			FOR EACH ROW WHEN (NEW.k = 'bad') EXECUTE FUNCTION refuse()`,
	} {
		if _, err := c.Exec(bg, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, locks := range [][]meta.Lock{nil, {{Name: []byte("l")}}} {
		err := s.Update(bg, locks, func(tx meta.Txn) error {
			tx.Set([]byte("a"), []byte("1"))
			tx.Set([]byte("bad"), []byte("2"))
			return tx.Set([]byte("c"), []byte("3"))
		})
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("locks %v: Update = %v, want the trigger's error", locks, err)
		}
		for _, k := range []string{"a", "bad", "c"} {
			if _, err := get(s, k); !errors.Is(err, meta.ErrNotFound) {
				t.Errorf("locks %v: %s written by a failed commit (%v)", locks, k, err)
			}
		}
		set(t, s, "ok", "yes")
	}
}

// TestOpenWithoutCreateRights: a role that may only read and write the
// tables opens a database that is already migrated.
func TestOpenWithoutCreateRights(t *testing.T) {
	conn := pgtest.Start(t)
	open(t, conn).Close()
	c, err := pgx.Connect(bg, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(bg)
	role := fmt.Sprintf("kura_app_%d", time.Now().UnixNano())
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON " + kvTable + " TO " + role,
		"GRANT SELECT ON " + versionTable + " TO " + role,
	} {
		if _, err := c.Exec(bg, q); err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, strings.Replace(conn, "://kura@", "://"+role+"@", 1))
	set(t, s, "k", "v")
	if v, err := get(s, "k"); err != nil || v != "v" {
		t.Fatalf("%q %v", v, err)
	}
}

// TestDeadlockRetried: an Update that PostgreSQL picks as a deadlock's
// victim (here against another client of the database) runs again and
// succeeds.
func TestDeadlockRetried(t *testing.T) {
	conn := pgtest.Start(t)
	// The Update's sessions check for deadlocks first, so they are the
	// ones aborted.
	s := open(t, conn+"&deadlock_timeout=100ms")
	set(t, s, "a", "0", "b", "0")
	ext, err := pgx.Connect(bg, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close(bg)
	tx, err := ext.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(bg)
	if _, err := tx.Exec(bg, "SELECT 1 FROM "+kvTable+" WHERE k = 'b' FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	var runs int
	done := make(chan error, 1)
	go func() {
		done <- s.Update(bg, nil, func(tx meta.Txn) error {
			runs++
			tx.Set([]byte("a"), []byte("u"))
			return tx.Set([]byte("b"), []byte("u"))
		})
	}()
	// Wait until the Update holds a and waits for b.
	for i := 0; ; i++ {
		var waiting int
		if err := ext.QueryRow(bg, "SELECT count(*) FROM pg_locks WHERE NOT granted").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if i == 200 {
			t.Fatal("the Update never waited for the row lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Closing the cycle: PostgreSQL aborts the Update, whose retry then
	// waits for this transaction to end.
	if _, err := tx.Exec(bg, "UPDATE "+kvTable+" SET v = 'ext' WHERE k = 'a'"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(bg); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Update: %v", err)
	}
	// At least once more: on a loaded machine the retry can come before
	// the other transaction ends and be chosen as the victim again.
	if runs < 2 {
		t.Errorf("fn ran %d times, want a retry", runs)
	}
	for _, k := range []string{"a", "b"} {
		if v, err := get(s, k); err != nil || v != "u" {
			t.Errorf("%s = %q %v, want the retried Update's value", k, v, err)
		}
	}
}

// TestTxnClockFollowsLockOrder: transactions through two gateways that
// hold one lock in turn read the database's clock in that order, and
// the times lie between the store clock's readings around them.
func TestTxnClockFollowsLockOrder(t *testing.T) {
	conn := pgtest.Start(t)
	a, b := open(t, conn), open(t, conn)
	var last time.Time
	for i := range 40 {
		s := []*Store{a, b}[i%2]
		before, err := s.Now(bg)
		if err != nil {
			t.Fatal(err)
		}
		var now time.Time
		err = s.Update(bg, []meta.Lock{{Name: []byte("clocked")}}, func(tx meta.Txn) error {
			c, ok := tx.(meta.TxnClock)
			if !ok {
				return errors.New("the transaction has no clock")
			}
			var err error
			if now, err = c.Now(); err != nil {
				return err
			}
			if again, err := c.Now(); err != nil || !again.Equal(now) {
				return fmt.Errorf("a second read of the clock in one transaction: %v, %v; the first %v", again, err, now)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		after, err := s.Now(bg)
		if err != nil {
			t.Fatal(err)
		}
		if now.Before(before) || now.After(after) || !now.After(last) {
			t.Fatalf("update %d read %v: not after %v, or outside [%v, %v]", i, now, last, before, after)
		}
		last = now
	}
}

package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kurastore/kura/internal/meta"
)

// Options configure Open. The zero value is fine.
type Options struct {
	// MaxConns caps the connection pool. Every View and Update holds one
	// connection for its whole length (an Update waiting for a lock too),
	// so this is also the most operations one Store runs at once. Zero
	// means pool_max_conns from the connection string, or else 16.
	MaxConns int32
	// MaxAttempts bounds how often a transaction that PostgreSQL aborted
	// with a serialization failure or a deadlock (SQLSTATE 40001, 40P01) is
	// run; zero means 10.
	MaxAttempts int
	// Logger receives retries at debug level; nil means slog.Default().
	Logger *slog.Logger
}

const defaultMaxConns = 16

// Store is a meta.Store on PostgreSQL. Any number of Stores, in any number
// of processes, may share one database.
type Store struct {
	pool        *pgxpool.Pool
	log         *slog.Logger
	maxAttempts int

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup
}

var _ meta.Store = (*Store)(nil)

// Open connects to the database named by connString (a libpq URL or
// key=value string, including pgxpool's pool_* settings), brings its
// schema up to date and returns a Store. It fails if the database cannot
// be reached or its schema is newer than this code (ErrSchemaTooNew).
func Open(ctx context.Context, connString string, opts *Options) (*Store, error) {
	if opts == nil {
		opts = &Options{}
	}
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !strings.Contains(connString, "pool_max_conns"):
		cfg.MaxConns = defaultMaxConns
	}
	// meta.Store promises that a committed Update is on stable storage:
	// ask for that whatever the server's default, unless the connection
	// string says otherwise.
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	rp := cfg.ConnConfig.RuntimeParams
	if _, ok := rp["synchronous_commit"]; !ok {
		rp["synchronous_commit"] = "on"
	}
	if _, ok := rp["application_name"]; !ok {
		rp["application_name"] = "kura"
	}
	// A canceled context asks the server to cancel the statement, so an
	// Update that gives up waiting for a lock leaves the lock's queue and
	// its connection stays usable; pgx's default closes the connection,
	// which costs a new one for the next operation. The deadline is the
	// fallback for a server that does not answer.
	cfg.ConnConfig.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 2 * time.Second}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool, log: opts.Logger, maxAttempts: opts.MaxAttempts}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = 10
	}
	return s, nil
}

func (s *Store) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return meta.ErrClosed
	}
	s.inflight.Add(1)
	return nil
}

// Close waits for the Views and Updates in flight, then closes the
// connection pool. Later calls return meta.ErrClosed from View and Update.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.inflight.Wait()
	s.pool.Close()
	return nil
}

// View runs fn in a REPEATABLE READ READ ONLY transaction: every read in
// fn sees the same snapshot of committed data.
func (s *Store) View(ctx context.Context, fn func(meta.Reader) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.inflight.Done()
	return s.retry(ctx, "view", func() error {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("pgstore: %w", err)
		}
		// The snapshot is taken by the first query, so BEGIN rides in the
		// same round trip as that query.
		r := &reader{ctx: ctx, conn: c.Conn(), begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"}
		err = fn(r)
		r.mu.Lock()
		r.done = true
		r.mu.Unlock()
		if r.conn.PgConn().TxStatus() == 'I' {
			c.Release()
			return err
		}
		// Ending a read-only transaction changes nothing, so View need not
		// wait for it: the ROLLBACK's round trip happens after View
		// returns, before the connection goes back to the pool. Close
		// waits for it.
		s.inflight.Add(1)
		go func() {
			defer s.inflight.Done()
			r.release(c)
		}()
		return err
	})
}

// Update runs fn holding locks and commits its writes in one transaction.
//
// Locks are taken first, as transaction-level advisory locks (see
// locks.go), in a transaction at READ COMMITTED. fn's writes are kept in
// memory, where its own reads and iterators see them over the committed
// data, and are sent when fn returns, in key order, in one round trip
// together with the COMMIT. Sending rows in key order means two Updates
// never wait on each other's row locks in a cycle, and the locks are all
// taken before any row, so kura's own transactions do not deadlock; the
// retry on 40001/40P01 is for whatever else shares the database, and for
// engines that abort more eagerly. On a retry fn runs again from the
// start, with nothing of the failed attempt kept.
//
// An Update with no locks has no transaction open while fn runs: its reads
// are single statements, which at READ COMMITTED is the same thing, and its
// writes still commit atomically as one implicit transaction.
func (s *Store) Update(ctx context.Context, locks []meta.Lock, fn func(meta.Txn) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.inflight.Done()
	plan := lockPlan(locks)
	return s.retry(ctx, "update", func() error {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("pgstore: %w", err)
		}
		r := &reader{ctx: ctx, conn: c.Conn(), writes: newWriteSet()}
		defer r.finish(c)
		if len(plan) > 0 {
			b := &pgx.Batch{}
			b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
			for _, l := range plan {
				if l.shared {
					b.Queue("SELECT pg_advisory_xact_lock_shared($1::bigint)", l.key)
				} else {
					b.Queue("SELECT pg_advisory_xact_lock($1::bigint)", l.key)
				}
			}
			if err := r.conn.SendBatch(ctx, b).Close(); err != nil {
				return fmt.Errorf("pgstore: locking: %w", err)
			}
		}
		if err := fn(txn{r}); err != nil {
			return err
		}
		return r.commit()
	})
}

// Sync has nothing to do: PostgreSQL shows a transaction to others only
// once its commit record is flushed (with synchronous_commit on, its
// default, which kura's gateways rely on).
func (s *Store) Sync(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	s.inflight.Done()
	return ctx.Err()
}

// Now reads the database server's clock (clock_timestamp(): the time of
// the call, not of a transaction's start), the one clock of every gateway
// sharing the database.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	if err := s.enter(); err != nil {
		return time.Time{}, err
	}
	defer s.inflight.Done()
	var now time.Time
	err := s.retry(ctx, "now", func() error {
		return s.pool.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&now)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("pgstore: reading the clock: %w", err)
	}
	return now, nil
}

// retry runs op until it succeeds, fails for a reason other than a
// serialization failure or deadlock, or has run maxAttempts times. An error
// that pgx guarantees happened before anything reached the server (a dead
// pooled connection) is retried at once, twice at most.
func (s *Store) retry(ctx context.Context, what string, op func() error) error {
	backoff := time.Millisecond
	stale := 0
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || ctx.Err() != nil {
			return err
		}
		var pe *pgconn.PgError
		switch {
		case errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01"):
			if attempt >= s.maxAttempts {
				return err
			}
			s.log.Debug("pgstore: retrying", "op", what, "attempt", attempt, "err", err)
			// Full jitter, so that the transactions that collided do not
			// collide again.
			d := rand.N(backoff) + time.Microsecond
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return err
			}
			backoff = min(2*backoff, 200*time.Millisecond)
		case pgconn.SafeToRetry(err) && stale < 2:
			stale++
			attempt--
		default:
			return err
		}
	}
}

package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kurastore/kura/internal/meta"
)

const (
	// An iterator fetches rows in batches, one query each: firstBatch
	// rows after a seek, since many walks stop after a few rows (the
	// newest version of a key, a delimiter listing jumping from prefix to
	// prefix), then twice as many each time it runs off the end of a
	// batch, up to iterBatch.
	firstBatch = 32
	iterBatch  = 256
	// inlineMax is the largest value an iterator fetches with its key.
	// Larger values are fetched one at a time when Value asks for them, so
	// a batch holds at most iterBatch*inlineMax bytes of values.
	inlineMax = 64 << 10
)

var (
	sqlGet    = "SELECT v FROM " + kvTable + " WHERE k = $1"
	sqlUpsert = "INSERT INTO " + kvTable + " (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
	sqlDelete = "DELETE FROM " + kvTable + " WHERE k = $1"
	// sqlScan[exclusive][bounded] fetches one batch of an iterator: the
	// rows from $1 (inclusive, or exclusive to continue after a batch's last
	// key) up to $2 if bounded, as an ordered index range scan.
	sqlScan = func() (q [2][2]string) {
		sel := "SELECT k, CASE WHEN octet_length(v) <= " + fmt.Sprint(inlineMax) + " THEN v END FROM " + kvTable
		for ex, op := range []string{">=", ">"} {
			for up, cond := range []string{" ORDER BY k LIMIT $2", " AND k < $3 ORDER BY k LIMIT $2"} {
				q[ex][up] = sel + " WHERE k " + op + " $1" + cond
			}
		}
		return q
	}()

	errDone   = errors.New("pgstore: Reader or Txn used after its View or Update returned")
	errVanish = errors.New("pgstore: key deleted while its iterator was positioned on it")
)

// nonNil copies b; the copy of nil or empty is empty, not nil, because a
// nil []byte is NULL to PostgreSQL.
func nonNil(b []byte) []byte { return append([]byte{}, b...) }

// reader is the meta.Reader of one View or Update: one pooled connection,
// used by one query at a time.
type reader struct {
	ctx  context.Context
	conn *pgx.Conn
	// begin, when set, is sent ahead of the first query (View's snapshot
	// transaction), in the same round trip.
	begin  string
	writes *writeSet // nil in View

	mu   sync.Mutex // serializes use of conn
	done bool
	// clock is the database's clock as the transaction first read it.
	clock time.Time
}

// finish ends the transaction, if one is open, and gives back the
// connection. A connection that cannot be cleaned is destroyed by the pool.
func (r *reader) finish(c *pgxpool.Conn) {
	r.mu.Lock()
	r.done = true
	r.mu.Unlock()
	r.release(c)
}

func (r *reader) release(c *pgxpool.Conn) {
	if st := r.conn.PgConn().TxStatus(); st != 'I' && !r.conn.IsClosed() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 5*time.Second)
		r.conn.Exec(ctx, "ROLLBACK")
		cancel()
	}
	c.Release()
}

// query runs sql and calls each for every row. Callers hold r.mu.
func (r *reader) query(sql string, args []any, each func(pgx.Rows) error) error {
	if r.done {
		return errDone
	}
	var rows pgx.Rows
	if r.begin != "" {
		b := &pgx.Batch{}
		b.Queue(r.begin)
		b.Queue(sql, args...)
		br := r.conn.SendBatch(r.ctx, b)
		if _, err := br.Exec(); err != nil {
			br.Close()
			return fmt.Errorf("pgstore: %w", err)
		}
		r.begin = ""
		var err error
		if rows, err = br.Query(); err != nil {
			br.Close()
			return fmt.Errorf("pgstore: %w", err)
		}
		defer br.Close()
	} else {
		var err error
		if rows, err = r.conn.Query(r.ctx, sql, args...); err != nil {
			return fmt.Errorf("pgstore: %w", err)
		}
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	return nil
}

// getDB reads key's committed value.
func (r *reader) getDB(key []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var v []byte
	found := false
	err := r.query(sqlGet, []any{nonNil(key)}, func(rows pgx.Rows) error {
		found = true
		return rows.Scan(&v)
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, meta.ErrNotFound
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

func (r *reader) Get(key []byte) ([]byte, error) {
	if r.writes != nil {
		if w, ok := r.writes.m[string(key)]; ok {
			if w.del {
				return nil, meta.ErrNotFound
			}
			return nonNil(w.v), nil
		}
	}
	return r.getDB(key)
}

func (r *reader) NewIter(lower, upper []byte) (meta.Iterator, error) {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	if done {
		return nil, errDone
	}
	it := &iter{db: dbIter{r: r, lower: nonNil(lower)}}
	if upper != nil {
		it.db.upper = nonNil(upper)
	}
	if r.writes != nil {
		it.ov = r.writes.between(it.db.lower, it.db.upper)
	}
	return it, nil
}

// txn is Update's meta.Txn.
type txn struct{ *reader }

func (t txn) Set(key, value []byte) error {
	if t.done {
		return errDone
	}
	t.writes.put(write{k: nonNil(key), v: nonNil(value)})
	return nil
}

func (t txn) Delete(key []byte) error {
	if t.done {
		return errDone
	}
	t.writes.put(write{k: nonNil(key), del: true})
	return nil
}

// Now reads the database server's clock on the transaction's connection:
// with the transaction's locks held, so later holders read later times.
// It reads it once: a transaction that records many events (an archive
// extracted) pays one round trip, and its events share the time.
func (t txn) Now() (time.Time, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.clock.IsZero() {
		return t.clock, nil
	}
	var now time.Time
	err := t.query("SELECT clock_timestamp()", nil, func(rows pgx.Rows) error { return rows.Scan(&now) })
	if err == nil && now.IsZero() {
		err = errors.New("pgstore: the clock read returned no row")
	}
	t.clock = now
	return now, err
}

// commit sends the buffered writes in key order, with the COMMIT of the
// open transaction if there is one, in one round trip. Without an open
// transaction the batch is one implicit transaction: all or nothing.
func (r *reader) commit() error {
	r.mu.Lock()
	r.done = true
	r.mu.Unlock()
	ws := r.writes.sorted()
	inTx := r.conn.PgConn().TxStatus() != 'I'
	if len(ws) == 0 {
		if inTx {
			if _, err := r.conn.Exec(r.ctx, "COMMIT"); err != nil {
				return fmt.Errorf("pgstore: commit: %w", err)
			}
		}
		return nil
	}
	b := &pgx.Batch{}
	for _, w := range ws {
		if w.del {
			b.Queue(sqlDelete, w.k)
		} else {
			b.Queue(sqlUpsert, w.k, w.v)
		}
	}
	if inTx {
		b.Queue("COMMIT")
	}
	if err := r.conn.SendBatch(r.ctx, b).Close(); err != nil {
		return fmt.Errorf("pgstore: commit: %w", err)
	}
	if r.conn.PgConn().TxStatus() != 'I' {
		// COMMIT of a failed transaction answers ROLLBACK without error.
		return errors.New("pgstore: commit: transaction was rolled back")
	}
	return nil
}

// write is one buffered Set or Delete.
type write struct {
	k, v []byte
	del  bool
}

// writeSet holds an Update's writes until it commits; the last write to a
// key wins.
type writeSet struct {
	m map[string]write
}

func newWriteSet() *writeSet { return &writeSet{m: make(map[string]write)} }

func (w *writeSet) put(x write) { w.m[string(x.k)] = x }

func (w *writeSet) sorted() []write {
	out := make([]write, 0, len(w.m))
	for _, x := range w.m {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].k, out[j].k) < 0 })
	return out
}

// between returns the writes in [lower, upper) in key order, a copy that
// later writes do not change.
func (w *writeSet) between(lower, upper []byte) []write {
	var out []write
	for _, x := range w.m {
		if bytes.Compare(x.k, lower) >= 0 && (upper == nil || bytes.Compare(x.k, upper) < 0) {
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].k, out[j].k) < 0 })
	return out
}

// row is one fetched row; v is nil when the value was too large to fetch
// with the batch.
type row struct {
	k, v []byte
	big  bool
}

// dbIter walks committed rows in [lower, upper) a batch at a time, each
// batch one index range scan.
type dbIter struct {
	r            *reader
	lower, upper []byte // upper nil: unbounded

	rows []row
	pos  int
	// The batch holds every row >= from (> from when fromExcl) up to its
	// last row, and every row in bounds when complete.
	from     []byte
	fromExcl bool
	complete bool
	fetched  bool
	limit    int // the batch's LIMIT
	err      error
}

func (d *dbIter) valid() bool { return d.err == nil && d.pos < len(d.rows) }
func (d *dbIter) key() []byte { return d.rows[d.pos].k }

// fetch loads the batch that starts at from, of at most limit rows.
func (d *dbIter) fetch(from []byte, excl bool, limit int) {
	args := []any{from, limit}
	if d.upper != nil {
		args = append(args, d.upper)
	}
	rows := make([]row, 0, 16)
	d.r.mu.Lock()
	err := d.r.query(sqlScan[b2i(excl)][b2i(d.upper != nil)], args, func(rs pgx.Rows) error {
		var x row
		if err := rs.Scan(&x.k, &x.v); err != nil {
			return err
		}
		if x.v == nil {
			x.big = true
		}
		rows = append(rows, x)
		return nil
	})
	d.r.mu.Unlock()
	d.rows, d.pos, d.from, d.fromExcl, d.fetched, d.limit = rows, 0, from, excl, true, limit
	d.complete = len(rows) < limit
	if err != nil {
		d.err = err
		d.rows = nil
	}
}

// seek positions at the first row >= key, within bounds.
func (d *dbIter) seek(key []byte) {
	if d.err != nil {
		return
	}
	if bytes.Compare(key, d.lower) <= 0 {
		key = d.lower // also turns nil into the empty key, not NULL
	}
	if d.upper != nil && bytes.Compare(key, d.upper) >= 0 {
		d.rows, d.pos, d.fetched = nil, 0, false
		return
	}
	// Served from the batch in hand when it covers key.
	if d.fetched {
		c := bytes.Compare(key, d.from)
		if (c > 0 || c == 0 && !d.fromExcl) &&
			(d.complete || len(d.rows) > 0 && bytes.Compare(key, d.rows[len(d.rows)-1].k) <= 0) {
			d.pos = sort.Search(len(d.rows), func(i int) bool { return bytes.Compare(d.rows[i].k, key) >= 0 })
			return
		}
	}
	d.fetch(slices.Clone(key), false, firstBatch)
}

func (d *dbIter) next() {
	if !d.valid() {
		return
	}
	d.pos++
	if d.pos < len(d.rows) || d.complete {
		return
	}
	d.fetch(d.rows[len(d.rows)-1].k, true, min(2*d.limit, iterBatch))
}

func (d *dbIter) value() ([]byte, error) {
	x := &d.rows[d.pos]
	if x.big {
		v, err := d.r.getDB(x.k)
		if errors.Is(err, meta.ErrNotFound) {
			return nil, errVanish
		}
		if err != nil {
			return nil, err
		}
		x.v, x.big = v, false
	}
	if x.v == nil {
		x.v = []byte{}
	}
	return x.v, nil
}

// iter merges the committed rows with the Update's own writes, which win.
type iter struct {
	db dbIter
	ov []write // own writes in bounds, in key order
	oi int

	valid  bool
	fromOv bool
	err    error // from Value
	closed bool
}

// settle moves past own deletions and shadowed rows onto the next entry.
func (it *iter) settle() bool {
	for {
		dbOK, ovOK := it.db.valid(), it.oi < len(it.ov)
		if it.db.err != nil || !dbOK && !ovOK {
			it.valid = false
			return false
		}
		if ovOK && (!dbOK || bytes.Compare(it.ov[it.oi].k, it.db.key()) <= 0) {
			if dbOK && bytes.Equal(it.ov[it.oi].k, it.db.key()) {
				it.db.next()
				if it.db.err != nil {
					it.valid = false
					return false
				}
			}
			if it.ov[it.oi].del {
				it.oi++
				continue
			}
			it.valid, it.fromOv = true, true
			return true
		}
		it.valid, it.fromOv = true, false
		return true
	}
}

func (it *iter) First() bool { return it.SeekGE(nil) }

func (it *iter) SeekGE(key []byte) bool {
	if it.closed {
		it.valid = false
		return false
	}
	if bytes.Compare(key, it.db.lower) <= 0 {
		key = it.db.lower
	}
	it.db.seek(key)
	it.oi = sort.Search(len(it.ov), func(i int) bool { return bytes.Compare(it.ov[i].k, key) >= 0 })
	if it.db.upper != nil && bytes.Compare(key, it.db.upper) >= 0 {
		it.oi = len(it.ov)
	}
	return it.settle()
}

func (it *iter) Next() bool {
	if !it.valid {
		return false
	}
	if it.fromOv {
		it.oi++
	} else {
		it.db.next()
	}
	return it.settle()
}

func (it *iter) Key() []byte {
	if !it.valid {
		return nil
	}
	if it.fromOv {
		return it.ov[it.oi].k
	}
	return it.db.key()
}

func (it *iter) Value() ([]byte, error) {
	if !it.valid {
		return nil, errors.New("pgstore: Value on an unpositioned iterator")
	}
	if it.fromOv {
		return it.ov[it.oi].v, nil
	}
	v, err := it.db.value()
	if err != nil && it.err == nil {
		it.err = err
	}
	return v, err
}

func (it *iter) Err() error {
	if it.db.err != nil {
		return it.db.err
	}
	return it.err
}

func (it *iter) Close() error {
	it.closed, it.valid = true, false
	it.db.rows, it.ov = nil, nil
	return it.Err()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

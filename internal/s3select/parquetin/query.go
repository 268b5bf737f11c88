package parquetin

import "github.com/kurastore/kura/internal/s3select/sql"

// QueryOptions are the Options that read what q needs: the columns it
// references (all of them for SELECT *, positional columns and the like)
// and the bounds of its WHERE clause, so that row groups whose
// statistics rule a bound out are skipped.
func QueryOptions(q *sql.Query) Options {
	names, all := q.ReferencedColumns()
	opts := Options{Columns: names, AllColumns: all}
	for _, b := range q.Bounds() {
		// b.CaseSensitive needs no check here: see resolveBounds.
		opts.Bounds = append(opts.Bounds, Bound{Column: b.Column, Op: b.Op, Value: b.Value})
	}
	return opts
}

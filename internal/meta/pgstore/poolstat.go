package pgstore

import "github.com/jackc/pgx/v5/pgxpool"

// PoolStat returns the connection pool's figures.
func (s *Store) PoolStat() *pgxpool.Stat { return s.pool.Stat() }

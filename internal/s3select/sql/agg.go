package sql

import (
	"math"

	"github.com/kurastore/kura/s3err"
)

// aggState is the running state of one aggregate call.
type aggState struct {
	n      int64 // COUNT; values seen by SUM and AVG
	sumI   int64
	sumF   float64
	float  bool // the sum has gone to float64
	best   value
	hasAny bool
}

// accumulate folds one kept record into every aggregate.
func (ev *Evaluator) accumulate(r *scope) error {
	for _, a := range ev.q.aggs {
		st := &ev.aggs[a.slot]
		if a.arg == nil { // COUNT(*)
			st.n++
			continue
		}
		v, err := ev.eval(a.arg, r)
		if err != nil {
			return err
		}
		if v.isAbsent() {
			continue // aggregates skip NULL and MISSING
		}
		if err := st.add(a.fn, v); err != nil {
			return err
		}
	}
	return nil
}

func (st *aggState) add(fn aggFunc, v value) error {
	switch fn {
	case aggCount:
		st.n++
	case aggSum, aggAvg:
		n, ok := v.number()
		if !ok {
			return evalErr(s3err.ErrInvalidDataType, "SUM and AVG take numbers; found %s %s.", v.k, quoteShort(v))
		}
		st.n++
		if n.k == kInt {
			return st.addInt(fn, n.i)
		}
		st.addFloat(n.float())
	case aggMin, aggMax:
		if !st.hasAny {
			st.best, st.hasAny = v, true
			return nil
		}
		c, ok := compare(v, st.best)
		if !ok && (isNaN(v) || isNaN(st.best)) {
			return nil // NaN is unordered: MIN and MAX keep what they have
		}
		if !ok {
			return evalErr(s3err.ErrInvalidDataType, "MIN and MAX cannot compare %s with %s.", v.k, st.best.k)
		}
		if fn == aggMin && c < 0 || fn == aggMax && c > 0 {
			st.best = v
		}
	}
	return nil
}

// addInt adds i to the sum: as an integer while the sum is one and does
// not leave int64, where SUM fails and AVG goes on in float64.
func (st *aggState) addInt(fn aggFunc, i int64) error {
	if !st.float {
		s := st.sumI + i
		if (s > st.sumI) == (i > 0) || i == 0 {
			st.sumI = s
			return nil
		}
		if fn == aggSum {
			return evalErr(s3err.ErrIntegerOverflow, "")
		}
	}
	st.addFloat(float64(i))
	return nil
}

// addFloat adds f to the sum, which is a float64 from then on.
func (st *aggState) addFloat(f float64) {
	if !st.float {
		st.float, st.sumF = true, float64(st.sumI)
	}
	st.sumF += f
}

// result is the aggregate's value; over no values, SUM, AVG, MIN and MAX
// are NULL and COUNT is 0.
func (st *aggState) result(fn aggFunc) value {
	switch fn {
	case aggCount:
		return intV(st.n)
	case aggSum:
		if st.n == 0 {
			return nullV
		}
		if st.float {
			return floatV(st.sumF)
		}
		return intV(st.sumI)
	case aggAvg:
		if st.n == 0 {
			return nullV
		}
		s := st.sumF
		if !st.float {
			s = float64(st.sumI)
		}
		avg := s / float64(st.n)
		if math.IsInf(avg, 0) {
			return nullV
		}
		return floatV(avg)
	}
	if !st.hasAny {
		return nullV
	}
	return st.best
}

func isNaN(v value) bool { return v.k == kFloat && math.IsNaN(v.flt()) }

// Merge folds the aggregate state of later, an evaluator of the same
// query over records that come after this one's, into this one, so that
// a scan split into parts gives one result. COUNT, SUM, AVG, MIN and MAX
// combine exactly as one scan would, with two differences of order: a
// float sum may differ in its last bits, and SUM reports IntegerOverflow
// when a part's running total or the combined total leaves int64, where
// one scan reports it when its running total does.
func (ev *Evaluator) Merge(later *Evaluator) error {
	for _, a := range ev.q.aggs {
		if err := ev.aggs[a.slot].merge(a.fn, &later.aggs[a.slot]); err != nil {
			return err
		}
	}
	return nil
}

func (st *aggState) merge(fn aggFunc, o *aggState) error {
	switch fn {
	case aggCount:
		st.n += o.n
	case aggSum, aggAvg:
		st.n += o.n
		if !o.float {
			return st.addInt(fn, o.sumI)
		}
		st.addFloat(o.sumF)
	case aggMin, aggMax:
		if !o.hasAny {
			return nil
		}
		// o's value is one of the values the later records gave, so
		// folding it in is what one scan would have done.
		return st.add(fn, o.best)
	}
	return nil
}

package lifecycle

import (
	"math/bits"
	"time"

	wire "github.com/kurastore/kura/wire/lifecycle"
)

// Version is what a rule looks at: one version of an object (or the
// only record of a key in a bucket that was never versioned).
type Version struct {
	Key       string
	VersionID string
	Size      int64
	Tags      map[string]string
	// ModTime is when the version was written.
	ModTime time.Time
	// IsLatest marks the current version of its key.
	IsLatest     bool
	DeleteMarker bool
	// NoncurrentSince is when a noncurrent version stopped being current:
	// the ModTime of the next newer version. Zero for the latest; a
	// noncurrent version with a zero NoncurrentSince has nothing due.
	NoncurrentSince time.Time
	// NewerNoncurrent counts the noncurrent versions of the key that are
	// newer than this one (0 for the newest noncurrent version).
	NewerNoncurrent int
	// OnlyVersion marks a delete marker that is the only version of its
	// key: an expired object delete marker.
	OnlyVersion bool
	// StorageClass is "" (STANDARD) or the tier the data moved to.
	StorageClass string
}

// Kind is what a rule does to a version.
type Kind int

const (
	// None: nothing is due.
	None Kind = iota
	// Expire the current version: delete it in a bucket that was never
	// versioned, put a delete marker on it in a versioned one.
	Expire
	// DeleteVersion removes a noncurrent version for good.
	DeleteVersion
	// DeleteMarker removes an expired object delete marker.
	DeleteMarker
	// Transition moves the version's data to Action.StorageClass.
	Transition
)

// Action is what is due for a version, and the rule that asks for it.
type Action struct {
	Kind         Kind
	RuleID       string
	StorageClass string
}

// MinSize says which objects are too small to transition, as the
// x-amz-transition-default-minimum-object-size header does.
type MinSize string

const (
	// MinSize128K keeps objects under 128 KiB from transitioning (S3's
	// default) unless a rule's size filter says otherwise.
	MinSize128K MinSize = "all_storage_classes_128K"
	// MinSizeByClass lets each storage class decide; kura's tiers take
	// objects of any size.
	MinSizeByClass MinSize = "varies_by_storage_class"
)

// DefaultMinTransitionSize is the size under which MinSize128K keeps
// objects from transitioning.
const DefaultMinTransitionSize = 128 << 10

// Standard is the storage class of data that has not moved to a tier.
const Standard = "STANDARD"

// Rules is a bucket's lifecycle configuration, ready to evaluate. It is
// immutable once compiled and safe for concurrent use. A nil *Rules has
// no rules: nothing is ever due.
type Rules struct {
	rules   []rule
	minSize MinSize
}

// rule is an enabled wire rule with its filter and actions flattened,
// so that evaluating it reads no pointers and allocates nothing.
type rule struct {
	id     string
	prefix string
	tags   []tag
	// greater and less bound the size when hasGreater/hasLess.
	greater, less       int64
	hasGreater, hasLess bool

	// expireDays > 0, or expireDate set (hasExpireDate), expire current
	// versions; expireMarkers removes expired object delete markers.
	expireDays    int
	expireDate    time.Time
	hasExpireDate bool
	expireMarkers bool

	transitions []transition

	// noncurrentDays > 0 removes noncurrent versions, keeping the
	// noncurrentNewer newest.
	noncurrentDays  int
	noncurrentNewer int

	noncurrentTransitions []transition

	// abortDays > 0 aborts incomplete multipart uploads.
	abortDays int
}

type tag struct{ key, value string }

// transition is a Transition (days or date) or a
// NoncurrentVersionTransition (days, newer).
type transition struct {
	days    int
	date    time.Time
	hasDate bool
	newer   int
	class   string
}

// Compile prepares a validated configuration for evaluation. Disabled
// rules are dropped, and so are transitions to STANDARD, where data
// already is. An empty minSize is MinSize128K, S3's default.
func Compile(cfg *wire.Configuration, minSize MinSize) *Rules {
	if minSize == "" {
		minSize = MinSize128K
	}
	r := &Rules{minSize: minSize}
	for i := range cfg.Rules {
		w := &cfg.Rules[i]
		if w.Status != wire.Enabled {
			continue
		}
		r.rules = append(r.rules, compileRule(w))
	}
	return r
}

func compileRule(w *wire.Rule) rule {
	c := rule{id: w.ID}
	compileFilter(&c, w)
	if e := w.Expiration; e != nil {
		c.expireDays = e.Days
		if e.Date != nil {
			c.expireDate, c.hasExpireDate = *e.Date, true
		}
		c.expireMarkers = e.ExpiredObjectDeleteMarker
	}
	for _, t := range w.Transitions {
		if t.StorageClass == Standard {
			continue
		}
		ct := transition{class: t.StorageClass}
		switch {
		case t.Date != nil:
			ct.date, ct.hasDate = *t.Date, true
		case t.Days != nil:
			ct.days = *t.Days
		}
		c.transitions = append(c.transitions, ct)
	}
	if n := w.NoncurrentVersionExpiration; n != nil {
		c.noncurrentDays, c.noncurrentNewer = n.NoncurrentDays, n.NewerNoncurrentVersions
	}
	for _, t := range w.NoncurrentVersionTransitions {
		if t.StorageClass == Standard {
			continue
		}
		c.noncurrentTransitions = append(c.noncurrentTransitions,
			transition{days: t.NoncurrentDays, newer: t.NewerNoncurrentVersions, class: t.StorageClass})
	}
	if a := w.AbortIncompleteMultipartUpload; a != nil {
		c.abortDays = a.DaysAfterInitiation
	}
	return c
}

// compileFilter flattens the legacy Prefix or the Filter of w into c.
func compileFilter(c *rule, w *wire.Rule) {
	if w.Prefix != nil {
		c.prefix = *w.Prefix
	}
	f := w.Filter
	if f == nil {
		return
	}
	if f.Prefix != nil {
		c.prefix = *f.Prefix
	}
	if f.ObjectSizeGreaterThan != nil {
		c.greater, c.hasGreater = *f.ObjectSizeGreaterThan, true
	}
	if f.ObjectSizeLessThan != nil {
		c.less, c.hasLess = *f.ObjectSizeLessThan, true
	}
	for _, t := range f.Tags() {
		c.tags = append(c.tags, tag{t.Key, t.Value})
	}
	if a := f.And; a != nil {
		c.prefix = a.Prefix
		// In an And, an absent size bound is written as 0.
		c.greater, c.hasGreater = a.ObjectSizeGreaterThan, a.ObjectSizeGreaterThan != 0
		c.less, c.hasLess = a.ObjectSizeLessThan, a.ObjectSizeLessThan != 0
	}
}

// sizeFiltered: the rule selects by object size, which also lifts the
// default minimum size of transitions.
func (c *rule) sizeFiltered() bool { return c.hasGreater || c.hasLess }

// selectsMarkers: a delete marker has no tags and no size, so a rule
// that filters on either never selects one.
func (c *rule) selectsMarkers() bool { return len(c.tags) == 0 && !c.sizeFiltered() }

// matches reports whether the rule's filter selects v.
func (c *rule) matches(v *Version) bool {
	if len(v.Key) < len(c.prefix) || v.Key[:len(c.prefix)] != c.prefix {
		return false
	}
	if v.DeleteMarker {
		return c.selectsMarkers()
	}
	if c.hasGreater && v.Size <= c.greater || c.hasLess && v.Size >= c.less {
		return false
	}
	for _, t := range c.tags {
		if val, ok := v.Tags[t.key]; !ok || val != t.value {
			return false
		}
	}
	return true
}

// due is an action and when it became (or becomes) due.
type due struct {
	action Action
	at     time.Time
}

// earlier keeps the due action that came first; on a tie, the one of
// the earlier rule.
func (d *due) earlier(a Action, at time.Time) {
	if d.action.Kind == None || at.Before(d.at) {
		*d = due{a, at}
	}
}

// later keeps the due action that came last: of two transitions due,
// the later one is the colder class, where the data is meant to be now.
func (d *due) later(a Action, at time.Time) {
	if d.action.Kind == None || at.After(d.at) {
		*d = due{a, at}
	}
}

// Evaluate returns the action due for v at now, where day is the length
// of a lifecycle day (24h, shorter for tests). When several rules apply,
// expiration wins over transition, as in S3; of several expirations the
// one due first is named, of several transitions the one due last (the
// step of a chain the version should be on now).
func (r *Rules) Evaluate(v Version, now time.Time, day time.Duration) Action {
	if r == nil {
		return Action{}
	}
	var expire, move due
	for i := range r.rules {
		c := &r.rules[i]
		if !c.matches(&v) {
			continue
		}
		switch {
		case v.IsLatest && v.DeleteMarker:
			c.evaluateMarker(&v, now, day, &expire)
		case v.IsLatest:
			c.evaluateCurrent(&v, now, day, &expire)
			if r.mayTransition(c, &v) {
				c.evaluateTransitions(&v, now, day, &move)
			}
		case !v.NoncurrentSince.IsZero():
			c.evaluateNoncurrent(&v, now, day, &expire)
			if r.mayTransition(c, &v) {
				c.evaluateNoncurrentTransitions(&v, now, day, &move)
			}
		}
	}
	if expire.action.Kind != None {
		return expire.action
	}
	return move.action
}

// evaluateMarker: a current delete marker is removed only when it is the
// only version of its key, by ExpiredObjectDeleteMarker at once or, as
// S3 does, by an Expiration in Days once the marker is that old.
func (c *rule) evaluateMarker(v *Version, now time.Time, day time.Duration, d *due) {
	if !v.OnlyVersion {
		return
	}
	a := Action{Kind: DeleteMarker, RuleID: c.id}
	if c.expireMarkers {
		d.earlier(a, v.ModTime)
	}
	if c.expireDays > 0 {
		if at := DayAfter(v.ModTime, c.expireDays, day); !now.Before(at) {
			d.earlier(a, at)
		}
	}
}

func (c *rule) evaluateCurrent(v *Version, now time.Time, day time.Duration, d *due) {
	if at, ok := c.expiration(v, day); ok && !now.Before(at) {
		d.earlier(Action{Kind: Expire, RuleID: c.id}, at)
	}
}

// expiration is when the rule expires the current version v.
func (c *rule) expiration(v *Version, day time.Duration) (time.Time, bool) {
	switch {
	case c.hasExpireDate:
		return c.expireDate, true
	case c.expireDays > 0:
		return DayAfter(v.ModTime, c.expireDays, day), true
	}
	return time.Time{}, false
}

func (c *rule) evaluateTransitions(v *Version, now time.Time, day time.Duration, d *due) {
	for _, t := range c.transitions {
		at := t.date
		if !t.hasDate {
			at = DayAfter(v.ModTime, t.days, day)
		}
		if !now.Before(at) {
			d.later(Action{Kind: Transition, RuleID: c.id, StorageClass: t.class}, at)
		}
	}
}

func (c *rule) evaluateNoncurrent(v *Version, now time.Time, day time.Duration, d *due) {
	if c.noncurrentDays <= 0 || v.NewerNoncurrent < c.noncurrentNewer {
		return
	}
	if at := DayAfter(v.NoncurrentSince, c.noncurrentDays, day); !now.Before(at) {
		d.earlier(Action{Kind: DeleteVersion, RuleID: c.id}, at)
	}
}

func (c *rule) evaluateNoncurrentTransitions(v *Version, now time.Time, day time.Duration, d *due) {
	for _, t := range c.noncurrentTransitions {
		if v.NewerNoncurrent < t.newer {
			continue
		}
		if at := DayAfter(v.NoncurrentSince, t.days, day); !now.Before(at) {
			d.later(Action{Kind: Transition, RuleID: c.id, StorageClass: t.class}, at)
		}
	}
}

// mayTransition: delete markers have no data to move; data already on a
// tier stays there; and under MinSize128K small objects stay unless the
// rule filters on size.
func (r *Rules) mayTransition(c *rule, v *Version) bool {
	switch {
	case v.DeleteMarker, v.StorageClass != "" && v.StorageClass != Standard:
		return false
	case r.minSize == MinSize128K && v.Size < DefaultMinTransitionSize:
		return c.sizeFiltered()
	}
	return true
}

// Expiration returns when the current version v will expire and the rule
// that expires it (x-amz-expiration), if a rule expires it. Of several,
// the first to expire it is named. Delete markers and noncurrent
// versions have none.
func (r *Rules) Expiration(v Version, day time.Duration) (at time.Time, ruleID string, ok bool) {
	if r == nil || !v.IsLatest || v.DeleteMarker {
		return time.Time{}, "", false
	}
	var d due
	for i := range r.rules {
		c := &r.rules[i]
		if !c.matches(&v) {
			continue
		}
		if t, ok := c.expiration(&v, day); ok {
			d.earlier(Action{Kind: Expire, RuleID: c.id}, t)
		}
	}
	return d.at, d.action.RuleID, d.action.Kind != None
}

// AbortUpload returns the rule that aborts an incomplete multipart
// upload of key begun at initiated, and when it is due. Only a rule that
// selects by key prefix alone selects an upload: it has no tags or size
// yet. Of several rules, the first to abort it is named.
func (r *Rules) AbortUpload(key string, initiated time.Time, day time.Duration) (at time.Time, ruleID string, ok bool) {
	if r == nil {
		return time.Time{}, "", false
	}
	v := Version{Key: key, DeleteMarker: true} // matched as having neither tags nor size
	var d due
	for i := range r.rules {
		c := &r.rules[i]
		if c.abortDays <= 0 || !c.matches(&v) {
			continue
		}
		d.earlier(Action{Kind: Expire, RuleID: c.id}, DayAfter(initiated, c.abortDays, day))
	}
	return d.at, d.action.RuleID, d.action.Kind != None
}

// NamesClass reports whether a transition of an enabled rule moves data
// to class.
func (r *Rules) NamesClass(class string) bool {
	if r == nil {
		return false
	}
	for i := range r.rules {
		for _, ts := range [][]transition{r.rules[i].transitions, r.rules[i].noncurrentTransitions} {
			for _, t := range ts {
				if t.class == class {
					return true
				}
			}
		}
	}
	return false
}

// UsesTags reports whether any rule filters on tags, so that a scanner
// can skip decoding the tags of versions in buckets without one.
func (r *Rules) UsesTags() bool {
	if r == nil {
		return false
	}
	for i := range r.rules {
		if len(r.rules[i].tags) > 0 {
			return true
		}
	}
	return false
}

// HasAbort reports whether any rule aborts incomplete multipart uploads,
// so that a scanner can skip listing uploads of buckets without one.
func (r *Rules) HasAbort() bool {
	if r == nil {
		return false
	}
	for i := range r.rules {
		if r.rules[i].abortDays > 0 {
			return true
		}
	}
	return false
}

// unixFromZero is how far the Unix epoch lies after time's zero time
// (January 1 of year 1), in seconds: time.Truncate rounds since the
// latter.
const unixFromZero = 62135596800

// farFuture stands for a time too far on to compute: Days beyond what
// a Duration spans (292 years) are due then.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// DayAfter returns t plus n lifecycle days, rounded up to the next day
// boundary (midnight UTC for 24-hour days). Boundaries are multiples of
// day since the Unix epoch; a time exactly on one stays. n days longer
// than a Duration spans (292 years) end on the last day of the year 9999.
func DayAfter(t time.Time, n int, day time.Duration) time.Time {
	if day <= 0 {
		day = 24 * time.Hour
	}
	if n < 0 {
		n = 0
	}
	if int64(n) > int64(maxDuration/day) {
		return farFuture
	}
	t = t.Add(time.Duration(n) * day)
	rem := t.Sub(t.Truncate(day)) - zeroOffset(day)
	if rem < 0 {
		rem += day
	}
	if rem == 0 {
		return t.UTC()
	}
	return t.Add(day - rem).UTC()
}

const maxDuration = time.Duration(1<<63 - 1)

// zeroOffset is the remainder of the span from time's zero time to the
// Unix epoch divided by day.
func zeroOffset(day time.Duration) time.Duration {
	hi, lo := bits.Mul64(unixFromZero, uint64(time.Second))
	return time.Duration(bits.Rem64(hi, lo, uint64(day)))
}

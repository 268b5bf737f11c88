// Package lifecycle applies S3 bucket lifecycle configurations: it
// decides what is due for each version of an object (expiration,
// removal of noncurrent versions and expired object delete markers,
// transition to a tier) and for incomplete multipart uploads, and the
// server's background scanner carries it out.
//
// The configuration document itself (its XML and AWS's validation) is
// package wire/lifecycle. Compile turns a validated configuration into
// Rules, whose Evaluate is pure and allocation-free: the scanner calls
// it for every version of every bucket that has rules. The S3 API uses
// Expiration and AbortUpload for the x-amz-expiration and
// x-amz-abort-date headers.
//
// Time is counted in lifecycle days. A day is 24 hours unless the
// server is told otherwise (tests shorten it); day boundaries are
// multiples of the day since the Unix epoch, midnight UTC for 24-hour
// days. An action n days after a time is due at that time plus n days,
// rounded up to the next boundary (DayAfter), as S3 rounds to the next
// midnight UTC. A Date in a rule is the wall-clock instant it names,
// whatever the length of a day.
//
// What S3 does and Evaluate follows:
//
//   - Only rules whose Status is Enabled apply.
//   - A rule selects by the legacy Prefix, or by its Filter: Prefix, Tag,
//     ObjectSizeGreaterThan, ObjectSizeLessThan (both strict), or And of
//     those. A filter on tags or size never selects a delete marker, nor
//     an incomplete upload.
//   - Expiration Days or Date expires the current version. A delete
//     marker that is the only version of its key (an expired object
//     delete marker) is removed by ExpiredObjectDeleteMarker at once, or
//     by Expiration Days once the marker is that many days old.
//   - NoncurrentVersionExpiration removes a noncurrent version (or delete
//     marker) NoncurrentDays after it became noncurrent, except for the
//     NewerNoncurrentVersions newest noncurrent versions of its key.
//   - Transition and NoncurrentVersionTransition move a version's data
//     to a tier. Delete markers never move; data already on a tier does
//     not move again; a transition to STANDARD is no transition. Under
//     the default minimum size mode (MinSize128K) objects under 128 KiB
//     do not move unless the rule filters on object size.
//   - When an expiration and a transition are both due, the expiration
//     wins. Of several expirations the one due first is named; of
//     several transitions the one due last, the step of a chain of
//     transitions the data should be on by now.
//
// A bucket's configuration is stored as one bucket configuration
// document, ConfigName: the minimum size mode on a first line, then the
// configuration's canonical XML (EncodeStored, DecodeStored). Parse
// compiles such a document.
package lifecycle

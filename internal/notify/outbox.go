package notify

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/outbox"
	"github.com/kurastore/kura/wire/notification"
)

// The outbox's metadata keys all start with 'E':
//
//	Eh<seq>              every event: the record's data, for listeners and
//	                     deliverers; kept for Options.History, and for as
//	                     long as a target's queue still names it
//	Eq<target>\x00<seq>  one event queued for one target, until delivered;
//	                     its value is the id of the configuration that sends
//	                     it there, and its data is Eh<seq>
//	Et<target>           a target added through the admin API (secrets sealed)
//	El<target>           which gateway delivers to the target (shared stores)
//	Es<target>           the target's delivery counters
//	Ew<process>          what a gateway's listeners want of reads (shared stores)
//
// <target> is "<type>:<name>"; <seq> is the event's 12-byte sequence key:
// 8 bytes of time in nanoseconds and 4 bytes naming the process that
// recorded it, so that keys sort by time and two gateways never collide.
const (
	tagOutbox     = 'E'
	sortHistory   = 'h'
	sortQueue     = 'q'
	sortTargetCfg = 't'
	sortLease     = 'l'
	sortStats     = 's'
	sortWants     = 'w'
)

func historyPrefix() []byte { return []byte{tagOutbox, sortHistory} }

func historyKey(seq []byte) []byte { return append(historyPrefix(), seq...) }

func queuePrefix(target string) []byte {
	return append(append([]byte{tagOutbox, sortQueue}, target...), 0)
}

func queueKey(target string, seq []byte) []byte { return append(queuePrefix(target), seq...) }

func targetConfigPrefix() []byte { return []byte{tagOutbox, sortTargetCfg} }

func targetConfigKey(target string) []byte { return append(targetConfigPrefix(), target...) }

func leaseKey(name string) []byte { return append([]byte{tagOutbox, sortLease}, name...) }

func statsKey(target string) []byte { return append([]byte{tagOutbox, sortStats}, target...) }

// Sequencer is the text form of a sequence key: the event record's
// s3.object.sequencer, upper-case hex, which sorts as the keys do.
func sequencerString(seq []byte) string {
	return fmt.Sprintf("%X", seq)
}

// parseSequencer reads a sequencer back into its key.
func parseSequencer(s string) ([]byte, error) {
	seq, err := hex.DecodeString(s)
	if err != nil || len(seq) != outbox.SequenceLen {
		return nil, fmt.Errorf("notify: %q is not a kura event sequencer", s)
	}
	return seq, nil
}

// RecordEvent is object.EventRecorder: it writes the event to the
// history and queues it for every target the bucket's configuration
// sends it to, in the transaction of the change.
func (s *Service) RecordEvent(ctx context.Context, tx meta.Txn, e object.Event, doc []byte) error {
	if c, ok := tx.(meta.TxnClock); ok && s.opts.Shared {
		// The writes of one key through different gateways hold the
		// key's lock in turn; only the store's clock read under it puts
		// their events in that order. The estimate of it e.Time is on
		// can be off between gateways by more than the time between two
		// writes.
		now, err := c.Now()
		if err != nil {
			return err
		}
		e.Time = now
	}
	seq := s.seq.Next(e.Time)
	ev := newStored(e, sequencerString(seq), OriginFrom(ctx))
	val, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if err := tx.Set(historyKey(seq), val); err != nil {
		return err
	}
	if doc != nil {
		cfg, err := s.parseConfig(doc)
		if err != nil {
			// Only validated documents are stored; one that no longer
			// parses sends nothing rather than failing the write.
			s.log.Warn("notification configuration unreadable; events of the bucket are not delivered", "bucket", e.Bucket, "err", err)
			cfg = nil
		}
		for _, d := range cfg.Destinations(e.Name, e.Key) {
			id, ok, err := s.targetForARN(tx, d.ARN)
			if err != nil {
				return err
			}
			if !ok {
				s.unroutable.Add(1)
				continue
			}
			if err := tx.Set(queueKey(id, seq), []byte(d.ID)); err != nil {
				return err
			}
		}
	}
	s.kickSoon()
	return nil
}

// parseConfig parses a notification document, remembering the last few:
// every write to a bucket with a configuration needs it.
func (s *Service) parseConfig(doc []byte) (*notification.Configuration, error) {
	s.cfgMu.Lock()
	cfg, ok := s.cfgs[string(doc)]
	s.cfgMu.Unlock()
	if ok {
		return cfg, nil
	}
	cfg, err := notification.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	s.cfgMu.Lock()
	if len(s.cfgs) >= 256 {
		clear(s.cfgs)
	}
	s.cfgs[string(doc)] = cfg
	s.cfgMu.Unlock()
	return cfg, nil
}

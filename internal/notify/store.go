package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

// TargetsGenerationKey changes whenever a target is added or removed, so
// that every gateway reloads its targets.
var TargetsGenerationKey = meta.GenerationKey("notify-targets")

// sealPurpose derives the key that seals targets' secret settings from
// the seal key; changing it would make every stored secret unreadable.
const sealPurpose = "kura notify target secrets v1"

// storedTarget is a target as the metadata store keeps it: its secret
// settings sealed, bound to the target's id.
type storedTarget struct {
	Type     string            `json:"type"`
	Name     string            `json:"name"`
	Settings map[string]string `json:"settings,omitempty"`
	Sealed   []byte            `json:"sealed,omitempty"`
}

func (s *Service) encodeTarget(c Config) ([]byte, error) {
	k, _ := LookupKind(c.Type)
	st := storedTarget{Type: c.Type, Name: c.Name, Settings: map[string]string{}}
	secrets := map[string]string{}
	for name, v := range c.Settings {
		if isSecret(k, name) {
			secrets[name] = v
		} else {
			st.Settings[name] = v
		}
	}
	if len(secrets) > 0 {
		plain, err := json.Marshal(secrets)
		if err != nil {
			return nil, err
		}
		st.Sealed = s.seal.Seal(plain, []byte(targetID(c.Type, c.Name)))
	}
	return json.Marshal(st)
}

func (s *Service) decodeTarget(v []byte) (Config, error) {
	var st storedTarget
	if err := json.Unmarshal(v, &st); err != nil {
		return Config{}, err
	}
	c := Config{Type: st.Type, Name: st.Name, Settings: st.Settings}
	if c.Settings == nil {
		c.Settings = map[string]string{}
	}
	if len(st.Sealed) > 0 {
		plain, err := s.seal.Open(st.Sealed, []byte(targetID(st.Type, st.Name)))
		if err != nil {
			return Config{}, fmt.Errorf("notify: target %s: its secrets are sealed under another key", targetID(st.Type, st.Name))
		}
		var secrets map[string]string
		if err := json.Unmarshal(plain, &secrets); err != nil {
			return Config{}, err
		}
		for k, v := range secrets {
			c.Settings[k] = v
		}
	}
	return c, nil
}

func isSecret(k Kind, name string) bool {
	for _, s := range k.Settings {
		if s.Name == name {
			return s.Secret
		}
	}
	return false
}

func decodeStored(v []byte) (stored, error) {
	var ev stored
	err := json.Unmarshal(v, &ev)
	return ev, err
}

// AddTarget checks c, connects to it once, stores it and starts
// delivering to it. It returns the target's ARN. A target that cannot be
// reached is not added: the error says why (to the admin only).
func (s *Service) AddTarget(ctx context.Context, c Config) (string, error) {
	c.Name = strings.ToLower(c.Name)
	k, err := c.Check()
	if err != nil {
		return "", err
	}
	id := targetID(c.Type, c.Name)
	s.mu.RLock()
	_, exists := s.targets[id]
	s.mu.RUnlock()
	if exists {
		return "", fmt.Errorf("%w: %s", ErrTargetExists, id)
	}
	t, err := k.Open(c)
	if err != nil {
		return "", err
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = t.Ping(pctx)
	cancel()
	if err != nil {
		t.Close()
		return "", fmt.Errorf("notify: %s target %s is not reachable: %w", c.Type, c.Name, err)
	}
	t.Close()
	val, err := s.encodeTarget(c)
	if err != nil {
		return "", err
	}
	err = s.meta.Update(ctx, []meta.Lock{{Name: targetConfigKey(id)}}, func(tx meta.Txn) error {
		if _, err := tx.Get(targetConfigKey(id)); err == nil {
			return fmt.Errorf("%w: %s", ErrTargetExists, id)
		} else if !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		if err := tx.Set(targetConfigKey(id), val); err != nil {
			return err
		}
		return meta.BumpGeneration(tx, TargetsGenerationKey)
	})
	if err != nil {
		return "", err
	}
	return c.ARN(s.opts.Region), s.reload(ctx)
}

// RemoveTarget removes a stored target and drops the events queued for
// it. Buckets whose configuration still names it send it nothing more.
func (s *Service) RemoveTarget(ctx context.Context, typ, name string) (dropped int, err error) {
	id := targetID(typ, name)
	s.mu.RLock()
	t, ok := s.targets[id]
	s.mu.RUnlock()
	if ok && t.fromEnv {
		return 0, ErrEnvTarget
	}
	err = s.meta.Update(ctx, []meta.Lock{{Name: targetConfigKey(id)}}, func(tx meta.Txn) error {
		if _, err := tx.Get(targetConfigKey(id)); err != nil {
			if errors.Is(err, meta.ErrNotFound) {
				return fmt.Errorf("%w: %s", ErrNoSuchTarget, id)
			}
			return err
		}
		if err := tx.Delete(targetConfigKey(id)); err != nil {
			return err
		}
		if err := tx.Delete(statsKey(id)); err != nil {
			return err
		}
		return meta.BumpGeneration(tx, TargetsGenerationKey)
	})
	if err != nil {
		return 0, err
	}
	if err := s.reload(ctx); err != nil {
		return 0, err
	}
	p := queuePrefix(id)
	return meta.DeleteRange(ctx, s.meta, p, meta.PrefixEnd(p), 1000)
}

// reload brings the running targets in line with the stored ones (and
// the environment's): it starts new ones and stops removed ones.
func (s *Service) reload(ctx context.Context) error {
	var want map[string]Config
	err := s.meta.View(ctx, func(r meta.Reader) error {
		want = map[string]Config{} // a rerun starts again
		return meta.EachEntry(r, targetConfigPrefix(), func(k, v []byte) error {
			c, err := s.decodeTarget(v)
			if err != nil {
				s.log.Error("notify: a stored target cannot be read", "key", string(k[2:]), "err", err)
				return nil
			}
			want[targetID(c.Type, c.Name)] = c
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.targets {
		if t.fromEnv {
			continue
		}
		if _, keep := want[id]; !keep {
			if t.stop != nil {
				t.stop()
				go func() { <-t.done; t.target.Close() }()
			} else {
				t.target.Close()
			}
			delete(s.targets, id)
		}
	}
	for id, c := range want {
		if _, running := s.targets[id]; running {
			continue
		}
		k, err := c.Check()
		if err != nil {
			s.log.Error("notify: a stored target is not valid", "target", id, "err", err)
			continue
		}
		tg, err := k.Open(c)
		if err != nil {
			s.log.Error("notify: opening a stored target", "target", id, "err", err)
			continue
		}
		t := newRunTarget(id, c, tg, false)
		s.targets[id] = t
		s.startLocked(t)
	}
	return nil
}

// watchTargets reloads the targets when another gateway changes them.
func (s *Service) watchTargets(ctx context.Context) {
	w := meta.GenerationWatch{Key: TargetsGenerationKey}
	for {
		changed, err := w.Changed(ctx, s.meta)
		if err == nil && changed {
			if err := s.reload(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("notify: reloading targets", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(reloadInterval):
		}
	}
}

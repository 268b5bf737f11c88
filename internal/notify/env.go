package notify

import (
	"fmt"
	"sort"
	"strings"
)

// EnvPrefix starts every environment variable that configures a target:
// KURA_NOTIFY_<TYPE>_<SETTING>_<NAME>=value, for instance
// KURA_NOTIFY_WEBHOOK_ENDPOINT_PRIMARY=http://hooks:8080/events. TYPE and
// SETTING are upper case, with "-" written "_"; NAME is the target's name
// (its ARN uses it in lower case).
const EnvPrefix = "KURA_NOTIFY_"

// FromEnv reads the targets configured by environment variables (environ
// is os.Environ()). A variable that names no known type or setting is an
// error, so that a typo does not silently leave a target out.
func FromEnv(environ []string) ([]Config, error) {
	byID := map[string]*Config{}
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, EnvPrefix)
		if !ok {
			continue
		}
		k, setting, target, err := splitEnvName(rest)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		id := targetID(k.Type, target)
		c := byID[id]
		if c == nil {
			c = &Config{Type: k.Type, Name: strings.ToLower(target), Settings: map[string]string{}}
			byID[id] = c
		}
		c.Settings[setting] = value
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]Config, 0, len(ids))
	for _, id := range ids {
		if _, err := byID[id].Check(); err != nil {
			return nil, err
		}
		out = append(out, *byID[id])
	}
	return out, nil
}

// envWord is how a type or setting name appears in a variable's name.
func envWord(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// splitEnvName splits TYPE_SETTING_NAME, matching the longest known type
// and setting, since both may contain "_".
func splitEnvName(rest string) (Kind, string, string, error) {
	var kind Kind
	var after string
	for _, k := range Kinds() {
		if r, ok := strings.CutPrefix(rest, envWord(k.Type)+"_"); ok && len(k.Type) > len(kind.Type) {
			kind, after = k, r
		}
	}
	if kind.Type == "" {
		return Kind{}, "", "", fmt.Errorf("no target type %q", strings.SplitN(rest, "_", 2)[0])
	}
	setting := ""
	name := ""
	for _, s := range kind.Settings {
		if r, ok := strings.CutPrefix(after, envWord(s.Name)+"_"); ok && len(s.Name) > len(setting) {
			setting, name = s.Name, r
		}
	}
	if setting == "" {
		return Kind{}, "", "", fmt.Errorf("%s targets have no setting matching %q", kind.Type, after)
	}
	if !ValidName(name) {
		return Kind{}, "", "", fmt.Errorf("target name %q: use 1 to 64 letters, digits, '-' or '_'", name)
	}
	return kind, setting, name, nil
}

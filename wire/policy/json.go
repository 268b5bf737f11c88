package policy

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"

	"github.com/kurastore/kura/s3err"
)

// The policy language names its elements exactly: encoding/json would
// match them without regard to case and skip unknown ones, so policies and
// statements are decoded element by element instead.

// UnmarshalJSON decodes a policy, refusing unknown elements.
func (p *Policy) UnmarshalJSON(data []byte) error {
	elems, err := elements(data)
	if err != nil {
		return err
	}
	var out Policy
	for _, name := range sortedNames(elems) {
		raw := elems[name]
		switch name {
		case "Version":
			err = json.Unmarshal(raw, &out.Version)
		case "Id":
			err = json.Unmarshal(raw, &out.ID)
		case "Statement":
			out.Statement, err = statements(raw)
		default:
			return unknownField(name)
		}
		if err != nil {
			return err
		}
	}
	// Field by field: a Policy is not copied whole (it holds its compiled
	// form), and the form compiled before, if any, is stale now.
	p.Version, p.ID, p.Statement = out.Version, out.ID, out.Statement
	p.compiledForm.Store(nil)
	return nil
}

// statements reads Statement, which may be one statement or a list.
func statements(raw json.RawMessage) ([]Statement, error) {
	if firstByte(raw) == '{' {
		var s Statement
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []Statement{s}, nil
	}
	if firstByte(raw) != '[' {
		return nil, s3err.ErrMalformedPolicy
	}
	var list []Statement
	err := json.Unmarshal(raw, &list)
	return list, err
}

// UnmarshalJSON decodes a statement, refusing unknown elements.
func (s *Statement) UnmarshalJSON(data []byte) error {
	elems, err := elements(data)
	if err != nil {
		return err
	}
	var out Statement
	for _, name := range sortedNames(elems) {
		raw := elems[name]
		var dst any
		switch name {
		case "Sid":
			dst = &out.Sid
		case "Effect":
			dst = &out.Effect
		case "Principal":
			dst = &out.Principal
		case "NotPrincipal":
			dst = &out.NotPrincipal
		case "Action":
			dst = &out.Action
		case "NotAction":
			dst = &out.NotAction
		case "Resource":
			dst = &out.Resource
		case "NotResource":
			dst = &out.NotResource
		case "Condition":
			dst = &out.Condition
		default:
			return unknownField(name)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return err
		}
	}
	*s = out
	return nil
}

// UnmarshalJSON reads "*" or {"AWS": value-or-list}.
func (p *Principal) UnmarshalJSON(data []byte) error {
	if firstByte(data) == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil || s != "*" {
			return errInvalidPrincipal
		}
		*p = Principal{All: true}
		return nil
	}
	elems, err := elements(data)
	if err != nil {
		return errInvalidPrincipal
	}
	var out Principal
	for name, raw := range elems {
		var dst *Values
		switch name {
		case "AWS":
			dst = &out.AWS
		case "Service":
			dst = &out.Service
		default:
			return errInvalidPrincipal
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return err
		}
	}
	*p = out
	return nil
}

// MarshalJSON writes "*" for everyone, else {"AWS": ..., "Service": ...}.
func (p Principal) MarshalJSON() ([]byte, error) {
	if p.All {
		return []byte(`"*"`), nil
	}
	return marshal(struct {
		AWS     Values `json:"AWS,omitempty"`
		Service Values `json:"Service,omitempty"`
	}{p.AWS, p.Service})
}

// Values is an element that the policy language lets be one string or a
// list of them. Condition values may also be JSON numbers or booleans,
// which are kept as their JSON text ("10", "true").
type Values []string

// UnmarshalJSON reads a scalar or a list of scalars.
func (v *Values) UnmarshalJSON(data []byte) error {
	if firstByte(data) != '[' {
		s, err := scalar(data)
		if err != nil {
			return err
		}
		*v = Values{s}
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return err
	}
	out := make(Values, 0, len(items))
	for _, item := range items {
		s, err := scalar(item)
		if err != nil {
			return err
		}
		out = append(out, s)
	}
	*v = out
	return nil
}

// MarshalJSON writes one value as a string and any other number as a
// list.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return marshal(v[0])
	}
	return marshal([]string(v))
}

// marshal is json.Marshal without HTML escaping: a Marshaler's output is
// copied as it is, so Encode's SetEscapeHTML(false) does not reach it.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// scalar returns a JSON string's value, or a number's or boolean's text.
func scalar(data []byte) (string, error) {
	data = bytes.TrimSpace(data)
	switch c := firstByte(data); {
	case c == '"':
		var s string
		err := json.Unmarshal(data, &s)
		return s, err
	case c == 't' || c == 'f':
		var b bool
		err := json.Unmarshal(data, &b)
		return string(data), err
	case c == '-' || ('0' <= c && c <= '9'):
		var n json.Number
		err := json.Unmarshal(data, &n)
		return n.String(), err
	}
	return "", s3err.ErrMalformedPolicy
}

// elements splits a JSON object into its members; anything but an object
// is malformed.
func elements(data []byte) (map[string]json.RawMessage, error) {
	if firstByte(data) != '{' {
		return nil, s3err.ErrMalformedPolicy
	}
	var elems map[string]json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		return nil, err
	}
	return elems, nil
}

// sortedNames orders an object's members so that, of several faults, the
// same one is always reported.
func sortedNames(elems map[string]json.RawMessage) []string {
	return slices.Sorted(maps.Keys(elems))
}

func firstByte(data []byte) byte {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 {
		return 0
	}
	return data[0]
}

var errInvalidPrincipal = s3err.ErrMalformedPolicy.WithMessage("Invalid principal in policy")

func unknownField(name string) error {
	return s3err.ErrMalformedPolicy.WithMessage("Unknown field %s", name)
}

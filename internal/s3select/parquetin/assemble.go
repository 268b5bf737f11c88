package parquetin

import (
	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Assembly turns the leaf values of one row back into nested values,
// using their repetition and definition levels. cols holds, for each
// leaf of a node in order, the values of one instance of that node; def
// and rep are the levels its parent is defined and repeated at. A value
// whose definition level stops short of a node's is a null (optional
// node) or an empty list (repeated node) there.

func assemble(n *node, def, rep int, cols [][]parquet.Value) (any, error) {
	if len(cols) == 0 || len(cols[0]) == 0 {
		return nil, errParsing
	}
	switch n.repetition {
	case format.Optional:
		def++
		if cols[0][0].DefinitionLevel() < def {
			return nil, nil
		}
	case format.Repeated:
		return assembleRepeated(n, def+1, rep+1, cols)
	}
	return assembleRequired(n, def, rep, cols)
}

// assembleRepeated reads a repeated node as a list: its elements start
// at each value repeated at the node's level.
func assembleRepeated(n *node, def, rep int, cols [][]parquet.Value) (any, error) {
	if cols[0][0].DefinitionLevel() < def {
		return []any{}, nil
	}
	count := elementCount(cols[0], rep)
	for _, c := range cols[1:] {
		if len(c) == 0 || elementCount(c, rep) != count {
			return nil, errParsing
		}
	}
	items := make([]any, 0, count)
	rest := append([][]parquet.Value(nil), cols...)
	elem := make([][]parquet.Value, len(cols))
	for range count {
		for i, c := range rest {
			end := 1
			for end < len(c) && c[end].RepetitionLevel() > rep {
				end++
			}
			elem[i], rest[i] = c[:end], c[end:]
		}
		v, err := assembleRequired(n, def, rep, elem)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return items, nil
}

func elementCount(vals []parquet.Value, rep int) int {
	count := 1
	for _, v := range vals[1:] {
		if v.RepetitionLevel() <= rep {
			count++
		}
	}
	return count
}

// assembleRequired reads one defined instance of n.
func assembleRequired(n *node, def, rep int, cols [][]parquet.Value) (any, error) {
	if n.convert != nil {
		if len(cols) != 1 || len(cols[0]) != 1 || cols[0][0].IsNull() {
			return nil, errParsing
		}
		return n.convert(cols[0][0]), nil
	}
	if len(cols) != len(n.leaves) {
		return nil, errParsing
	}
	switch n.shape {
	case shapeList:
		return assembleList(n, def, rep, cols)
	case shapeMap:
		return assembleMap(n, def, rep, cols)
	}
	obj := &sql.Object{Keys: make([]string, len(n.children)), Values: make([]any, len(n.children))}
	at := 0
	for i, c := range n.children {
		v, err := assemble(c, def, rep, cols[at:at+len(c.leaves)])
		if err != nil {
			return nil, err
		}
		obj.Keys[i], obj.Values[i] = c.name, v
		at += len(c.leaves)
	}
	return obj, nil
}

func assembleList(n *node, def, rep int, cols [][]parquet.Value) (any, error) {
	v, err := assemble(n.children[0], def, rep, cols)
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, errParsing
	}
	if n.unwrap {
		for i, it := range items {
			obj, ok := it.(*sql.Object)
			if !ok || len(obj.Values) != 1 {
				return nil, errParsing
			}
			items[i] = obj.Values[0]
		}
	}
	return items, nil
}

// assembleMap reads a MAP as an object whose members are its entries,
// keys written as text.
func assembleMap(n *node, def, rep int, cols [][]parquet.Value) (any, error) {
	v, err := assemble(n.children[0], def, rep, cols)
	if err != nil {
		return nil, err
	}
	entries, ok := v.([]any)
	if !ok {
		return nil, errParsing
	}
	obj := &sql.Object{Keys: make([]string, 0, len(entries)), Values: make([]any, 0, len(entries))}
	for _, e := range entries {
		kv, ok := e.(*sql.Object)
		if !ok || len(kv.Values) != 2 {
			return nil, errParsing
		}
		obj.Keys = append(obj.Keys, formatKey(kv.Values[0]))
		obj.Values = append(obj.Values, kv.Values[1])
	}
	return obj, nil
}

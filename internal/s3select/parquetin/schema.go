package parquetin

import (
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// maxSchemaDepth bounds the nesting of a file's schema, so that a
// damaged or hostile footer cannot make the reader recurse without end.
const maxSchemaDepth = 64

// shape says how a node's values become S3 Select values.
type shape int

const (
	shapePlain shape = iota // a leaf value, or a group as an *sql.Object
	shapeList               // a LIST group: []any of its elements
	shapeMap                // a MAP group: *sql.Object of its entries
)

// node is one field of the file's schema, with what assembling its
// values needs.
type node struct {
	name       string
	repetition format.FieldRepetitionType
	shape      shape
	children   []*node
	// unwrap marks a LIST whose repeated group holds a single field:
	// that field is the element (the standard three-level layout).
	unwrap bool
	// Leaves of the subtree, as file column indexes, in schema order.
	leaves []int
	// convert turns a leaf's value into an S3 Select value.
	convert func(parquet.Value) any
	// timeOfDay marks a TIME leaf, read as text that its statistics do
	// not order.
	timeOfDay bool
}

// schemaTree builds the tree of the top-level fields from the flattened
// schema of the footer, checking its shape as it goes: a damaged footer
// gives errParsing, never a panic.
func schemaTree(elems []format.SchemaElement) ([]*node, error) {
	if len(elems) == 0 {
		return nil, errParsing
	}
	b := treeBuilder{elems: elems, pos: 1}
	n, ok := elems[0].NumChildren.Get()
	if !ok || n < 0 {
		return nil, errParsing
	}
	fields, err := b.children(int(n), 1)
	if err != nil {
		return nil, err
	}
	if b.pos != len(elems) {
		return nil, errParsing
	}
	return fields, nil
}

type treeBuilder struct {
	elems []format.SchemaElement
	pos   int
	leaf  int // next file column index
}

func (b *treeBuilder) children(n, depth int) ([]*node, error) {
	if depth > maxSchemaDepth || n > len(b.elems)-b.pos {
		return nil, errParsing
	}
	nodes := make([]*node, 0, n)
	for range n {
		c, err := b.node(depth)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, c)
	}
	return nodes, nil
}

func (b *treeBuilder) node(depth int) (*node, error) {
	e := &b.elems[b.pos]
	b.pos++
	rep, ok := e.RepetitionType.Get()
	if !ok {
		rep = format.Optional
	}
	if rep != format.Required && rep != format.Optional && rep != format.Repeated {
		return nil, errParsing
	}
	nd := &node{name: e.Name, repetition: rep}
	if nc, isGroup := e.NumChildren.Get(); isGroup && nc > 0 {
		kids, err := b.children(int(nc), depth+1)
		if err != nil {
			return nil, err
		}
		nd.children = kids
		for _, k := range kids {
			nd.leaves = append(nd.leaves, k.leaves...)
		}
		nd.shapeGroup(e)
		return nd, nil
	}
	if _, hasType := e.Type.Get(); !hasType {
		return nil, errParsing // a group without children
	}
	nd.leaves = []int{b.leaf}
	b.leaf++
	nd.convert = converter(e)
	_, isTime := e.LogicalType.Value.(*format.TimeType)
	ct, hasCT := e.ConvertedType.Get()
	nd.timeOfDay = isTime || hasCT && (ct == deprecated.TimeMillis || ct == deprecated.TimeMicros)
	return nd, nil
}

// shapeGroup recognises the LIST and MAP layouts: a group annotated
// LIST or MAP whose only child is repeated. Anything else is a plain
// group, read as an object of its fields.
func (nd *node) shapeGroup(e *format.SchemaElement) {
	if len(nd.children) != 1 || nd.children[0].repetition != format.Repeated {
		return
	}
	ct, hasCT := e.ConvertedType.Get()
	inner := nd.children[0]
	switch e.LogicalType.Value.(type) {
	case *format.ListType:
		nd.shape = shapeList
	case *format.MapType:
		nd.shape = shapeMap
	default:
		switch {
		case hasCT && ct == deprecated.List:
			nd.shape = shapeList
		case hasCT && (ct == deprecated.Map || ct == deprecated.MapKeyValue):
			nd.shape = shapeMap
		}
	}
	switch nd.shape {
	case shapeList:
		// Older writers name the repeated group "array" or
		// "<list>_tuple" and make the group itself the element.
		nd.unwrap = len(inner.children) == 1 && inner.name != "array" &&
			inner.name != nd.name+"_tuple"
	case shapeMap:
		if len(inner.children) != 2 {
			nd.shape = shapePlain
		}
	}
}

package console

import (
	"cmp"
	"slices"
	"strings"

	"github.com/kurastore/kura/client"
)

// The object browser sorts the page it shows (not the whole folder: a
// listing comes in key order, page by page) by one of these columns.
const (
	sortByName     = "name"
	sortBySize     = "size"
	sortByModified = "modified"
)

// sortOf is the page's column and order from the query, name ascending
// for anything else.
func sortOf(column, order string) (string, string) {
	switch column {
	case sortByName, sortBySize, sortByModified:
	default:
		column = sortByName
	}
	if order != "desc" {
		order = "asc"
	}
	return column, order
}

// sortEntries sorts a page: folders first, by name (in the chosen order
// when sorting by name), then objects by the column, ties by name.
func sortEntries(entries []client.ObjectInfo, column, order string) {
	sign := 1
	if order == "desc" {
		sign = -1
	}
	slices.SortStableFunc(entries, func(a, b client.ObjectInfo) int {
		if a.IsPrefix != b.IsPrefix {
			if a.IsPrefix {
				return -1
			}
			return 1
		}
		byName := strings.Compare(a.Key, b.Key)
		if a.IsPrefix && column != sortByName {
			return byName
		}
		var c int
		switch column {
		case sortBySize:
			c = cmp.Compare(a.Size, b.Size)
		case sortByModified:
			c = a.LastModified.Compare(b.LastModified)
		}
		if c == 0 {
			c = byName
		}
		return sign * c
	})
}

// NextOrder is the order a click on column's heading asks for: the
// other one when the page is sorted by it, ascending otherwise.
func (d *objectsData) NextOrder(column string) string {
	if d.Sort == column && d.Order == "asc" {
		return "desc"
	}
	return "asc"
}

// Arrow marks the heading of the column the page is sorted by.
func (d *objectsData) Arrow(column string) string {
	switch {
	case d.Sort != column:
		return ""
	case d.Order == "asc":
		return " ▲"
	default:
		return " ▼"
	}
}

package tagging

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

const ns = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

// tagsOf builds n distinct valid tags.
func tagsOf(n int) []Tag {
	tags := make([]Tag, n)
	for i := range tags {
		tags[i] = Tag{Key: "k" + strings.Repeat("x", i), Value: "v"}
	}
	return tags
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []Tag
		err  error
	}{
		{"with namespace", `<Tagging ` + ns + `><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>`, []Tag{{"a", "1"}}, nil},
		{"without namespace", `<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>`, []Tag{{"a", "1"}, {"b", ""}}, nil},
		{"declaration and whitespace", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Tagging>\n <TagSet>\n  <Tag><Key>a</Key><Value>1</Value></Tag>\n </TagSet>\n</Tagging>\n", []Tag{{"a", "1"}}, nil},
		{"empty tag set", `<Tagging><TagSet></TagSet></Tagging>`, nil, nil},
		{"unicode", `<Tagging><TagSet><Tag><Key>ключ</Key><Value>値</Value></Tag></TagSet></Tagging>`, []Tag{{"ключ", "値"}}, nil},
		{"escaped text", `<Tagging><TagSet><Tag><Key>a&amp;b</Key><Value>&lt;</Value></Tag></TagSet></Tagging>`, []Tag{{"a&b", "<"}}, nil},
		{"missing tag set", `<Tagging></Tagging>`, nil, s3err.ErrMalformedXML},
		{"wrong root", `<Tags><TagSet></TagSet></Tags>`, nil, s3err.ErrMalformedXML},
		{"empty body", ``, nil, s3err.ErrMalformedXML},
		{"not xml", `key=value`, nil, s3err.ErrMalformedXML},
		{"unclosed", `<Tagging><TagSet>`, nil, s3err.ErrMalformedXML},
		{"second root", `<Tagging><TagSet/></Tagging><Tagging><TagSet/></Tagging>`, nil, s3err.ErrMalformedXML},
		{"trailing text", `<Tagging><TagSet/></Tagging>junk`, nil, s3err.ErrMalformedXML},
		{"leading text", `junk<Tagging><TagSet/></Tagging>`, nil, s3err.ErrMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.doc))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Parse error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(got.TagSet) != len(tt.want) {
				t.Fatalf("TagSet = %q, want %q", got.TagSet, tt.want)
			}
			for i := range tt.want {
				if got.TagSet[i] != tt.want[i] {
					t.Fatalf("TagSet = %q, want %q", got.TagSet, tt.want)
				}
			}
		})
	}
}

func TestParseSizeLimit(t *testing.T) {
	doc := `<Tagging><TagSet></TagSet></Tagging>`
	// Trailing whitespace pads the document to an exact size.
	padded := func(size int) string { return doc + strings.Repeat(" ", size-len(doc)) }
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize))); err != nil {
		t.Fatalf("document of MaxDocumentSize: %v", err)
	}
	_, err := Parse(strings.NewReader(padded(MaxDocumentSize + 1)))
	if !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
		t.Fatalf("document of MaxDocumentSize+1: error = %v, want %v", err, s3err.ErrRequestBodyTooLarge)
	}
}

func TestValidate(t *testing.T) {
	// "é" is two bytes: lengths must count characters.
	key128, key129 := strings.Repeat("é", 128), strings.Repeat("é", 129)
	value256, value257 := strings.Repeat("値", 256), strings.Repeat("値", 257)
	tests := []struct {
		name   string
		tags   []Tag
		bucket bool
		msg    string // "" means valid
	}{
		{"no tags", nil, false, ""},
		{"10 object tags", tagsOf(10), false, ""},
		{"11 object tags", tagsOf(11), false, "Object tags cannot be greater than 10"},
		{"11 bucket tags", tagsOf(11), true, ""},
		{"50 bucket tags", tagsOf(50), true, ""},
		{"51 bucket tags", tagsOf(51), true, "Bucket tags cannot be greater than 50"},
		{"key of 128 characters", []Tag{{key128, "v"}}, false, ""},
		{"key of 129 characters", []Tag{{key129, "v"}}, false, "The TagKey you have provided is too long, max 128"},
		{"value of 256 characters", []Tag{{"k", value256}}, false, ""},
		{"value of 257 characters", []Tag{{"k", value257}}, false, "The TagValue you have provided is too long, max 256"},
		{"empty value", []Tag{{"k", ""}}, false, ""},
		{"empty key", []Tag{{"", "v"}}, false, "The TagKey you have provided is invalid"},
		{"duplicate keys", []Tag{{"k", "1"}, {"k", "2"}}, false, "Cannot provide multiple Tags with the same key"},
		{"keys differing in case", []Tag{{"k", "1"}, {"K", "2"}}, false, ""},
		{"allowed punctuation", []Tag{{"a+b-c=d.e_f:g/h@i j", "+-=._:/@ "}}, false, ""},
		{"unicode letters and digits", []Tag{{"ключ٣", "Ünïcödé 42"}}, false, ""},
		{"star in key", []Tag{{"a*b", "v"}}, false, "The TagKey you have provided is invalid"},
		{"ampersand in value", []Tag{{"k", "a&b"}}, false, "The TagValue you have provided is invalid"},
		{"newline in value", []Tag{{"k", "a\nb"}}, false, "The TagValue you have provided is invalid"},
		{"invalid UTF-8 in key", []Tag{{"a\xffb", "v"}}, false, "The TagKey you have provided is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &Tagging{TagSet: tt.tags}
			validate := tg.ValidateObject
			if tt.bucket {
				validate = tg.ValidateBucket
			}
			err := validate()
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if !errors.Is(err, s3err.ErrInvalidTag) {
				t.Fatalf("error = %v, want InvalidTag", err)
			}
			if e := s3err.From(err); e.Message != tt.msg || e.HTTPStatus != 400 {
				t.Fatalf("error = %d %q, want 400 %q", e.HTTPStatus, e.Message, tt.msg)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	tg := &Tagging{TagSet: []Tag{{"b", "2"}, {"a", "<1>"}}}
	got, err := tg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `<Tagging ` + ns + `><TagSet><Tag><Key>a</Key><Value>&lt;1&gt;</Value></Tag><Tag><Key>b</Key><Value>2</Value></Tag></TagSet></Tagging>`
	if string(got) != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", got, want)
	}
	if tg.TagSet[0].Key != "b" {
		t.Fatal("Encode reordered the caller's tag set")
	}

	empty, err := FromMap(nil).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := `<Tagging ` + ns + `><TagSet></TagSet></Tagging>`; string(empty) != want {
		t.Fatalf("empty Encode = %s, want %s", empty, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, MaxObjectTags, MaxBucketTags} {
		in := FromMap(nil)
		for _, tag := range tagsOf(n) {
			in.TagSet = append(in.TagSet, Tag{Key: tag.Key + " é", Value: "v/@:" + tag.Key})
		}
		doc, err := in.Encode()
		if err != nil {
			t.Fatal(err)
		}
		out, err := Parse(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("%d tags: Parse(Encode()): %v", n, err)
		}
		if !equalMaps(in.Map(), out.Map()) || len(out.TagSet) != n {
			t.Fatalf("%d tags: round trip changed the set: %q", n, out.TagSet)
		}
		q, err := ParseQuery(in.QueryString())
		if err != nil {
			t.Fatalf("%d tags: ParseQuery(QueryString()): %v", n, err)
		}
		if !equalMaps(in.Map(), q.Map()) {
			t.Fatalf("%d tags: query round trip changed the set: %q", n, q.TagSet)
		}
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		header string
		want   []Tag
		err    bool
	}{
		{"", nil, false},
		{"k1=v1&k2=v2", []Tag{{"k1", "v1"}, {"k2", "v2"}}, false},
		{"a%20b=c+d", []Tag{{"a b", "c d"}}, false},
		{"plus=%2B", []Tag{{"plus", "+"}}, false},
		{"novalue", []Tag{{"novalue", ""}}, false},
		{"empty=", []Tag{{"empty", ""}}, false},
		{"a=1&&b=2", []Tag{{"a", "1"}, {"b", "2"}}, false},
		{"eq=a%3Db", []Tag{{"eq", "a=b"}}, false},
		{"k=%E5%80%A4", []Tag{{"k", "値"}}, false},
		{"dup=1&dup=2", []Tag{{"dup", "1"}, {"dup", "2"}}, false},
		{"bad=%zz", nil, true},
		{"%=v", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, err := ParseQuery(tt.header)
			if tt.err {
				if !errors.Is(err, s3err.ErrInvalidArgument) {
					t.Fatalf("error = %v, want InvalidArgument", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.TagSet) != len(tt.want) {
				t.Fatalf("got %q, want %q", got.TagSet, tt.want)
			}
			for i := range tt.want {
				if got.TagSet[i] != tt.want[i] {
					t.Fatalf("got %q, want %q", got.TagSet, tt.want)
				}
			}
		})
	}
	dup, _ := ParseQuery("dup=1&dup=2")
	if err := dup.ValidateObject(); !errors.Is(err, s3err.ErrInvalidTag) {
		t.Fatalf("duplicate header keys: error = %v, want InvalidTag", err)
	}
}

func TestQueryString(t *testing.T) {
	tg := &Tagging{TagSet: []Tag{{"z", "a b"}, {"a", "x+y&z=w"}}}
	if got, want := tg.QueryString(), "a=x%2By%26z%3Dw&z=a%20b"; got != want {
		t.Fatalf("QueryString = %q, want %q", got, want)
	}
}

func TestMap(t *testing.T) {
	m := map[string]string{"b": "2", "a": "1", "c": ""}
	tg := FromMap(m)
	if tg.TagSet[0].Key != "a" || tg.TagSet[1].Key != "b" || tg.TagSet[2].Key != "c" {
		t.Fatalf("FromMap not sorted: %q", tg.TagSet)
	}
	if !equalMaps(tg.Map(), m) {
		t.Fatalf("Map = %v, want %v", tg.Map(), m)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

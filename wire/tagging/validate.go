package tagging

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

// ValidateObject checks an object's tag set: at most MaxObjectTags tags,
// each valid, no key twice.
func (t *Tagging) ValidateObject() error {
	return t.validate(MaxObjectTags, fmt.Sprintf("Object tags cannot be greater than %d", MaxObjectTags))
}

// ValidateBucket checks a bucket's tag set: at most MaxBucketTags tags,
// each valid, no key twice.
func (t *Tagging) ValidateBucket() error {
	return t.validate(MaxBucketTags, fmt.Sprintf("Bucket tags cannot be greater than %d", MaxBucketTags))
}

func (t *Tagging) validate(maxTags int, tooMany string) error {
	if len(t.TagSet) > maxTags {
		return s3err.ErrInvalidTag.WithMessage("%s", tooMany)
	}
	seen := make(map[string]bool, len(t.TagSet))
	for _, tag := range t.TagSet {
		if err := tag.Validate(); err != nil {
			return err
		}
		if seen[tag.Key] {
			return s3err.ErrInvalidTag.WithMessage("Cannot provide multiple Tags with the same key")
		}
		seen[tag.Key] = true
	}
	return nil
}

// Validate checks one tag: a key of 1 to MaxKeyLength characters, a value
// of at most MaxValueLength characters, both of allowed characters.
func (tag Tag) Validate() error {
	switch {
	case tag.Key == "":
		return s3err.ErrInvalidTag.WithMessage("The TagKey you have provided is invalid")
	case utf8.RuneCountInString(tag.Key) > MaxKeyLength:
		return s3err.ErrInvalidTag.WithMessage("The TagKey you have provided is too long, max %d", MaxKeyLength)
	case !allowedText(tag.Key):
		return s3err.ErrInvalidTag.WithMessage("The TagKey you have provided is invalid")
	case utf8.RuneCountInString(tag.Value) > MaxValueLength:
		return s3err.ErrInvalidTag.WithMessage("The TagValue you have provided is too long, max %d", MaxValueLength)
	case !allowedText(tag.Value):
		return s3err.ErrInvalidTag.WithMessage("The TagValue you have provided is invalid")
	}
	return nil
}

// allowedText reports whether s uses only the characters AWS allows in
// tags: Unicode letters, numbers and separators (spaces), and + - = . _ : / @.
func allowedText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsNumber(r), unicode.In(r, unicode.Z):
		case r == '+', r == '-', r == '=', r == '.', r == '_', r == ':', r == '/', r == '@':
		default:
			return false
		}
	}
	return true
}

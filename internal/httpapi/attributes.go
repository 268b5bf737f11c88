package httpapi

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// GetObjectAttributes (GET /bucket/key?attributes) reports what the
// x-amz-object-attributes header asks for, without the object's data:
// ETag, Checksum, ObjectParts, StorageClass, ObjectSize.

type objectAttributesResult struct {
	XMLName      xml.Name           `xml:"GetObjectAttributesResponse"`
	Xmlns        string             `xml:"xmlns,attr"`
	ETag         string             `xml:"ETag,omitempty"`
	Checksum     *attributeChecksum `xml:"Checksum,omitempty"`
	ObjectParts  *attributeParts    `xml:"ObjectParts,omitempty"`
	StorageClass string             `xml:"StorageClass,omitempty"`
	ObjectSize   *int64             `xml:"ObjectSize,omitempty"`
}

type attributeChecksum struct {
	partChecksums
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

type attributeParts struct {
	PartsCount           int             `xml:"PartsCount"`
	PartNumberMarker     int             `xml:"PartNumberMarker"`
	NextPartNumberMarker int             `xml:"NextPartNumberMarker"`
	MaxParts             int             `xml:"MaxParts"`
	IsTruncated          bool            `xml:"IsTruncated"`
	Parts                []attributePart `xml:"Part"`
}

type attributePart struct {
	partChecksums
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
}

// objectAttributeNames are the values x-amz-object-attributes may list.
var objectAttributeNames = map[string]bool{
	"ETag": true, "Checksum": true, "ObjectParts": true, "StorageClass": true, "ObjectSize": true,
}

// defaultMaxParts is the ObjectParts page size when x-amz-max-parts is
// absent, as in ListParts.
const defaultMaxParts = 1000

func (s *Server) getObjectAttributes(rq *request) (response, error) {
	h := rq.http.Header
	want := map[string]bool{}
	for _, v := range h.Values("x-amz-object-attributes") {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !objectAttributeNames[name] {
				return nil, s3err.ErrInvalidArgument.WithMessage("Invalid attribute name specified.")
			}
			want[name] = true
		}
	}
	if len(want) == 0 {
		return nil, s3err.ErrInvalidArgument.WithMessage("The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty.")
	}
	maxParts, err := headerInt(h.Get("x-amz-max-parts"), defaultMaxParts, "x-amz-max-parts")
	if err != nil {
		return nil, err
	}
	marker, err := headerInt(h.Get("x-amz-part-number-marker"), 0, "x-amz-part-number-marker")
	if err != nil {
		return nil, err
	}
	opts := object.GetOptions{VersionID: versionID(rq)}
	if opts.CustomerKey, err = readCustomerKey(rq); err != nil {
		return nil, err
	}
	obj, err := s.objects.HeadObject(rq.ctx, rq.bucket, rq.key, opts)
	if err != nil {
		if obj != nil && obj.Info.IsDeleteMarker {
			for _, kv := range versionHeaders(obj.Info) {
				rq.out.Set(kv[0], kv[1])
			}
		}
		return nil, err
	}
	info := obj.Info
	doc := objectAttributesResult{Xmlns: s3Namespace}
	if want["ETag"] {
		doc.ETag = info.ETag
	}
	if want["Checksum"] && len(info.Checksums) > 0 {
		doc.Checksum = &attributeChecksum{partChecksums: checksum.ElementsOf(withoutPartCount(info.Checksums)), ChecksumType: info.ChecksumType}
	}
	if want["ObjectParts"] && len(obj.Parts) > 0 {
		alg := ""
		for a := range info.Checksums {
			alg = a
		}
		p := &attributeParts{PartsCount: len(obj.Parts), PartNumberMarker: marker, MaxParts: maxParts}
		for i := marker; i < len(obj.Parts); i++ {
			if len(p.Parts) == maxParts {
				p.IsTruncated = true
				break
			}
			part := attributePart{PartNumber: i + 1, Size: obj.Parts[i].Size}
			if sum := obj.Parts[i].Checksum; sum != "" && alg != "" {
				part.partChecksums = checksum.ElementsOf(map[string]string{alg: sum})
			}
			p.Parts = append(p.Parts, part)
			p.NextPartNumberMarker = i + 1
		}
		doc.ObjectParts = p
	}
	if want["StorageClass"] {
		doc.StorageClass = storageClassName(info.Attrs)
	}
	if want["ObjectSize"] {
		size := info.Size
		doc.ObjectSize = &size
	}
	out := append(headers{{"Last-Modified", formatHTTPTime(info.LastModified)}}, versionHeaders(info)...)
	return xmlResponse{headers: out, doc: doc}, nil
}

// withoutPartCount drops the "-N" a COMPOSITE checksum carries elsewhere:
// GetObjectAttributes gives the bare digest (the count is PartsCount),
// as AWS answers and as clients (minio-go) compare it.
func withoutPartCount(sums map[string]string) map[string]string {
	out := make(map[string]string, len(sums))
	for alg, v := range sums {
		digest, _, _ := strings.Cut(v, "-")
		out[alg] = digest
	}
	return out
}

// headerInt parses a non-negative integer header, def when absent.
func headerInt(v string, def int, name string) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, s3err.ErrInvalidArgument.WithMessage("%s must be a non-negative integer.", name)
	}
	return n, nil
}

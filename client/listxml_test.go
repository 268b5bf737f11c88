package client

import (
	"encoding/xml"
	"reflect"
	"testing"
)

// listSeeds are listing pages as S3 servers write them, and variations
// that only encoding/xml may decide.
var listSeeds = []string{
	`<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><NextContinuationToken>dG9rZW4=</NextContinuationToken><Contents><Key>a &amp; b &lt;c&gt; &#34;d&#34; &#39;e&#39; &#x9;&#xA;</Key><LastModified>2026-11-26T23:00:00.000Z</LastModified><ETag>&#34;0123456789abcdef0123456789abcdef&#34;</ETag><ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><Size>4096</Size><StorageClass>STANDARD</StorageClass><Owner><ID>abc</ID><DisplayName>kura</DisplayName></Owner></Contents><Contents><Key>日本/é</Key><Size></Size></Contents><CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes></ListBucketResult>`,
	`<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>false</IsTruncated><NextKeyMarker>k</NextKeyMarker><NextVersionIdMarker>v</NextVersionIdMarker><Version><Key>k</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>COMPOSITE</ChecksumType><Size>1</Size></Version><DeleteMarker><Key>k</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest></DeleteMarker></ListVersionsResult>`,
	`<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%20b</Key><UserMetadata><X-Amz-Meta-A>1</X-Amz-Meta-A><content-type>text/plain</content-type></UserMetadata></Contents></ListBucketResult>`,
	"<ListBucketResult>\n  <Contents>\n    <Key>k</Key>\n    <Size> 12 </Size>\n  </Contents>\n  <Contents/>\n  <CommonPrefixes/>\n</ListBucketResult>\n",
	`<ListBucketResult><!-- c --><Contents><Key>k</Key></Contents></ListBucketResult>`,
	`<ListBucketResult><Contents><Key><![CDATA[x<y]]></Key></Contents></ListBucketResult>`,
	"<ListBucketResult><Contents><Key>a\r\nb</Key></Contents></ListBucketResult>",
	`<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>`,
	`<ListBucketResult><Contents><Size>x</Size></Contents></ListBucketResult>`,
	`<ListBucketResult><Contents><Key>k</Key></Contents>`,
	`<ListBucketResult><Contents><Key>k</Contents></Key></ListBucketResult>`,
	`<s3:ListBucketResult xmlns:s3="urn:x"><s3:Contents/></s3:ListBucketResult>`,
	`<ListBucketResult a='1' b="&lt;"><Contents xmlns="urn:y"><Key>k</Key><Owner><ID>i</ID><Nested><ID>z</ID></Nested></Owner><Unknown><Key>deep</Key></Unknown></Contents></ListBucketResult> trailing`,
	`<ListBucketResult><Contents><Key>&#0;</Key></Contents></ListBucketResult>`,
	`<ListBucketResult><Contents><Key>&#x1F600;&#65;&nbsp;</Key></Contents></ListBucketResult>`,
	`<ListBucketResult><Contents><Key>` + "\xff" + `</Key></Contents></ListBucketResult>`,
	`<?xml version="1.0" encoding="ISO-8859-1"?><ListBucketResult/>`,
}

// checkListDecode: wherever the fast decoder answers, encoding/xml
// succeeds too and decodes the same listResult.
func checkListDecode(t *testing.T, data []byte) (fast bool) {
	var got listResult
	if !got.decodeFastXML(data) {
		if !reflect.DeepEqual(got, listResult{}) {
			t.Fatalf("a declined document changed the result: %+v", got)
		}
		return false
	}
	var want listResult
	if err := xml.Unmarshal(data, &want); err != nil {
		t.Fatalf("fast decoder accepted what encoding/xml refuses (%v):\n%q", err, data)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoders differ on %q:\nfast %+v\n xml %+v", data, got, want)
	}
	return true
}

func TestListDecodeMatchesEncodingXML(t *testing.T) {
	fast := 0
	for _, seed := range listSeeds {
		if checkListDecode(t, []byte(seed)) {
			fast++
		}
	}
	// The pages servers write must take the fast path.
	for _, seed := range listSeeds[:4] {
		var r listResult
		if !r.decodeFastXML([]byte(seed)) {
			t.Errorf("fast decoder declined a plain page: %q", seed)
		}
	}
	t.Logf("%d of %d seeds decoded fast", fast, len(listSeeds))
}

func FuzzListDecode(f *testing.F) {
	for _, seed := range listSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkListDecode(t, data)
	})
}

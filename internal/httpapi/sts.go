package httpapi

import (
	"encoding/xml"
	"net/url"
	"time"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/s3err"
)

// maxSTSBody bounds an STS form (a session policy is at most 2 KiB).
const maxSTSBody = 16 << 10

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

// newSTSCredentials is the Credentials element of every STS answer that
// issues temporary credentials.
func newSTSCredentials(tc iam.TempCredentials) stsCredentials {
	return stsCredentials{
		AccessKeyID: tc.AccessKey, SecretAccessKey: tc.SecretKey, SessionToken: tc.SessionToken,
		Expiration: tc.Expiration.Format(time.RFC3339),
	}
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials     stsCredentials `xml:"Credentials"`
		AssumedRoleUser struct {
			Arn           string `xml:"Arn"`
			AssumedRoleID string `xml:"AssumedRoleId"`
		} `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

type callerIdentityResponse struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

type stsError struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

type stsErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Error     stsError `xml:"Error"`
	RequestID string   `xml:"RequestId"`
}

// stsParams reads an STS call's parameters from its form body or query.
func stsParams(rq *request) (url.Values, error) {
	data, err := readBounded(rq, maxSTSBody)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, s3err.ErrInvalidArgument.WithMessage("The STS request body is not a valid form.")
	}
	for k, v := range rq.http.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	return form, nil
}

// sts answers the security token service calls that share the S3
// endpoint: AssumeRole and GetCallerIdentity.
func (s *Server) sts(rq *request) (response, error) {
	if s.iam == nil {
		return nil, s3err.ErrNotImplemented.WithMessage("STS needs the IAM store.")
	}
	p, err := stsParams(rq)
	if err != nil {
		return nil, err
	}
	id := rq.identity
	action := p.Get("Action")
	if unsignedLogins[action] && !s.loginLimit.allow(clientKey(rq.http.RemoteAddr), s.now()) {
		return nil, errLoginRate
	}
	switch action {
	case "AssumeRoleWithLDAPIdentity":
		return s.assumeRoleWithLDAP(rq, p)
	case "AssumeRoleWithCertificate":
		return s.assumeRoleWithCertificate(rq, p)
	}
	if federatedActions[action] {
		return s.assumeRoleFederated(rq, action, p)
	}
	if id == nil {
		return nil, s3err.ErrAccessDenied.WithMessage("STS action %q needs a signed request.", action)
	}
	switch action {
	case "AssumeRole":
		duration, err := durationParam(p)
		if err != nil {
			return nil, err
		}
		tc, err := s.iam.AssumeRole(rq.ctx, id, duration, []byte(p.Get("Policy")))
		if err != nil {
			return nil, err
		}
		doc := assumeRoleResponse{Xmlns: stsNamespace, RequestID: rq.id}
		doc.Result.Credentials = newSTSCredentials(tc)
		doc.Result.AssumedRoleUser.Arn = "arn:aws:sts::" + s.accountID() + ":assumed-role/" + id.Username
		doc.Result.AssumedRoleUser.AssumedRoleID = tc.AccessKey
		return xmlResponse{doc: doc}, nil
	case "GetCallerIdentity":
		doc := callerIdentityResponse{Xmlns: stsNamespace, RequestID: rq.id}
		doc.Result.Arn = "arn:aws:iam::" + s.accountID() + ":user/" + id.Username
		if provider, subject, ok := id.FederatedSubject(); ok {
			// As AWS names a web identity session: the role, then the
			// session (here the subject).
			doc.Result.Arn = "arn:aws:sts::" + s.accountID() + ":assumed-role/" + provider + "/" + subject
		}
		doc.Result.UserID, doc.Result.Account = id.AccessKey, s.accountID()
		return xmlResponse{doc: doc}, nil
	}
	return nil, s3err.ErrNotImplemented.WithMessage("STS action %q is not supported.", p.Get("Action"))
}

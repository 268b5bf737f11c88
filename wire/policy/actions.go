package policy

import "strings"

// The actions a policy may name, by service prefix. S3's are every action
// of AWS's service authorization reference for Amazon S3, including those
// kura does not implement, so that a policy written for AWS validates
// here; STS's are AWS's STS actions; admin's are the actions of kura's
// admin API and of the canned policies. The lists are the data that
// decides "Policy has invalid action". S3's list also has the two
// listen actions of MinIO's API.
var knownActions = map[string][]string{
	"s3": {
		"AbortMultipartUpload",
		"AssociateAccessGrantsIdentityCenter",
		"BypassGovernanceRetention",
		"CreateAccessGrant",
		"CreateAccessGrantsInstance",
		"CreateAccessGrantsLocation",
		"CreateAccessPoint",
		"CreateAccessPointForObjectLambda",
		"CreateBucket",
		"CreateBucketMetadataTableConfiguration",
		"CreateJob",
		"CreateMultiRegionAccessPoint",
		"CreateStorageLensGroup",
		"DeleteAccessGrant",
		"DeleteAccessGrantsInstance",
		"DeleteAccessGrantsInstanceResourcePolicy",
		"DeleteAccessGrantsLocation",
		"DeleteAccessPoint",
		"DeleteAccessPointForObjectLambda",
		"DeleteAccessPointPolicy",
		"DeleteAccessPointPolicyForObjectLambda",
		"DeleteBucket",
		"DeleteBucketMetadataTableConfiguration",
		"DeleteBucketOwnershipControls",
		"DeleteBucketPolicy",
		"DeleteBucketWebsite",
		"DeleteJobTagging",
		"DeleteMultiRegionAccessPoint",
		"DeleteObject",
		"DeleteObjectTagging",
		"DeleteObjectVersion",
		"DeleteObjectVersionTagging",
		"DeleteStorageLensConfiguration",
		"DeleteStorageLensConfigurationTagging",
		"DeleteStorageLensGroup",
		"DescribeJob",
		"DescribeMultiRegionAccessPointOperation",
		"DissociateAccessGrantsIdentityCenter",
		"GetAccelerateConfiguration",
		"GetAccessGrant",
		"GetAccessGrantsInstance",
		"GetAccessGrantsInstanceForPrefix",
		"GetAccessGrantsInstanceResourcePolicy",
		"GetAccessGrantsLocation",
		"GetAccessPoint",
		"GetAccessPointConfigurationForObjectLambda",
		"GetAccessPointForObjectLambda",
		"GetAccessPointPolicy",
		"GetAccessPointPolicyForObjectLambda",
		"GetAccessPointPolicyStatus",
		"GetAccessPointPolicyStatusForObjectLambda",
		"GetAccountPublicAccessBlock",
		"GetAnalyticsConfiguration",
		"GetBucketAbac",
		"GetBucketAcl",
		"GetBucketCORS",
		"GetBucketLocation",
		"GetBucketLogging",
		"GetBucketMetadataTableConfiguration",
		"GetBucketNotification",
		"GetBucketObjectLockConfiguration",
		"GetBucketOwnershipControls",
		"GetBucketPolicy",
		"GetBucketPolicyStatus",
		"GetBucketPublicAccessBlock",
		"GetBucketRequestPayment",
		"GetBucketTagging",
		"GetBucketVersioning",
		"GetBucketWebsite",
		"GetDataAccess",
		"GetEncryptionConfiguration",
		"GetIntelligentTieringConfiguration",
		"GetInventoryConfiguration",
		"GetIpConfiguration",
		"GetJobTagging",
		"GetLifecycleConfiguration",
		"GetMetricsConfiguration",
		"GetMultiRegionAccessPoint",
		"GetMultiRegionAccessPointPolicy",
		"GetMultiRegionAccessPointPolicyStatus",
		"GetMultiRegionAccessPointRoutes",
		"GetObject",
		"GetObjectAcl",
		"GetObjectAttributes",
		"GetObjectLegalHold",
		"GetObjectRetention",
		"GetObjectTagging",
		"GetObjectTorrent",
		"GetObjectVersion",
		"GetObjectVersionAcl",
		"GetObjectVersionAttributes",
		"GetObjectVersionForReplication",
		"GetObjectVersionTagging",
		"GetObjectVersionTorrent",
		"GetReplicationConfiguration",
		"GetStorageLensConfiguration",
		"GetStorageLensConfigurationTagging",
		"GetStorageLensDashboard",
		"GetStorageLensGroup",
		"HeadBucket",
		"InitiateReplication",
		"ListAccessGrants",
		"ListAccessGrantsInstances",
		"ListAccessGrantsLocations",
		"ListAccessPoints",
		"ListAccessPointsForObjectLambda",
		"ListAllMyBuckets",
		"ListBucket",
		"ListBucketByTags",
		"ListBucketMultipartUploads",
		"ListBucketVersions",
		"ListCallerAccessGrants",
		"ListJobs",
		// MinIO's listen calls, which kura serves too.
		"ListenBucketNotification",
		"ListenNotification",
		"ListMultiRegionAccessPoints",
		"ListMultipartUploadParts",
		"ListObjects",
		"ListStorageLensConfigurations",
		"ListStorageLensGroups",
		"ListTagsForResource",
		"ObjectOwnerOverrideToBucketOwner",
		"PauseReplication",
		"PutAccelerateConfiguration",
		"PutAccessGrantsInstanceResourcePolicy",
		"PutAccessPointConfigurationForObjectLambda",
		"PutAccessPointPolicy",
		"PutAccessPointPolicyForObjectLambda",
		"PutAccessPointPublicAccessBlock",
		"PutAccountPublicAccessBlock",
		"PutAnalyticsConfiguration",
		"PutBucketAbac",
		"PutBucketAcl",
		"PutBucketCORS",
		"PutBucketLogging",
		"PutBucketNotification",
		"PutBucketObjectLockConfiguration",
		"PutBucketOwnershipControls",
		"PutBucketPolicy",
		"PutBucketPublicAccessBlock",
		"PutBucketRequestPayment",
		"PutBucketTagging",
		"PutBucketVersioning",
		"PutBucketWebsite",
		"PutEncryptionConfiguration",
		"PutIntelligentTieringConfiguration",
		"PutInventoryConfiguration",
		"PutIpConfiguration",
		"PutJobTagging",
		"PutLifecycleConfiguration",
		"PutMetricsConfiguration",
		"PutMultiRegionAccessPointPolicy",
		"PutObject",
		"PutObjectAcl",
		"PutObjectLegalHold",
		"PutObjectRetention",
		"PutObjectTagging",
		"PutObjectVersionAcl",
		"PutObjectVersionTagging",
		"PutReplicationConfiguration",
		"PutStorageLensConfiguration",
		"PutStorageLensConfigurationTagging",
		"ReplicateDelete",
		"ReplicateObject",
		"ReplicateTags",
		"RestoreObject",
		"SubmitMultiRegionAccessPointRoutes",
		"TagResource",
		"UntagResource",
		"UpdateAccessGrantsLocation",
		"UpdateBucketMetadataInventoryTableConfiguration",
		"UpdateBucketMetadataJournalTableConfiguration",
		"UpdateJobPriority",
		"UpdateJobStatus",
		"UpdateObjectEncryption",
		"UpdateStorageLensGroup",
	},
	"sts": {
		"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "AssumeRoot",
		"DecodeAuthorizationMessage", "GetAccessKeyInfo", "GetCallerIdentity",
		"GetDelegatedAccessToken", "GetFederationToken", "GetServiceBearerToken",
		"GetSessionToken", "GetWebIdentityToken", "SetContext", "SetSourceIdentity",
		"TagGetWebIdentityToken", "TagSession",
	},
	"admin": {
		"AddUserToGroup", "AttachUserOrGroupPolicy", "BandwidthMonitor", "ConfigUpdate", "ConsoleLog",
		"CreatePolicy", "CreateServiceAccount", "CreateUser", "DataUsageInfo", "DeletePolicy", "DeleteUser",
		"EnableUser", "GetBucketTarget", "Heal", "KMSCreateKey", "KMSKeyStatus", "ListGroups",
		"ListServiceAccounts", "ListUserPolicies", "ListUsers", "OBDInfo", "Profiling", "Prometheus",
		"RemoveServiceAccount", "RemoveUserFromGroup", "ServerInfo", "ServerTrace", "SetBucketTarget",
		"TopLocksInfo",
	},
}

// KnownAction reports whether action ("s3:GetObject") is one of the
// actions a policy may name. Policies compare actions regardless of case.
func KnownAction(action string) bool {
	service, name, ok := strings.Cut(action, ":")
	if !ok {
		return false
	}
	for _, known := range knownActions[strings.ToLower(service)] {
		if strings.EqualFold(known, name) {
			return true
		}
	}
	return false
}

// actionNamesSome reports whether an Action element's value names at least
// one known action of one of services: "*" always does; "s3:Get*" does
// because s3:GetObject exists; "s3:NoSuchAction" and "s3:Nothing*" do not.
// The service prefix is matched regardless of case, as the name is.
func actionNamesSome(action string, services ...string) bool {
	if action == "*" {
		return true
	}
	service, name, ok := strings.Cut(action, ":")
	if !ok || !validActionName(name) {
		return false
	}
	for _, s := range services {
		if strings.EqualFold(service, s) {
			return matchesSomeAction(s, name)
		}
	}
	return false
}

func matchesSomeAction(service, name string) bool {
	p := compilePattern(name, patternOptions{wildcards: true, fold: true})
	var r Request
	for _, known := range knownActions[service] {
		if p.matches(known, &r) {
			return true
		}
	}
	return false
}

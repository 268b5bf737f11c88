// Package adminapi is the wire format of kura's admin API: the path it
// lives under and the JSON body of every request and answer.
//
// The server (internal/httpapi) and the admin client (package admin) both
// speak these types, so neither depends on the other and the shapes live
// in one place. The server converts its stored records into these types
// field by field: a stored record, which may hold sealed secrets, never
// goes out as it is.
//
// Calls, relative to Prefix, and their bodies:
//
//	GET    users                          -> []User
//	PUT    users/{user}                   AddUser
//	DELETE users/{user}
//	PUT    users/{user}/status            UserStatus
//	POST   users/{user}/service-accounts  ServiceAccount -> Credentials
//	POST   ldap/service-accounts          LDAPServiceAccount -> Credentials
//	GET    service-accounts?user=ACCESS | ?ldapUser=DN[&provider=NAME]  -> []User
//	DELETE service-accounts/{access key}
//	GET    policies                       -> []string
//	PUT    policies/{policy}              the policy document, as is
//	DELETE policies/{policy}
//	POST   policies/{policy}/attach       Attachment
//	POST   policies/{policy}/detach       Attachment
//	GET    ldap/policies                  -> []LDAPPolicyMapping
//	GET    groups                         -> []Group
//	POST   groups/{group}/members         Members
//	DELETE groups/{group}/members         Members
//	GET    info                           -> ServerInfo
//	GET    kms/keys                       -> KMSKeys
//	PUT    kms/keys/{key}
//	POST   scrub                          -> ScrubReport
//	GET    debug/pprof/{profile}          a pprof profile, not JSON
//	GET    replication/targets/{bucket}   -> []ReplicationTarget
//	PUT    replication/targets/{bucket}   ReplicationTarget -> ReplicationTargetAdded
//	DELETE replication/targets/{bucket}?arn=ARN
//	GET    replication/status/{bucket}    -> []ReplicationTargetStatus
//	POST   replication/resync/{bucket}?arn=ARN
//	POST   metrics/token                  MetricsTokenRequest -> MetricsToken
//
// A call without an answer body answers 204 No Content; a refusal is S3
// error XML.
package adminapi

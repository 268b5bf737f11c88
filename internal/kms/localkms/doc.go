// Package localkms is kura's built-in KMS. A master key, from
// KURA_KMS_SECRET_KEY ("name:base64 of 32 bytes") or generated on first
// start and kept in a 0600 file, is the default key and seals every other
// key. Named keys are random 32-byte keys, stored sealed in the metadata
// store so that every gateway on one metadata store shares them.
//
// Data keys are sealed with AES-256-GCM under the key-encryption key, with
// the caller's context as additional data:
//
//	sealed = version(1) || nonce(12) || AES-256-GCM(kek, nonce, dataKey, context)
//
// The master key itself is never stored in the metadata store. Losing it
// loses every encrypted object; the closing words of `kura server` say
// where it is.
package localkms

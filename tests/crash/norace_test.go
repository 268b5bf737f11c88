//go:build !race

package crash

const raceBuild = false

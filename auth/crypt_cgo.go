//go:build cgo

package auth

/*
#cgo LDFLAGS: -lcrypt
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

// check returns 1 when phrase hashes to setting under crypt_r, 0 when not,
// -1 when the setting is not a hash libcrypt knows.
static int check(const char *phrase, const char *setting) {
	struct crypt_data data;
	memset(&data, 0, sizeof data);
	char *out = crypt_r(phrase, setting, &data);
	if (out == NULL || out[0] == '*') return -1;
	return strcmp(out, setting) == 0 ? 1 : 0;
}
*/
import "C"

import "unsafe"

// cryptCheck verifies a password against a crypt(3) hash of the system's
// account database. It uses the system's libcrypt (libxcrypt), which knows
// every scheme Debian writes — yescrypt by default, SHA-512, bcrypt —
// rather than reimplementing them.
func cryptCheck(password, hash string) (ok, known bool) {
	p := C.CString(password)
	defer func() {
		C.memset(unsafe.Pointer(p), 0, C.size_t(len(password)))
		C.free(unsafe.Pointer(p))
	}()
	h := C.CString(hash)
	defer C.free(unsafe.Pointer(h))
	switch C.check(p, h) {
	case 1:
		return true, true
	case 0:
		return false, true
	}
	return false, false
}

const cryptAvailable = true

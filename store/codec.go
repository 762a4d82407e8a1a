package store

import (
	"encoding/binary"
	"errors"
	"unsafe"
)

// A tiny binary codec for the database records: unsigned and signed varints
// and length-prefixed strings, each record starting with a version byte.
// It is hand-written because records are decoded on every FETCH and SELECT;
// a reflective encoding would cost ten times as much there.

var errCorrupt = errors.New("corrupt record")

type encoder struct{ b []byte }

func (e *encoder) u(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) i(v int64)  { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) s(v string) { e.u(uint64(len(v))); e.b = append(e.b, v...) }
func (e *encoder) bytes(v []byte) {
	e.u(uint64(len(v)))
	e.b = append(e.b, v...)
}
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}
func (e *encoder) strs(v []string) {
	e.u(uint64(len(v)))
	for _, s := range v {
		e.s(s)
	}
}

type decoder struct {
	b   []byte
	err error
	// shared: b is the decoder's own copy, which nothing changes, so
	// strings may point into it instead of being copied one by one.
	shared bool
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) u() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) i() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) raw() []byte {
	n := d.u()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) s() string {
	b := d.raw()
	if d.shared && len(b) > 0 {
		return unsafe.String(&b[0], len(b))
	}
	return string(b)
}

func (d *decoder) bytes() []byte { return append([]byte(nil), d.raw()...) }

func (d *decoder) bool() bool {
	if len(d.b) < 1 {
		d.fail()
		return false
	}
	v := d.b[0] != 0
	d.b = d.b[1:]
	return v
}

func (d *decoder) strs() []string {
	n := d.u()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	v := make([]string, n)
	for i := range v {
		v[i] = d.s()
	}
	return v
}

// version reads the leading version byte and checks it is one we know.
func (d *decoder) version(max byte) byte {
	if len(d.b) < 1 || d.b[0] == 0 || d.b[0] > max {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func be64ToU(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

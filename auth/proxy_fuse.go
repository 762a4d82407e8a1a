package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FUSE passthrough lets the kernel read a large message straight from its
// file, but the kernel registers such a "backing" file only for a process
// with CAP_SYS_ADMIN. Once serve has given up root, the proxy registers
// them for it:
//
//	→ {"op":"fuse"}                + the /dev/fuse descriptor of the mount
//	→ {"op":"backing-open"}        + an open message file
//	← {"ok":true,"id":N}
//	→ {"op":"backing-close","id":N}
//
// The proxy uses only descriptors the server sends, so it lends the server
// no access it did not have: a file the server could not open cannot be
// registered. It checks that the device is /dev/fuse and each file a
// regular file before any ioctl.

// The ioctls of <linux/fuse.h> on /dev/fuse, and its device number.
const (
	fuseDevIocBackingOpen  = 0x4010e501 // _IOW(229, 1, struct fuse_backing_map)
	fuseDevIocBackingClose = 0x4004e502 // _IOW(229, 2, uint32_t)
	fuseMajor, fuseMinor   = 10, 229
)

// fuseBackingMap is struct fuse_backing_map.
type fuseBackingMap struct {
	Fd      int32
	Flags   uint32
	Padding uint64
}

// fuseDevice is the /dev/fuse descriptor the server sent.
type fuseDevice struct {
	mu sync.Mutex
	f  *os.File
}

func (p *ProxyServer) fuseOp(req proxyRequest, fds []int) proxyResponse {
	fail := func(format string, args ...any) proxyResponse {
		return proxyResponse{Error: fmt.Sprintf(format, args...)}
	}
	kept := -1 // the descriptor the proxy holds on to; the others are closed
	defer func() {
		for _, fd := range fds {
			if fd != kept {
				unix.Close(fd)
			}
		}
	}()
	p.fuse.mu.Lock()
	defer p.fuse.mu.Unlock()
	switch req.Op {
	case "fuse":
		if len(fds) != 1 {
			return fail("fuse: want one descriptor, got %d", len(fds))
		}
		var st unix.Stat_t
		if err := unix.Fstat(fds[0], &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR ||
			unix.Major(st.Rdev) != fuseMajor || unix.Minor(st.Rdev) != fuseMinor {
			return fail("fuse: the descriptor is not /dev/fuse")
		}
		if p.fuse.f != nil {
			p.fuse.f.Close()
		}
		kept = fds[0]
		p.fuse.f = os.NewFile(uintptr(kept), "/dev/fuse")
		return proxyResponse{OK: true}
	case "backing-open":
		if p.fuse.f == nil {
			return fail("backing-open: no /dev/fuse yet")
		}
		if len(fds) != 1 {
			return fail("backing-open: want one descriptor, got %d", len(fds))
		}
		// The file is closed on return: the kernel keeps its own reference.
		var st unix.Stat_t
		if err := unix.Fstat(fds[0], &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			return fail("backing-open: not a regular file")
		}
		m := fuseBackingMap{Fd: int32(fds[0])}
		id, _, errno := unix.Syscall(unix.SYS_IOCTL, p.fuse.f.Fd(), fuseDevIocBackingOpen, uintptr(unsafe.Pointer(&m)))
		if errno != 0 {
			return fail("backing-open: %v", errno)
		}
		return proxyResponse{OK: true, ID: int32(id)}
	case "backing-close":
		if p.fuse.f == nil {
			return fail("backing-close: no /dev/fuse yet")
		}
		id := req.ID
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, p.fuse.f.Fd(), fuseDevIocBackingClose, uintptr(unsafe.Pointer(&id))); errno != 0 {
			return fail("backing-close: %v", errno)
		}
		return proxyResponse{OK: true}
	}
	return fail("unknown op")
}

// closeFUSE lets go of the device when the proxy stops.
func (p *ProxyServer) closeFUSE() {
	p.fuse.mu.Lock()
	defer p.fuse.mu.Unlock()
	if p.fuse.f != nil {
		p.fuse.f.Close()
		p.fuse.f = nil
	}
}

// msgConn reads lines together with the descriptors sent with them (the
// proxy its requests, Backing the answers).
type msgConn struct {
	c   *net.UnixConn
	buf []byte // read past the last line
	fds []int  // received with the line being read
}

const maxProxyLine = 4096

// readLine returns the next line and the descriptors that came with it;
// the caller owns them.
func (m *msgConn) readLine() ([]byte, []int, error) {
	for {
		for i, b := range m.buf {
			if b == '\n' {
				line := append([]byte(nil), m.buf[:i+1]...)
				m.buf = append(m.buf[:0], m.buf[i+1:]...)
				fds := m.fds
				m.fds = nil
				return line, fds, nil
			}
		}
		if len(m.buf) >= maxProxyLine {
			return nil, nil, errors.New("request line too long")
		}
		var chunk [maxProxyLine]byte
		oob := make([]byte, unix.CmsgSpace(4*4))
		n, oobn, _, _, err := m.c.ReadMsgUnix(chunk[:], oob)
		if oobn > 0 {
			if msgs, perr := unix.ParseSocketControlMessage(oob[:oobn]); perr == nil {
				for _, msg := range msgs {
					if fds, rerr := unix.ParseUnixRights(&msg); rerr == nil {
						m.fds = append(m.fds, fds...)
					}
				}
			}
		}
		if n > 0 { // a failed read gives -1
			m.buf = append(m.buf, chunk[:n]...)
		}
		if err != nil {
			return nil, nil, err
		}
		if n == 0 {
			return nil, nil, errors.New("connection closed")
		}
	}
}

// close closes the connection and any descriptor no request claimed.
func (m *msgConn) close() {
	for _, fd := range m.fds {
		unix.Close(fd)
	}
	m.c.Close()
}

// Backing registers message files for passthrough through the proxy, over
// one connection kept open (an open of a large message costs one round
// trip).
type Backing struct {
	Socket string

	mu sync.Mutex // one request at a time on c
	c  *net.UnixConn
}

// Device hands the proxy the mount's /dev/fuse descriptor.
func (b *Backing) Device(fuseFD int) error {
	_, err := b.ask(proxyRequest{Op: "fuse"}, fuseFD)
	return err
}

// Open registers an open message file and returns its backing id.
func (b *Backing) Open(f *os.File) (int32, error) {
	resp, err := b.ask(proxyRequest{Op: "backing-open"}, int(f.Fd()))
	return resp.ID, err
}

// Close unregisters a backing id.
func (b *Backing) Close(id int32) error {
	_, err := b.ask(proxyRequest{Op: "backing-close", ID: id}, -1)
	return err
}

func (b *Backing) ask(req proxyRequest, fd int) (proxyResponse, error) {
	line, err := json.Marshal(req)
	if err != nil {
		return proxyResponse{}, err
	}
	line = append(line, '\n')
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	// A connection the proxy closed is dialed again, once.
	for attempt := 0; ; attempt++ {
		if b.c == nil {
			c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: b.Socket, Net: "unix"})
			if err != nil {
				return proxyResponse{}, fmt.Errorf("%w: %v", ErrNoProxy, err)
			}
			b.c = c
		}
		resp, err := b.roundTrip(line, oob)
		if err == nil {
			if resp.Error != "" {
				return resp, errors.New("auth proxy: " + resp.Error)
			}
			return resp, nil
		}
		b.c.Close()
		b.c = nil
		if attempt > 0 {
			return proxyResponse{}, err
		}
	}
}

func (b *Backing) roundTrip(line, oob []byte) (proxyResponse, error) {
	b.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, _, err := b.c.WriteMsgUnix(line, oob, nil); err != nil {
		return proxyResponse{}, err
	}
	m := msgConn{c: b.c}
	resp, _, err := m.readLine()
	if err != nil {
		return proxyResponse{}, err
	}
	var r proxyResponse
	if err := json.Unmarshal(resp, &r); err != nil {
		return proxyResponse{}, err
	}
	return r, nil
}

// Shut closes the connection.
func (b *Backing) Shut() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.c != nil {
		b.c.Close()
		b.c = nil
	}
}

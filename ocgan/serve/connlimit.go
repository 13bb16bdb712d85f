package serve

import (
	"net"
	"sync"
	"sync/atomic"
)

// connCount counts the connections Serve holds open.
type connCount struct{ n atomic.Int64 }

// limitListener accepts at most cap(sem) connections open at once; Accept
// waits while that many are open, leaving further clients in the kernel's
// backlog.
type limitListener struct {
	net.Listener
	sem   chan struct{}
	count *connCount
	done  chan struct{}
	once  sync.Once
}

func newLimitListener(ln net.Listener, max int, count *connCount) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, max), count: count, done: make(chan struct{})}
}

// Accept waits for a free place, then accepts a connection that gives its
// place back when closed.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	l.count.n.Add(1)
	return &limitConn{Conn: c, release: func() { l.count.n.Add(-1); <-l.sem }}, nil
}

// Close stops Accept, also while it waits for a place, and closes the
// listener.
func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn gives its place back once, on the first Close.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

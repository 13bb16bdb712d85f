package serve

import (
	"net"
	"sync"
)

// clients counts the /score requests each client address has in progress,
// so that one client cannot take every place.
type clients struct {
	max int // 0: no limit

	mu     sync.Mutex
	active map[string]int
}

func newClients(max int) *clients {
	return &clients{max: max, active: make(map[string]int)}
}

// enter reports whether the client at remoteAddr may start one more
// request; if so, the caller must call leave with the same address.
func (c *clients) enter(remoteAddr string) bool {
	if c.max <= 0 {
		return true
	}
	key := clientKey(remoteAddr)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active[key] >= c.max {
		return false
	}
	c.active[key]++
	return true
}

// leave undoes enter.
func (c *clients) leave(remoteAddr string) {
	if c.max <= 0 {
		return
	}
	key := clientKey(remoteAddr)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active[key] <= 1 {
		delete(c.active, key)
		return
	}
	c.active[key]--
}

// clientKey is the host part of a remote address (the whole address if it
// has no port).
func clientKey(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

package serve

import (
	"runtime"
	"testing"
	"time"
)

// TestOptionsDefaults checks that zero fields get their defaults, set fields
// are kept, and the first negative field is named.
func TestOptionsDefaults(t *testing.T) {
	o, err := Options{MaxConcurrent: 2, QueueTimeout: time.Second}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Addr != DefaultAddr || o.MaxBodyBytes != DefaultMaxBodyBytes || o.MaxQueue != DefaultMaxQueue ||
		o.RetryAfter != DefaultRetryAfter || o.MaxDecoders != runtime.GOMAXPROCS(0) || o.Logf == nil {
		t.Errorf("defaults not set: %+v", o)
	}
	if o.MaxConcurrent != 2 || o.QueueTimeout != time.Second {
		t.Errorf("set fields changed: MaxConcurrent %d, QueueTimeout %v", o.MaxConcurrent, o.QueueTimeout)
	}
	if o, _ := (Options{MaxQueue: -1}).withDefaults(); o.MaxQueue != 0 {
		t.Errorf("MaxQueue -1 gives %d, want 0", o.MaxQueue)
	}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{MaxBodyBytes: -1, MaxDecoders: -1}, "serve: MaxBodyBytes -1 is negative"},
		{Options{ReadTimeout: -time.Second, MaxConns: -2}, "serve: ReadTimeout -1s is negative"},
		{Options{MaxDecoders: -3}, "serve: MaxDecoders -3 is negative"},
	} {
		if _, err := c.o.withDefaults(); err == nil || err.Error() != c.want {
			t.Errorf("withDefaults(%+v) = %v, want %q", c.o, err, c.want)
		}
	}
}

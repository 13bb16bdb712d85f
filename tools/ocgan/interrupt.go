package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// interruptedError marks a training run stopped by SIGINT or SIGTERM: the
// command exits with status 130.
type interruptedError struct{ error }

// sameStop is how long after the first SIGINT or SIGTERM further ones count
// as the same request to stop: a terminal's Ctrl-C reaches every process of
// its group, and a script or supervisor that runs ocgan passes its own on,
// within milliseconds of each other.
const sameStop = 500 * time.Millisecond

// interruptContext returns a context that the first SIGINT or SIGTERM
// cancels, with "received SIGINT" (or SIGTERM) as its cause, after saying
// on w that training stops at the end of the iteration and saves; signals in
// the sameStop after it are taken as the same, and from then on a signal has
// its default effect (ends the process at once). stop releases the signals.
func interruptContext(w io.Writer) (ctx context.Context, stop func()) {
	return interruptContextAfter(w, sameStop)
}

// interruptContextAfter is interruptContext with the time after the first
// signal during which later ones are taken as the same.
func interruptContextAfter(w io.Writer, same time.Duration) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		var sig os.Signal
		select {
		case sig = <-sigs:
		case <-done:
			return
		}
		name := "SIGTERM"
		if sig == os.Interrupt {
			name = "SIGINT"
		}
		fmt.Fprintf(w, "ocgan: %s: training stops at the end of the current iteration and saves where it is (send it again to stop at once)\n", name)
		cancel(fmt.Errorf("received %s", name))
		window := time.NewTimer(same)
		defer window.Stop()
		for {
			select {
			case <-sigs: // the same request, delivered twice
			case <-window.C:
				signal.Stop(sigs)
				return
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// interruptedError marks a training run stopped by SIGINT or SIGTERM: the
// command exits with status 130.
type interruptedError struct{ error }

// interruptContext returns a context that the first SIGINT or SIGTERM
// cancels, with "received SIGINT" (or SIGTERM) as its cause, after saying
// on w that training stops at the end of the iteration and saves; from then
// on a signal has its default effect (ends the process at once). stop
// releases the signals.
func interruptContext(w io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			signal.Stop(sigs)
			name := "SIGTERM"
			if sig == os.Interrupt {
				name = "SIGINT"
			}
			fmt.Fprintf(w, "ocgan: %s: training stops at the end of the current iteration and saves where it is (send it again to stop at once)\n", name)
			cancel(fmt.Errorf("received %s", name))
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

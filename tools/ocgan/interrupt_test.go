package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
)

// TestTrainInterrupt sends SIGINT to `ocgan train` inside its first epochs:
// it says that it stops, ends at the end of the iteration with exit status
// 130 and an error that says where it stopped and how to continue, and its
// checkpoint holds the run as it stopped; --resume then finishes the run
// (that it gives the uninterrupted run's parameters bit for bit is checked
// in ocgan/train and ocgan/pipeline). A second SIGINT ends the process at
// once.
func TestTrainInterrupt(t *testing.T) {
	runIfChild()
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 32)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 12)
	dir, cache := t.TempDir(), t.TempDir()
	child := func(out string, extra ...string) *exec.Cmd {
		args := append([]string{"train", "--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1",
			"--epochs", "2", "--batch", "2", "--device", "cpu", "--threads", "1", "--out", out, "--progress-every", "1ns"}, extra...)
		return childCmd(t, "TestTrainInterrupt", cache, args)
	}
	// interrupt starts a child and sends it sigs SIGINTs, 100 ms apart, once
	// it reports the second iteration of epoch 1; it returns the exit status
	// and stderr.
	interrupt := func(out string, sigs int) (int, string) {
		cmd := child(out)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			text.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "epoch 1/2 iteration 2/") {
				for i := range sigs {
					if i > 0 {
						time.Sleep(100 * time.Millisecond) // as a script passing it on
					}
					if err := cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
						t.Fatal(err)
					}
				}
				break
			}
		}
		rest, _ := io.ReadAll(stderr)
		text.Write(rest)
		err = cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, text.String()
		case errors.As(err, &ee):
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return -int(ws.Signal()), text.String()
			}
			return ee.ExitCode(), text.String()
		}
		t.Fatal(err)
		return 0, ""
	}

	out := filepath.Join(dir, "model.ocgan")
	code, stderr := interrupt(out, 1)
	for _, want := range []string{"ocgan: SIGINT: training stops at the end of the current iteration",
		"training interrupted after ", "received SIGINT", out + " holds the run as it stopped: continue with --resume"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != exitInterrupted {
		t.Fatalf("exit status %d after SIGINT, want %d\n%s", code, exitInterrupted, stderr)
	}
	ck, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	status := ck.Meta["status"]
	if !strings.HasPrefix(status, "training: interrupted after iteration ") && !strings.HasPrefix(status, "training: epoch ") {
		t.Errorf("status of the interrupted run's checkpoint: %q", status)
	}
	t.Logf("interrupted: %s (%d iterations)", status, ck.Train.Iteration)
	if msg, err := child(out, "--resume", "--progress-every", "0").CombinedOutput(); err != nil {
		t.Fatalf("--resume: %v\n%s", err, msg)
	}
	got, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta["status"] != "done" || got.Train.Epoch != 2 || got.Train.Iteration <= ck.Train.Iteration {
		t.Fatalf("resumed run: status %q after epoch %d, %d iterations (%d when interrupted)", got.Meta["status"],
			got.Train.Epoch, got.Train.Iteration, ck.Train.Iteration)
	}

	// Two signals at once (a terminal's Ctrl-C and a script passing it on)
	// are one request: the run still stops at the end of its iteration and
	// saves. A second signal later ends the process at once
	// (TestInterruptSecondSignal).
	twice := filepath.Join(dir, "twice.ocgan")
	code, stderr = interrupt(twice, 2)
	if code != exitInterrupted || strings.Count(stderr, "ocgan: SIGINT:") != 1 {
		t.Errorf("after two SIGINTs at once: exit status %d, want %d, saying once that it stops\n%s", code, exitInterrupted, stderr)
	}
	if ck, err := checkpoint.Load(twice); err != nil || !strings.HasPrefix(ck.Meta["status"], "training: ") {
		t.Errorf("checkpoint after two SIGINTs at once: %v", err)
	}
}

// TestInterruptSecondSignal: signals within the window after the first are
// taken as the same request; one after it ends the process at once.
func TestInterruptSecondSignal(t *testing.T) {
	if os.Getenv("OCGAN_TEST_SIGNAL_CHILD") == "1" {
		ctx, stop := interruptContextAfter(os.Stderr, 100*time.Millisecond)
		defer stop()
		self, _ := os.FindProcess(os.Getpid())
		_ = self.Signal(os.Interrupt)
		<-ctx.Done()
		_ = self.Signal(syscall.SIGTERM)    // inside the window: the same request
		time.Sleep(1500 * time.Millisecond) // well past the window, even on a busy machine
		fmt.Fprintln(os.Stderr, "alive after the window")
		_ = self.Signal(os.Interrupt) // after it: ends the process
		time.Sleep(5 * time.Second)
		fmt.Fprintln(os.Stderr, "survived the second signal")
		os.Exit(0)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestInterruptSecondSignal$")
	cmd.Env = append(os.Environ(), "OCGAN_TEST_SIGNAL_CHILD=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("child ended with %v, want killed by SIGINT\n%s", err, out)
	}
	if strings.Count(string(out), "ocgan: SIGINT: training stops") != 1 || !strings.Contains(string(out), "alive after the window") ||
		strings.Contains(string(out), "survived") {
		t.Errorf("child's output:\n%s", out)
	}
}
